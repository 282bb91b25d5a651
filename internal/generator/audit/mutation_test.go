package audit_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/diag"
)

// current is the value tenantc's policies compare the tenant column with.
const current = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"

// protect is what tenantc's migration does for a new scoped table: RLS
// enabled and forced, the tenant policy.
func protect(table string) string {
	return fmt.Sprintf(`
ALTER TABLE %[1]s ENABLE ROW LEVEL SECURITY;
ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON %[1]s AS PERMISSIVE FOR ALL
	USING (tenant_id = %[2]s) WITH CHECK (tenant_id = %[2]s);`, table, current)
}

// tenantPolicy rewrites tenantc's policy on projects with the same
// expression in USING and WITH CHECK.
func tenantPolicy(expr string) string {
	return fmt.Sprintf("ALTER POLICY tenantc_tenant_isolation ON projects USING (%[1]s) WITH CHECK (%[1]s)", expr)
}

// mutation is one misconfiguration of the migrated example app and the one
// code check must report for it, on the objects named.
type mutation struct {
	name    string
	code    string
	admin   bool   // run as the superuser instead of the owner
	sql     string // {app} and {owner} name the test's roles
	objects []string
	noFix   bool     // the finding says what to check, not what to run
	also    []string // codes reported besides code, each for its own reason
	// role makes the runner create a NOLOGIN role, {role} in sql, before the
	// mutation and drop it (and what it holds) afterwards.
	role bool
}

