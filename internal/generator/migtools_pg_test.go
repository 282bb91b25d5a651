package generator_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for sql-migrate
	ternmigrate "github.com/jackc/tern/v2/migrate"
	sqlmigrate "github.com/rubenv/sql-migrate"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// migrationTool applies and reverts every migration of one directory with a
// migration tool's own Go package, as its command line does.
type migrationTool struct {
	name  string
	table string // its bookkeeping table
	// up applies every pending migration, down reverts every applied one;
	// each returns how many it ran.
	up, down func(t *testing.T, ownerURL, dir string) int
}

var migrationTools = map[string]migrationTool{
	"sql-migrate": {name: "sql-migrate", table: "gorp_migrations",
		up: func(t *testing.T, url, dir string) int { return sqlMigrate(t, url, dir, sqlmigrate.Up) },
		down: func(t *testing.T, url, dir string) int {
			return sqlMigrate(t, url, dir, sqlmigrate.Down)
		},
	},
	"tern": {name: "tern", table: "schema_version",
		up: func(t *testing.T, url, dir string) int {
			m := tern(t, url, dir)
			from := ternVersion(t, m)
			require.NoError(t, m.Migrate(context.Background()))
			return int(ternVersion(t, m) - from)
		},
		down: func(t *testing.T, url, dir string) int {
			m := tern(t, url, dir)
			from := ternVersion(t, m)
			require.NoError(t, m.MigrateTo(context.Background(), 0))
			return int(from)
		},
	},
}

func sqlMigrate(t *testing.T, url, dir string, direction sqlmigrate.MigrationDirection) int {
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	n, err := sqlmigrate.Exec(db, "postgres", sqlmigrate.FileMigrationSource{Dir: dir}, direction)
	require.NoError(t, err)
	return n
}

func tern(t *testing.T, url, dir string) *ternmigrate.Migrator {
	conn := pgtest.Connect(t, url)
	m, err := ternmigrate.NewMigrator(context.Background(), conn, "public.schema_version")
	require.NoError(t, err)
	require.NoError(t, m.LoadMigrations(os.DirFS(dir)))
	return m
}

func ternVersion(t *testing.T, m *ternmigrate.Migrator) int32 {
	v, err := m.GetCurrentVersion(context.Background())
	require.NoError(t, err)
	return v
}

// TestMigrationToolsApply runs sql-migrate's and tern's own Go packages over
// a project's migrations directory after tenantc generated into it: the
// user's migrations and tenantc's after them apply in order (every protected
// table then has its row level security), migrate down to nothing (leaving
// the database as it was, but for the tool's bookkeeping table) and up again,
// after which tenantc check --probe as the application role finds nothing
// (the bookkeeping table counts as global).
func TestMigrationToolsApply(t *testing.T) {
	for _, c := range []struct{ golden, tool, migrations string }{
		{"read-sql-migrate", "sql-migrate", "db/migrations"},
		{"read-tern", "tern", "db/migrations"},
	} {
		t.Run(c.tool, func(t *testing.T) {
			t.Parallel()
			tool := migrationTools[c.tool]
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", c.golden, "input"))))
			res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
			require.NoError(t, err)
			require.Equal(t, c.tool, string(res.Config.Migrations.Format))
			require.Equal(t, c.migrations, res.Config.Migrations.Dir, "tenantc writes into the user's directory")
			_, err = output.Write(dir, res.Files, res.Prune...)
			require.NoError(t, err)
			upDownUpCheck(t, tool, c.tool, filepath.Join(dir, c.migrations), res.Config, "")
		})
	}
}

// requireProtected asserts that exactly these tables have row level security
// enabled and forced, with tenantc's policy.
func requireProtected(t *testing.T, conn *pgx.Conn, tables []string) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
SELECT c.relname FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_policy p ON p.polrelid = c.oid AND p.polname = 'tenantc_tenant_isolation'
WHERE c.relnamespace = 'public'::regnamespace AND c.relrowsecurity AND c.relforcerowsecurity
ORDER BY c.relname`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.ElementsMatch(t, tables, got)
}

// withoutTable drops the lines of a catalog snapshot about a tool's
// bookkeeping table, which migrating down keeps.
func withoutTable(snapshot []string, table string) []string {
	return slices.DeleteFunc(snapshot, func(line string) bool { return strings.Contains(line, table) })
}

// upDownUpCheck applies every migration of migDir with tool, reverts them all
// (the database must be as up found it), applies them again, and runs
// tenantc check --probe as the app role: no errors. setup, if any, runs as
// the owner first (citusStubs, for Citus mode's distribution calls).
func upDownUpCheck(t *testing.T, tool migrationTool, name, migDir string, cfg *config.Config, setup string) {
	t.Helper()
	entries, err := os.ReadDir(migDir)
	require.NoError(t, err)
	var migrations int
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			migrations++
		}
	}

	db := pgtest.NewDatabase(t)
	if setup != "" {
		db.Exec(t, db.OwnerURL, setup)
	}
	conn := pgtest.Connect(t, db.OwnerURL)
	before := catalogSnapshot(t, conn)
	protected := []string{"tenants", "projects", "tasks", "task_archive"}

	require.Equal(t, migrations, tool.up(t, db.OwnerURL, migDir), "every migration applies")
	requireProtected(t, conn, protected)
	require.Equal(t, migrations, tool.down(t, db.OwnerURL, migDir), "every migration reverts")
	require.Equal(t, before, withoutTable(catalogSnapshot(t, conn), tool.table), "down leaves the database as up found it")
	require.Equal(t, migrations, tool.up(t, db.OwnerURL, migDir))
	requireProtected(t, conn, protected)

	db.GrantApp(t)
	admin := pgtest.Connect(t, db.AdminURL)
	checked, err := audit.Check(context.Background(), admin, audit.Options{Config: cfg, Role: db.App, Probe: true})
	require.NoError(t, err)
	var errs []string
	for _, d := range checked.Diagnostics {
		if d.Severity == diag.Error {
			errs = append(errs, d.String())
		}
	}
	require.Empty(t, errs, "tenantc check --probe after %s up", name)
}
