package initconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/initconfig"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestLiveDatabaseMatchesFiles: init --database-url on a database built from
// a case's schema (applied by its owner, a role without any privilege beyond
// its database) proposes byte for byte what init proposes from the SQL files.
func TestLiveDatabaseMatchesFiles(t *testing.T) {
	for _, name := range []string{"blog", "blog-accounts"} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, filepath.Join("testdata", name, "input"), nil)
			cfg, fileCat, err := generator.ReadSchema(generator.Options{Dir: dir})
			require.NoError(t, err)
			fromFiles, err := initconfig.Propose(initconfig.Input{Catalog: fileCat, Config: cfg, From: "the test"})
			require.NoError(t, err)

			db := pgtest.NewDatabase(t)
			entries, err := os.ReadDir(filepath.Join(dir, "schema"))
			require.NoError(t, err)
			for _, e := range entries {
				sql, err := os.ReadFile(filepath.Join(dir, "schema", e.Name()))
				require.NoError(t, err)
				db.Exec(t, db.OwnerURL, string(sql))
			}
			liveCat, _, err := livecat.Read(t.Context(), pgtest.Connect(t, db.OwnerURL), nil)
			require.NoError(t, err)
			fromDB, err := initconfig.Propose(initconfig.Input{Catalog: liveCat, Config: cfg, From: "the test"})
			require.NoError(t, err)
			require.Equal(t, string(fromFiles.Render()), string(fromDB.Render()))
			require.Equal(t, fromFiles.Summary(), fromDB.Summary())
		})
	}
}
