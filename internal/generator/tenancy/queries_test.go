package tenancy_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

const querySchema = `
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id        uuid NOT NULL,
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tasks (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    project_id uuid NOT NULL,
    title      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)
);
CREATE TABLE audit_log (id bigint PRIMARY KEY, message text);
CREATE VIEW project_names WITH (security_invoker = true) AS SELECT id, name FROM projects;
CREATE VIEW plan_names AS SELECT name FROM plans;
`

// queryModel builds the tenancy model of querySchema.
func queryModel(t *testing.T) *tenancy.Model {
	t.Helper()
	cat, diags := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, querySchema)})
	require.Empty(t, diags)
	m, _ := tenancy.Analyze(cat, tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Global: []string{"plans"}})
	require.NotNil(t, m.Table(catalog.Name{Schema: "public", Name: "projects"}))
	return m
}

// readQuery reads one query, annotated as Q unless sql carries an annotation.
func readQuery(t *testing.T, sql string) *catalog.Query {
	t.Helper()
	if !strings.Contains(sql, "-- name:") {
		sql = "-- name: Q :exec\n" + sql
	}
	qs, diags := parse.Queries([]*source.File{source.NewFile("q.sql", source.Plain, sql)})
	require.Empty(t, diags)
	require.Len(t, qs, 1)
	return qs[0]
}

