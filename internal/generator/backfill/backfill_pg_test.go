package backfill_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // golang-migrate's pgx5:// driver
	_ "github.com/golang-migrate/migrate/v4/source/file"     // and its file:// source
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for sql-migrate
	ternmigrate "github.com/jackc/tern/v2/migrate"
	sqlmigrate "github.com/rubenv/sql-migrate"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// appTables are the test application's tables, the tenant root among them.
var appTables = []string{"tenants", "projects", "tasks", "task_comments", "labels", "task_labels"}

// schema is an application with two tenants' worth of projects (scoped
// already) and, without the tenant column, what hangs off them: tasks
// (children, self-referencing), task_comments (grandchildren), labels and the
// join table task_labels. seed fills it: 1000 tasks, so that batches of 7
// make many commits.
const schema = `
CREATE TABLE tenants (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    id bigint PRIMARY KEY,
    name text NOT NULL
);
CREATE INDEX ON projects (tenant_id);
CREATE TABLE tasks (
    id bigint PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    parent_id bigint REFERENCES tasks (id) ON DELETE SET NULL,
    title text NOT NULL
);
CREATE TABLE task_comments (
    id bigint PRIMARY KEY,
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE ON UPDATE CASCADE,
    body text NOT NULL
);
CREATE TABLE labels (
    id bigint PRIMARY KEY,
    project_id bigint NOT NULL REFERENCES projects (id),
    name text NOT NULL,
    UNIQUE (project_id, name)
);
CREATE TABLE task_labels (
    task_id bigint NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id bigint NOT NULL REFERENCES labels (id) ON DELETE RESTRICT,
    PRIMARY KEY (task_id, label_id)
);
`

const seed = `
INSERT INTO tenants VALUES (1, 'acme'), (2, 'globex');
INSERT INTO projects SELECT 1 + p % 2, p, 'project ' || p FROM generate_series(1, 10) p;
-- Task t is in project 1 + t % 10; its parent, when it has one, is in the same project.
INSERT INTO tasks SELECT t, 1 + t % 10, CASE WHEN t > 10 THEN t - 10 END, 'task ' || t FROM generate_series(1, 1000) t;
INSERT INTO task_comments SELECT c, 1 + c % 1000, 'comment ' || c FROM generate_series(1, 2000) c;
INSERT INTO labels SELECT l, 1 + l % 10, 'label ' || l FROM generate_series(1, 30) l;
-- Label l is in project 1 + l % 10 too, so task t takes labels l ≡ t (mod 10).
INSERT INTO task_labels SELECT t, l FROM generate_series(1, 1000) t, generate_series(1, 30) l WHERE t % 10 = l % 10 AND l <= 20;
`

// writeProject writes a tenantc project: the schema as the user has it, the
// scoped: declarations, and an empty migrations directory of format.
func writeProject(t *testing.T, format, backfill string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "schema"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "schema.sql"), []byte(schema), 0o644))
	yaml := fmt.Sprintf(`version: 1
migrations: {dir: migrations, format: %s}
scoped:
  - projects
  - tasks
  - task_comments
  - labels
  - task_labels
%s`, format, backfill)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), []byte(yaml), 0o644))
	return dir
}

// generate runs the generator in dir and writes what it renders.
func generate(t *testing.T, dir string) *generator.Result {
	t.Helper()
	res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	require.NoError(t, err, "%v", res)
	_, err = output.Write(dir, res.Files, res.Prune...)
	require.NoError(t, err)
	return res
}

// tool applies every pending migration of a directory (up) or reverts every
// applied one (down) with a migration tool's own Go package.
type tool struct {
	up, down func(t *testing.T, ownerURL, dir string)
	table    string // its bookkeeping table
}

var tools = map[string]tool{
	"golang-migrate": {table: "schema_migrations",
		up: func(t *testing.T, url, dir string) {
			require.NoError(t, golangMigrate(t, url, dir).Up())
		},
		down: func(t *testing.T, url, dir string) {
			require.NoError(t, golangMigrate(t, url, dir).Down())
		},
	},
	"tern": {table: "schema_version",
		up: func(t *testing.T, url, dir string) {
			require.NoError(t, tern(t, url, dir).Migrate(context.Background()))
		},
		down: func(t *testing.T, url, dir string) {
			require.NoError(t, tern(t, url, dir).MigrateTo(context.Background(), 0))
		},
	},
	"sql-migrate": {table: "gorp_migrations",
		up:   func(t *testing.T, url, dir string) { sqlMigrate(t, url, dir, sqlmigrate.Up) },
		down: func(t *testing.T, url, dir string) { sqlMigrate(t, url, dir, sqlmigrate.Down) },
	},
}

