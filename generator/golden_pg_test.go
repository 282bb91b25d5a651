package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