var mutations = []mutation{
	// Row level security itself.
	{name: "disable RLS", code: "rls-disabled", sql: "ALTER TABLE projects DISABLE ROW LEVEL SECURITY", objects: []string{"public.projects"}},
	{name: "no force", code: "rls-not-forced", sql: "ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY", objects: []string{"public.tasks"}},
	{name: "drop the tenant policy", code: "tenant-policy-missing", sql: "DROP POLICY tenantc_tenant_isolation ON documents", objects: []string{"public.documents"}},
	{name: "RLS on a global table without policy", code: "rls-without-policy", sql: "ALTER TABLE plans ENABLE ROW LEVEL SECURITY", objects: []string{"public.plans"}},
	{name: "partition attached by hand", code: "tenant-column-without-rls",
		sql:     "CREATE TABLE activity_events_2027 PARTITION OF activity_events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
		objects: []string{"public.activity_events_2027"}},
	{name: "table with tenant_id and no RLS", code: "tenant-column-without-rls", sql: `CREATE TABLE notes (
		tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL DEFAULT gen_random_uuid(), body text NOT NULL,
		PRIMARY KEY (tenant_id, id))`, objects: []string{"public.notes"}},

	// The policy's expression.
	{name: "OR bypass", code: "policy-or-bypass",
		sql:     tenantPolicy("tenant_id = " + current + " OR current_setting('app.bypass_rls', true) = 'on'"),
		objects: []string{"policy tenantc_tenant_isolation on public.projects"}, also: []string{"policy-other-setting"}},
	{name: "always-true policy", code: "policy-always-true", sql: "CREATE POLICY everyone ON projects FOR SELECT USING (true)",
		objects: []string{"policy everyone on public.projects"}},
	{name: "OR true", code: "policy-always-true", sql: "CREATE POLICY maybe ON comments FOR SELECT USING (author_id IS NULL OR 1 = 1)",
		objects: []string{"policy maybe on public.comments"}},
	{name: "second permissive policy", code: "foreign-policy", sql: "CREATE POLICY extra ON projects FOR SELECT USING (tenant_id = " + current + ")",
		objects: []string{"policy extra on public.projects"}},
	{name: "restrictive foreign policy", code: "foreign-policy", sql: "CREATE POLICY only_archived ON projects AS RESTRICTIVE FOR DELETE USING (archived_at IS NOT NULL)",
		objects: []string{"policy only_archived on public.projects"}, noFix: true},
	{name: "cast on the tenant column", code: "policy-column-cast", sql: tenantPolicy("tenant_id::text = (SELECT current_setting('app.tenant_id', true))")},
	{name: "current_setting without missing_ok", code: "policy-setting-not-missing-ok", sql: tenantPolicy("tenant_id = (SELECT NULLIF(current_setting('app.tenant_id'), '')::uuid)")},
	// A warning alone does not fail the run: that tenantc's policy was edited does.
	{name: "no initplan", code: "policy-not-initplan", sql: tenantPolicy("tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"), also: []string{"tenant-policy-modified"}},
	{name: "no NULLIF", code: "policy-empty-setting", sql: tenantPolicy("tenant_id = (SELECT current_setting('app.tenant_id', true)::uuid)"), also: []string{"tenant-policy-modified"}},
	{name: "WITH CHECK without the tenant", code: "policy-missing-with-check", sql: "ALTER POLICY tenantc_tenant_isolation ON projects WITH CHECK (name <> '')"},

	// The tenant column and keys.
	{name: "nullable tenant column", code: "nullable-tenant-column", sql: `CREATE TABLE notes (
		tenant_id uuid REFERENCES tenants (id), id uuid NOT NULL DEFAULT gen_random_uuid(), UNIQUE (tenant_id, id));` + protect("notes"),
		objects: []string{"column public.notes.tenant_id"}},
	{name: "drop the tenant foreign key", code: "tenant-column-without-fk", sql: "ALTER TABLE projects DROP CONSTRAINT projects_tenant_id_fkey",
		objects: []string{"column public.projects.tenant_id"}},
	{name: "no index led by the tenant", code: "tenant-index-missing", sql: `CREATE TABLE notes (
		tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL DEFAULT gen_random_uuid(), PRIMARY KEY (id, tenant_id));` + protect("notes"),
		objects: []string{"public.notes"}},
	{name: "plain primary key on id", code: "key-without-tenant", sql: "ALTER TABLE comments DROP CONSTRAINT comments_pkey, ADD PRIMARY KEY (id)",
		objects: []string{"constraint comments_pkey on public.comments"}},
	{name: "unique without the tenant", code: "key-without-tenant", sql: "ALTER TABLE projects ADD CONSTRAINT projects_name_everywhere UNIQUE (name)",
		objects: []string{"constraint projects_name_everywhere on public.projects"}},
	{name: "unique index without the tenant", code: "key-without-tenant", sql: "CREATE UNIQUE INDEX attachments_storage_key_idx ON attachments (storage_key)",
		objects: []string{"index attachments_storage_key_idx on public.attachments"}},
	{name: "foreign key between scoped tables without tenant_id", code: "cross-tenant-fk",
		sql:     "ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_project_fkey FOREIGN KEY (assignee_id, project_id) REFERENCES projects (tenant_id, id)",
		objects: []string{"constraint tasks_assignee_project_fkey on public.tasks"}},

	// Classification.
	{name: "table reachable only through a foreign key", code: "indirectly-owned", sql: `CREATE TABLE task_labels (
		task_tenant uuid NOT NULL, task_id uuid NOT NULL, label text NOT NULL,
		FOREIGN KEY (task_tenant, task_id) REFERENCES tasks (tenant_id, id))`, objects: []string{"public.task_labels"}},
	{name: "unclassified table", code: "unclassified-table", sql: "CREATE TABLE feature_flags (name text PRIMARY KEY, enabled boolean NOT NULL)",
		objects: []string{"public.feature_flags"}},
	{name: "tenant column on a global table", code: "global-with-tenant-column", sql: "ALTER TABLE plans ADD COLUMN tenant_id uuid",
		objects: []string{"column public.plans.tenant_id"}},
	{name: "tenant table renamed", code: "tenant-root", sql: "ALTER TABLE tenants RENAME TO customers", objects: []string{"public.tenants"}},
	{name: "global table dropped", code: "global-table-unknown", sql: "DROP TABLE users", objects: []string{""}},

	// What runs with its owner's rights.
	{name: "view without security_invoker", code: "view-without-security-invoker", sql: "CREATE VIEW project_names AS SELECT tenant_id, name FROM projects",
		objects: []string{"view public.project_names"}},
	{name: "security_invoker turned off", code: "view-without-security-invoker", sql: "ALTER VIEW project_task_counts SET (security_invoker = false)",
		objects: []string{"view public.project_task_counts"}},
	{name: "SECURITY DEFINER without search_path", code: "security-definer-search-path", sql: `
		CREATE FUNCTION count_projects() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS 'SELECT count(*) FROM projects';
		REVOKE EXECUTE ON FUNCTION count_projects() FROM PUBLIC`, objects: []string{"function public.count_projects()"}},
	{name: "SECURITY DEFINER executable by PUBLIC", code: "security-definer-executable", sql: `
		CREATE FUNCTION count_projects() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
		AS 'SELECT count(*) FROM public.projects'`, objects: []string{"function public.count_projects()"}},
	{name: "SECURITY DEFINER executable by the app", code: "security-definer-executable", sql: `
		CREATE FUNCTION project_name(id uuid) RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
		AS 'SELECT name FROM public.projects WHERE id = $1';
		REVOKE EXECUTE ON FUNCTION project_name(uuid) FROM PUBLIC;
		GRANT EXECUTE ON FUNCTION project_name(uuid) TO {app}`, objects: []string{"function public.project_name(id uuid)"}},
	{name: "materialized view over projects", code: "materialized-view-tenant-data", sql: `
		CREATE MATERIALIZED VIEW project_names AS SELECT tenant_id, name FROM projects;
		GRANT SELECT ON project_names TO {app}`, objects: []string{"materialized view public.project_names"}},
	{name: "foreign table with tenant data", code: "foreign-table-tenant-data", admin: true, sql: `
		CREATE FOREIGN DATA WRAPPER mutation_fdw;
		CREATE SERVER archive FOREIGN DATA WRAPPER mutation_fdw;
		CREATE FOREIGN TABLE archived_projects (tenant_id uuid, id uuid, name text) SERVER archive;
		GRANT SELECT ON archived_projects TO {app}`, objects: []string{"foreign table public.archived_projects"}},

	// The application role.
	{name: "app role superuser", code: "app-role-superuser", admin: true, sql: "ALTER ROLE {app} SUPERUSER"},
	{name: "app role BYPASSRLS", code: "app-role-bypassrls", admin: true, sql: "ALTER ROLE {app} BYPASSRLS"},
	{name: "app role owns a table", code: "app-role-owns-table", admin: true, sql: "ALTER TABLE projects OWNER TO {app}", objects: []string{"public.projects"}},
	{name: "GRANT TRUNCATE", code: "app-role-excess-grants", sql: "GRANT TRUNCATE ON projects TO {app}", objects: []string{"public.projects"}},
	{name: "GRANT ALL", code: "app-role-excess-grants", sql: "GRANT ALL ON tasks TO {app}", objects: []string{"public.tasks"}},
	{name: "GRANT REFERENCES to PUBLIC", code: "app-role-excess-grants", sql: "GRANT REFERENCES ON comments TO PUBLIC", objects: []string{"public.comments"}},
	{name: "CREATE on schema public", code: "app-role-excess-grants", admin: true, sql: "GRANT CREATE ON SCHEMA public TO {app}", objects: []string{"schema public"}},
}

