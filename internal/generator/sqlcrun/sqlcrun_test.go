package sqlcrun

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	Child() // this test binary is the sqlc child of the runs below
	os.Exit(m.Run())
}

// TestGenerateNeedsChild: a binary that never called Child would start a copy
// of itself that runs its own main (or every test) instead of sqlc; Generate
// refuses instead.
func TestGenerateNeedsChild(t *testing.T) {
	childReady.Store(false)
	defer childReady.Store(true)
	_, err := Generate(context.Background(), t.TempDir(), "sqlc.yaml")
	require.ErrorContains(t, err, "must call sqlcrun.Child first")
}

func readAll(t *testing.T, glob string) []File {
	paths, err := filepath.Glob(glob)
	require.NoError(t, err)
	var files []File
	for _, p := range paths {
		if strings.HasSuffix(p, ".down.sql") {
			continue
		}
		content, err := os.ReadFile(p)
		require.NoError(t, err)
		files = append(files, File{Path: filepath.ToSlash(p), SQL: string(content)})
	}
	return files
}

func TestRunExample(t *testing.T) {
	cfg, err := os.ReadFile("../../../sqlc.yaml")
	require.NoError(t, err)
	in := Input{
		Config: cfg, ConfigName: "sqlc.yaml",
		Schema:  append(readAll(t, "../../../schema/*.sql"), readAll(t, "../../../gen/migrations/*.sql")...),
		Queries: readAll(t, "../../../queries/*.sql"),
	}
	res, diags, err := Run(context.Background(), in)
	require.NoError(t, err)
	require.Empty(t, diags)
	require.Equal(t, "gen/db", res.Out)
	var names []string
	for _, f := range res.Files {
		names = append(names, f.Path)
	}
	require.Contains(t, names, "gen/db/tasks.sql.go")
	require.Contains(t, names, "gen/db/models.go")
}

func TestRunMapsErrors(t *testing.T) {
	in := Input{
		Schema:  []File{{Path: "schema/a.sql", SQL: "CREATE TABLE t (id int);\n"}},
		Queries: []File{{Path: "queries/q.sql", SQL: "-- name: Q :one\nSELECT nope\nFROM t;\n"}},
	}
	_, diags, err := Run(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, diags, 1, "%v", diags)
	require.Equal(t, "queries/q.sql", diags[0].Pos.File)
	require.Contains(t, diags[0].Message, `column "nope" does not exist`)
}

// TestOutputNames: the names sqlc writes follow its output_* options, so
// tenantc prunes sqlc's files under those names and no others.
func TestOutputNames(t *testing.T) {
	q := []File{{Path: "queries/users.sql"}, {Path: "gen/queries/tenantc_notes.sql"}}
	require.Equal(t, []string{"batch.go", "copyfrom.go", "db.go", "models.go", "querier.go", "tenantc_notes.sql.go", "users.sql.go"},
		outputNames(map[string]any{}, q))
	require.Equal(t, []string{"batch.go", "copyfrom.go", "db.go", "models_gen.go", "querier.go", "tenantc_notes.sql_gen.go", "users.sql_gen.go"},
		outputNames(map[string]any{"output_models_file_name": "models_gen", "output_files_suffix": "_gen"}, q))
}
