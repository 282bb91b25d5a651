package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/generator"
	"github.com/tenantc/tenantc/generator/source"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestGoldenOnPostgres applies every successful golden case to PostgreSQL: its
// input schema, then the migrations the generator wrote (up parts only, as the
// case's migration tool would run them), then those migrations again. A golden
// file that PostgreSQL rejects — a badly quoted name, say — is a bug the text
// diff cannot show.
func TestGoldenOnPostgres(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		root := filepath.Join("testdata", c.Name())
		if _, err := os.Stat(filepath.Join(root, "output")); err != nil {
			continue // a failing case writes nothing
		}
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
			res, err := generator.Run(generator.Options{Dir: dir})
			require.NoError(t, err)
			createServiceRoles(t, res.Config.Store.ServiceRoles)
			db := pgtest.NewDatabase(t)
			for _, f := range res.Sources {
				db.Exec(t, db.OwnerURL, f.SQL)
			}
			for range 2 {
				for _, f := range res.Files {
					if strings.HasSuffix(f.Path, ".down.sql") || !strings.HasPrefix(f.Path, res.Config.Migrations.Dir+"/") {
						continue
					}
					db.Exec(t, db.OwnerURL, source.Parse(f.Path, f.Content).SQL)
				}
			}
		})
	}
}

// createServiceRoles creates the store's service roles a case names, which
// its migration's policies refer to, and drops them after the case's database
// (registered before it, so cleaned up after it). Each case names roles of its
// own: roles are cluster-wide.
func createServiceRoles(t *testing.T, roles []string) {
	if len(roles) == 0 {
		return
	}
	admin := pgtest.Connect(t, pgtest.AdminURL(t))
	for _, r := range roles {
		_, err := admin.Exec(context.Background(), "CREATE ROLE "+pgx.Identifier{r}.Sanitize()+" NOLOGIN")
		require.NoError(t, err)
		t.Cleanup(func() {
			conn := pgtest.Connect(t, pgtest.AdminURL(t))
			_, err := conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize())
			require.NoError(t, err)
		})
	}
}