func TestCheckQueries(t *testing.T) {
	m := queryModel(t)
	cases := []struct {
		name, sql string
		want      []string // rule names, in diagnostic order
	}{
		// query-tenant-setting and query-set-config
		{"set_config of the tenant setting", "SELECT set_config('app.tenant_id', $1, true)", []string{"query-set-config", "query-tenant-setting"}},
		{"set_config of another setting", "SELECT set_config('statement_timeout', '5s', true)", []string{"query-set-config"}},
		{"set_config of a computed setting", "SELECT set_config($1, $2, true)", []string{"query-set-config"}},
		{"current_setting of the tenant setting", "SELECT * FROM tasks WHERE tenant_id = current_setting('APP.Tenant_ID', true)::uuid", []string{"query-tenant-setting"}},
		{"current_setting of another setting", "SELECT current_setting('app.user_id', true)", nil},
		{"show the tenant setting", "SHOW app.tenant_id", []string{"query-tenant-setting"}},
		{"show another setting", "SHOW search_path", nil},
		{"update pg_settings", "UPDATE pg_settings SET setting = $1 WHERE name = 'app.tenant_id'", []string{"query-set-config"}},
		// query-role-change
		{"set role", "SET ROLE admin", []string{"query-role-change"}},
		{"reset role", "RESET ROLE", []string{"query-role-change"}},
		{"reset all", "RESET ALL", []string{"query-role-change"}},
		{"session authorization", "SET SESSION AUTHORIZATION admin", []string{"query-role-change"}},
		{"set a variable", "SET statement_timeout = '5s'", []string{"query-role-change"}},
		{"set the tenant", "SET LOCAL app.tenant_id = '00000000-0000-0000-0000-000000000001'", []string{"query-role-change", "query-tenant-setting"}},
		{"discard", "DISCARD ALL", []string{"query-role-change"}},
		// query-ddl
		{"create table", "CREATE TABLE notes (id int)", []string{"query-ddl"}},
		{"alter table", "ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY", []string{"query-ddl"}},
		{"drop", "DROP TABLE tasks", []string{"query-ddl"}},
		{"truncate", "TRUNCATE tasks", []string{"query-ddl"}},
		{"grant", "GRANT ALL ON tasks TO PUBLIC", []string{"query-ddl"}},
		{"revoke", "REVOKE ALL ON tasks FROM PUBLIC", []string{"query-ddl"}},
		// query-pattern-filter
		{"like on a scoped table", "SELECT * FROM tasks WHERE title LIKE $1", []string{"query-pattern-filter"}},
		{"ilike through an alias", "SELECT * FROM projects p WHERE p.name ILIKE '%' || @q || '%'", []string{"query-pattern-filter"}},
		{"regex in a join", "SELECT * FROM projects p JOIN tasks t ON t.project_id = p.id AND t.title ~* $1", []string{"query-pattern-filter"}},
		{"lower() on a scoped column", "SELECT * FROM tasks WHERE lower(title) = lower($1)", []string{"query-pattern-filter"}},
		{"unqualified column of one joined table", "SELECT * FROM plans JOIN tasks ON true WHERE title NOT LIKE $1", []string{"query-pattern-filter"}},
		{"equality on a scoped column", "SELECT * FROM tasks WHERE title = $1", nil},
		{"like on a global table", "SELECT * FROM plans WHERE name LIKE $1", nil},
		{"like on an unclassified table", "SELECT * FROM audit_log WHERE message ~ $1", nil},
		{"like on the tenant root", "SELECT * FROM tenants WHERE name ILIKE $1", nil},
		{"unqualified column of the global table in a join", "SELECT * FROM plans JOIN tasks ON true WHERE name LIKE $1", nil},
		{"like on a CTE", "WITH x AS (SELECT title FROM tasks) SELECT * FROM x WHERE title LIKE $1", nil},
		{"a plain query", "SELECT id, title FROM tasks WHERE project_id = $1 ORDER BY title", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			diags := tenancy.CheckQueries(m, []*catalog.Query{readQuery(t, c.sql)})
			var got []string
			for _, d := range diags {
				got = append(got, d.Rule)
				r, ok := rule.Find(d.Rule)
				require.True(t, ok)
				assert.Equal(t, r.Severity, d.Severity)
				assert.NotEmpty(t, d.Fix, "every diagnostic says how to fix it")
				assert.Equal(t, 2, d.Pos.Line, "located in the statement")
				assert.Contains(t, d.Message, "query Q ")
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestCheckQueriesMessages(t *testing.T) {
	m := queryModel(t)
	sql := `-- name: SetTenant :exec
SELECT set_config('app.tenant_id', $1, true);

-- name: FindTasks :many
SELECT * FROM tasks t
WHERE t.title ILIKE $1 OR upper(t.title) = $2;

-- name: Widen :exec
SET ROLE admin;
`
	qs, diags := parse.Queries([]*source.File{source.NewFile("q.sql", source.Plain, sql)})
	require.Empty(t, diags)
	got := tenancy.CheckQueries(m, qs)
	require.Len(t, got, 5)

	// Sorted by place, then rule.
	assert.Equal(t, "q.sql:2:8", got[0].Pos.String())
	assert.Equal(t, "query-set-config", got[0].Rule)
	assert.Equal(t, "q.sql:2:8", got[1].Pos.String())
	assert.Equal(t, "query-tenant-setting", got[1].Rule)
	assert.Contains(t, got[1].Message, "the runtime sets the tenant; a query that does it itself can switch tenants")

	ilike := got[2]
	assert.Equal(t, "q.sql:6:15", ilike.Pos.String())
	assert.Equal(t, diag.Warning, ilike.Severity)
	assert.Contains(t, ilike.Message, "tasks.title with ILIKE, which is not LEAKPROOF")
	assert.Contains(t, ilike.Fix, `CREATE INDEX ON public.tasks (tenant_id, title COLLATE "C");`)
	assert.Contains(t, ilike.Fix, `title COLLATE "C" >= $1 AND title COLLATE "C" < $2`)
	assert.Contains(t, ilike.Fix, "ALTER TABLE public.tasks ADD COLUMN title_lower text GENERATED ALWAYS AS (lower(title)) STORED;")

	upper := got[3]
	assert.Equal(t, "q.sql:6:27", upper.Pos.String())
	assert.Contains(t, upper.Message, "tasks.title with upper()")
	assert.Contains(t, upper.Fix, "ALTER TABLE public.tasks ADD COLUMN title_upper text GENERATED ALWAYS AS (upper(title)) STORED;\nCREATE INDEX ON public.tasks (tenant_id, title_upper);\nthen filter with title_upper = upper($1)")

	assert.Equal(t, "q.sql:9:1", got[4].Pos.String())
	assert.Equal(t, "query-role-change", got[4].Rule)
	assert.Contains(t, got[4].Message, "query Widen runs SET ROLE")

	assert.Nil(t, tenancy.CheckQueries(nil, qs), "no model, nothing to check against")
}

func TestQueryTable(t *testing.T) {
	m := queryModel(t)
	cases := []struct {
		name, sql string
		table     string // "" for nil
		scoped    bool
	}{
		{"scoped", "SELECT * FROM tasks", "tasks", true},
		{"first scoped, not first", "SELECT * FROM plans, audit_log, tasks JOIN projects ON true", "tasks", true},
		{"written", "INSERT INTO projects (tenant_id, id, name) SELECT $1, $2, name FROM plans", "projects", true},
		{"the root", "SELECT name FROM tenants", "tenants", true},
		{"global", "SELECT * FROM plans", "plans", false},
		{"unclassified", "SELECT * FROM audit_log JOIN plans ON true", "audit_log", false},
		{"view over a scoped table", "SELECT * FROM project_names", "projects", true},
		{"view over a global table", "SELECT * FROM plan_names JOIN plans ON true", "plans", false},
		{"in a CTE", "WITH x AS (SELECT * FROM tasks) SELECT * FROM x", "tasks", true},
		{"no table", "SELECT 1", "", false},
		{"unknown table", "SELECT * FROM elsewhere", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, scoped := tenancy.QueryTable(m, readQuery(t, c.sql))
			if c.table == "" {
				assert.Nil(t, got)
			} else {
				require.NotNil(t, got)
				assert.Equal(t, catalog.Name{Schema: "public", Name: c.table}, got.Name)
			}
			assert.Equal(t, c.scoped, scoped)
		})
	}
	got, scoped := tenancy.QueryTable(nil, readQuery(t, "SELECT * FROM tasks"))
	assert.Nil(t, got)
	assert.False(t, scoped)
}