func golangMigrate(t *testing.T, url, dir string) *migrate.Migrate {
	m, err := migrate.New("file://"+dir, "pgx5://"+strings.TrimPrefix(url, "postgres://"))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func tern(t *testing.T, url, dir string) *ternmigrate.Migrator {
	conn := pgtest.Connect(t, url)
	m, err := ternmigrate.NewMigrator(context.Background(), conn, "public.schema_version")
	require.NoError(t, err)
	require.NoError(t, m.LoadMigrations(os.DirFS(dir)))
	return m
}

func sqlMigrate(t *testing.T, url, dir string, direction sqlmigrate.MigrationDirection) {
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	_, err = sqlmigrate.Exec(db, "postgres", sqlmigrate.FileMigrationSource{Dir: dir}, direction)
	require.NoError(t, err)
}

// TestBackfillPopulated generates the backfill of a populated database, with
// batches of 7 rows, and applies it with each migration tool's own package:
// every row then has its FK parent's tenant (computed by the test, before
// the migrations, by joining up to projects), the fill committed batch by
// batch (the updated rows carry one transaction id per batch), and migrating
// all the way down restores the shape (columns, constraints with their
// actions, indexes) and the data exactly; up again gives the same tenants.
func TestBackfillPopulated(t *testing.T) {
	for _, format := range []string{"golang-migrate", "tern", "sql-migrate"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			tl := tools[format]
			dir := writeProject(t, format, "backfill: {default_tenant: 1, batch_size: 7}\n")
			generate(t, dir)
			again, err := generator.Run(t.Context(), generator.Options{Dir: dir})
			require.NoError(t, err)
			changes, err := output.Diff(dir, again.Files, again.Prune...)
			require.NoError(t, err)
			require.Empty(t, changes, "a second run writes nothing")

			db := pgtest.NewDatabase(t)
			db.Exec(t, db.OwnerURL, schema+seed)
			admin := pgtest.Connect(t, db.AdminURL) // a superuser: RLS hides nothing from it
			want := expectedTenants(t, admin)
			shape, data := pgtest.Shape(t, admin), pgtest.Digests(t, admin, appTables...)

			migDir := filepath.Join(dir, "migrations")
			tl.up(t, db.OwnerURL, migDir)
			requireTenants(t, admin, want)
			var batches int
			require.NoError(t, admin.QueryRow(t.Context(), "SELECT count(DISTINCT xmin::text) FROM tasks").Scan(&batches))
			require.Equal(t, (1000+6)/7, batches, "1000 tasks filled in batches of 7, each its own transaction")

			requireCrossTenantRefused(t, admin)

			tl.down(t, db.OwnerURL, migDir)
			require.Equal(t, shape, pgtest.Shape(t, admin, tl.table), "down restores the shape")
			require.Equal(t, data, pgtest.Digests(t, admin, appTables...), "down keeps the data")

			tl.up(t, db.OwnerURL, migDir)
			requireTenants(t, admin, want)
		})
	}
}

// TestBackfillRowWithoutTenant: with no default tenant, rows whose via
// foreign key is NULL make the fill fail, naming the table and the count,
// before it writes anything.
func TestBackfillRowWithoutTenant(t *testing.T) {
	dir := writeProject(t, "golang-migrate", "")
	// labels gets no default: its rows take projects' tenant; make its
	// project_id nullable and leave three rows without one.
	sch := strings.Replace(schema, "project_id bigint NOT NULL REFERENCES projects (id),\n    name", "project_id bigint REFERENCES projects (id),\n    name", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "schema.sql"), []byte(sch), 0o644))
	generate(t, dir)

	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, sch+seed+"DELETE FROM task_labels WHERE label_id <= 3; UPDATE labels SET project_id = NULL WHERE id <= 3;")
	err := golangMigrate(t, db.OwnerURL, filepath.Join(dir, "migrations")).Up()
	require.Error(t, err)
	require.Contains(t, err.Error(), "tenantc backfill: 3 rows of public.labels have no project_id, so no tenant")
	admin := pgtest.Connect(t, db.AdminURL)
	var filled int
	require.NoError(t, admin.QueryRow(t.Context(), "SELECT count(*) FROM tasks WHERE tenant_id IS NOT NULL").Scan(&filled))
	require.Zero(t, filled, "nothing was filled")
}