// TestMutations: each misconfiguration alone, on a fresh copy of the migrated
// example app, makes check report exactly its code; TestCleanDatabase shows
// the unmutated app reports nothing.
func TestMutations(t *testing.T) {
	kinds := map[string]bool{}
	for _, m := range mutations {
		kinds[m.code] = true
	}
	require.GreaterOrEqual(t, len(mutations), 25)
	t.Logf("%d mutations, %d codes", len(mutations), len(kinds))
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			fx := checktest.Migrated(t, repoRoot)
			extra := fx.DB.Name + "_extra"
			if m.role {
				fx.DB.Exec(t, fx.DB.AdminURL, "CREATE ROLE "+extra+" NOLOGIN")
				t.Cleanup(func() { fx.DB.Exec(t, fx.DB.AdminURL, "DROP OWNED BY "+extra+"; DROP ROLE "+extra) })
			}
			sql := strings.NewReplacer("{app}", fx.DB.App, "{owner}", fx.DB.Owner, "{role}", extra, "{db}", fx.DB.Name).Replace(m.sql)
			url := fx.DB.OwnerURL
			if m.admin {
				url = fx.DB.AdminURL
			}
			fx.DB.Exec(t, url, sql)
			if m.admin && strings.Contains(m.sql, "FOREIGN DATA WRAPPER") {
				t.Cleanup(func() { fx.DB.Exec(t, fx.DB.AdminURL, "DROP FOREIGN DATA WRAPPER mutation_fdw CASCADE") })
			}
			if strings.Contains(m.sql, "{app} SUPERUSER") || strings.Contains(m.sql, "{app} BYPASSRLS") {
				t.Cleanup(func() { fx.DB.Exec(t, fx.DB.AdminURL, "ALTER ROLE "+fx.DB.App+" NOSUPERUSER NOBYPASSRLS") })
			}
			res := check(t, fx, false)
			want := append([]string{m.code}, m.also...)
			slices.Sort(want)
			require.Equal(t, want, codes(res.Diagnostics), "%v", res.Diagnostics)
			var objects []string
			for _, d := range res.Diagnostics {
				// A live finding names an object, not a file; what
				// tenantc.yaml names and the database lacks is located there.
				switch d.Rule {
				case "tenant-root", "global-table-unknown":
					assert.Equal(t, "tenantc.yaml", d.Pos.File)
				default:
					assert.False(t, d.Pos.IsValid(), "%v", d)
					assert.NotEmpty(t, d.Object, "%v", d)
				}
				assert.NotEmpty(t, d.Message)
				if !slices.Contains(objects, d.Object) {
					objects = append(objects, d.Object)
				}
			}
			if m.objects != nil {
				assert.ElementsMatch(t, m.objects, objects)
			}
			if !m.noFix {
				assert.True(t, slices.ContainsFunc(res.Diagnostics, func(d diag.Diagnostic) bool { return d.Fix != "" }), "a fix for %s", m.code)
			}
		})
	}
}
