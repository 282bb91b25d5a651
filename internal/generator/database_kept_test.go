package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestDatabaseAnalyzerKept: a wrapped block's database: stays sqlc's to use.
// With a live database (uri from the environment, as ${…}), sqlc's analyzer
// types an expression column from PostgreSQL — an interval stays an interval
// — where, without it, sqlc guesses from the SQL alone; tenantc's output
// follows the configured analysis, not a guess.
func TestDatabaseAnalyzerKept(t *testing.T) {
	db := pgtest.NewDatabase(t)
	schema := `CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE notes (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
);
`
	db.Exec(t, db.OwnerURL, schema)
	t.Setenv("TENANTC_TEST_ANALYZER_URI", db.OwnerURL)

	project := func(database string) string {
		dir := t.TempDir()
		for name, content := range map[string]string{
			"schema/schema.sql": schema,
			"queries/notes.sql": "-- name: NoteAges :many\nSELECT id, now() - created_at AS age FROM notes;\n",
			"sqlc.yaml": `version: "2"
sql:
  - engine: postgresql
    schema: schema
    queries: queries
` + database + `    gen: {go: {package: db, out: gen/db, sql_package: pgx/v5}}
`,
		} {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
		}
		return dir
	}
	ageType := func(dir string) string {
		res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
		require.NoError(t, err)
		for _, f := range res.Files {
			if f.Path != "gen/db/notes.sql.go" {
				continue
			}
			for _, line := range strings.Split(string(f.Content), "\n") {
				if fields := strings.Fields(line); len(fields) >= 2 && fields[0] == "Age" {
					return fields[1]
				}
			}
		}
		t.Fatal("no Age field in gen/db/notes.sql.go")
		return ""
	}
	withDB := ageType(project("    database: {uri: \"${TENANTC_TEST_ANALYZER_URI}\"}\n"))
	withoutDB := ageType(project(""))
	t.Logf("age with the database: %s; without: %s", withDB, withoutDB)
	require.Equal(t, "pgtype.Interval", withDB, "the analyzer's type")
	require.NotEqual(t, withDB, withoutDB, "without the database sqlc guesses otherwise")
}