// TestBackfillDefaultTenantMissing: a default tenant that is not a row of
// the root stops the fill with that message.
func TestBackfillDefaultTenantMissing(t *testing.T) {
	dir := writeProject(t, "tern", "backfill: {default_tenant: 3}\n")
	sch := strings.Replace(schema, "project_id bigint NOT NULL REFERENCES projects (id),\n    name", "project_id bigint REFERENCES projects (id),\n    name", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "schema.sql"), []byte(sch), 0o644))
	generate(t, dir)
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, sch+seed+"DELETE FROM task_labels WHERE label_id = 1; UPDATE labels SET project_id = NULL WHERE id = 1;")
	err := tern(t, db.OwnerURL, filepath.Join(dir, "migrations")).Migrate(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "backfill.default_tenant 3 is not a row of public.tenants")
}

// requireCrossTenantRefused: after the backfill, the composite foreign keys
// refuse a row of one tenant that references another's, even from a
// superuser, whom RLS does not stop (foreign-key checks ignore RLS anyway).
// Project 1 is tenant 2's, project 2 tenant 1's; task 2 is in project 3
// (tenant 2's), label 1 in project 2 (tenant 1's).
func requireCrossTenantRefused(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	for _, sql := range []string{
		"INSERT INTO tasks (tenant_id, id, project_id, title) VALUES (1, 5001, 1, 'into another tenant''s project')",
		"INSERT INTO tasks (tenant_id, id, project_id, parent_id, title) VALUES (1, 5002, 2, 2, 'child of another tenant''s task')",
		"INSERT INTO task_comments (tenant_id, id, task_id, body) VALUES (1, 5003, 2, 'on another tenant''s task')",
		"INSERT INTO task_labels (tenant_id, task_id, label_id) VALUES (2, 2, 1)",
	} {
		_, err := conn.Exec(t.Context(), sql)
		var pe *pgconn.PgError
		require.True(t, errors.As(err, &pe), "%s: want a foreign-key violation, got %v", sql, err)
		require.Equal(t, "23503", pe.Code, sql)
	}
}

// expectedTenants computes each row's tenant from the data before the
// backfill: the project it hangs off, joined by the test itself (a task's
// through its own project and, as a cross-check, through the root of its
// parent chain, which the seed keeps in one project).
func expectedTenants(t *testing.T, conn *pgx.Conn) map[string]int64 {
	t.Helper()
	want := pgtest.KeyedInts(t, conn, `
WITH RECURSIVE chain AS (
    SELECT id, id AS root FROM tasks WHERE parent_id IS NULL
    UNION ALL SELECT t.id, c.root FROM tasks t JOIN chain c ON t.parent_id = c.id
), task_tenant AS (
    SELECT t.id, p.tenant_id FROM tasks t JOIN projects p ON p.id = t.project_id
)
SELECT 'tasks ' || c.id, tt.tenant_id FROM chain c
    JOIN task_tenant tt ON tt.id = c.id JOIN task_tenant rt ON rt.id = c.root AND rt.tenant_id = tt.tenant_id
UNION ALL SELECT 'task_comments ' || c.id, tt.tenant_id FROM task_comments c JOIN task_tenant tt ON tt.id = c.task_id
UNION ALL SELECT 'labels ' || l.id, p.tenant_id FROM labels l JOIN projects p ON p.id = l.project_id
UNION ALL SELECT 'task_labels ' || x.task_id || ' ' || x.label_id, tt.tenant_id FROM task_labels x JOIN task_tenant tt ON tt.id = x.task_id
UNION ALL SELECT 'projects ' || id, tenant_id FROM projects`)
	require.Len(t, want, 10+1000+2000+30+2000, "every row has a tenant by its FK path")
	return want
}

func requireTenants(t *testing.T, conn *pgx.Conn, want map[string]int64) {
	t.Helper()
	require.Equal(t, want, pgtest.KeyedInts(t, conn, `
SELECT 'tasks ' || id, tenant_id FROM tasks
UNION ALL SELECT 'task_comments ' || id, tenant_id FROM task_comments
UNION ALL SELECT 'labels ' || id, tenant_id FROM labels
UNION ALL SELECT 'task_labels ' || task_id || ' ' || label_id, tenant_id FROM task_labels
UNION ALL SELECT 'projects ' || id, tenant_id FROM projects`))
}
