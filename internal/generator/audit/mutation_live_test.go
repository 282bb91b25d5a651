package audit_test

// Mutation cases for issue 8, items 1, 2, 5 and 6: roles that get around row
// level security without BYPASSRLS, privileges reached through SET ROLE
// (NOINHERIT memberships included), rewrite rules, tenant-setting defaults,
// the organization store's tables and the tenant bridge.

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// someTenant is a tenant key no test creates: what a default would pin.
const someTenant = "00000000-0000-4000-8000-000000000001"

func init() {
	mutations = append(mutations,
		// Item 5: around RLS without BYPASSRLS.
		mutation{name: "app role CREATEROLE", code: "app-role-createrole", admin: true, sql: "ALTER ROLE {app} CREATEROLE"},
		mutation{name: "CREATEROLE through a NOINHERIT membership", code: "app-role-createrole", admin: true, role: true,
			sql: "ALTER ROLE {role} CREATEROLE; GRANT {role} TO {app}; ALTER ROLE {app} NOINHERIT"},
		mutation{name: "app role REPLICATION", code: "app-role-replication", admin: true, sql: "ALTER ROLE {app} REPLICATION"},
		mutation{name: "pg_read_server_files granted", code: "app-role-server-files", admin: true, sql: "GRANT pg_read_server_files TO {app}"},
		mutation{name: "pg_write_server_files inherited", code: "app-role-server-files", admin: true, role: true,
			sql: "GRANT pg_write_server_files TO {role}; GRANT {role} TO {app}"},
		mutation{name: "pg_execute_server_program through a NOINHERIT membership", code: "app-role-server-files", admin: true, role: true,
			sql: "GRANT pg_execute_server_program TO {role}; GRANT {role} TO {app}; ALTER ROLE {app} NOINHERIT"},
		mutation{name: "TRUNCATE through a NOINHERIT role", code: "app-role-excess-grants", admin: true, role: true,
			sql:     "GRANT TRUNCATE ON projects TO {role}; GRANT {role} TO {app}; ALTER ROLE {app} NOINHERIT",
			objects: []string{"public.projects"}},
		mutation{name: "SECURITY DEFINER executable through a NOINHERIT role", code: "security-definer-executable", admin: true, role: true, sql: `
			SET ROLE {owner};
			CREATE FUNCTION project_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
			AS 'SELECT count(*) FROM public.projects';
			REVOKE EXECUTE ON FUNCTION project_count() FROM PUBLIC;
			GRANT EXECUTE ON FUNCTION project_count() TO {role};
			RESET ROLE;
			GRANT {role} TO {app}; ALTER ROLE {app} NOINHERIT`, objects: []string{"function public.project_count()"}},
		mutation{name: "materialized view readable through a NOINHERIT role", code: "materialized-view-tenant-data", admin: true, role: true, sql: `
			SET ROLE {owner};
			CREATE MATERIALIZED VIEW project_names AS SELECT tenant_id, name FROM projects;
			GRANT SELECT ON project_names TO {role};
			RESET ROLE;
			GRANT {role} TO {app}; ALTER ROLE {app} NOINHERIT`, objects: []string{"materialized view public.project_names"}},
		mutation{name: "foreign table readable through a NOINHERIT role", code: "foreign-table-tenant-data", admin: true, role: true, sql: `
			CREATE FOREIGN DATA WRAPPER mutation_fdw;
			CREATE SERVER archive FOREIGN DATA WRAPPER mutation_fdw;
			CREATE FOREIGN TABLE archived_projects (tenant_id uuid, id uuid, name text) SERVER archive;
			GRANT SELECT ON archived_projects TO {role};
			GRANT {role} TO {app}; ALTER ROLE {app} NOINHERIT`, objects: []string{"foreign table public.archived_projects"}},

		// Item 6: rules and defaults.
		mutation{name: "rule on a protected table", code: "protected-table-rule",
			sql:     "CREATE RULE projects_notify AS ON UPDATE TO projects DO ALSO NOTIFY projects_changed",
			objects: []string{"rule projects_notify on public.projects"}},
		mutation{name: "rule on a global table writing a protected one", code: "protected-table-rule",
			sql:     "CREATE RULE plans_touch AS ON UPDATE TO plans DO ALSO UPDATE projects SET name = name",
			objects: []string{"rule plans_touch on public.plans"}},
		mutation{name: "tenant default on the app role", code: "tenant-setting-default", admin: true,
			sql: "ALTER ROLE {app} SET app.tenant_id = '" + someTenant + "'"},
		mutation{name: "tenant default on the app role in this database", code: "tenant-setting-default", admin: true,
			sql: "ALTER ROLE {app} IN DATABASE {db} SET app.tenant_id = '" + someTenant + "'"},
		mutation{name: "tenant default on the database", code: "tenant-setting-default", admin: true,
			sql: "ALTER DATABASE {db} SET app.tenant_id = '" + someTenant + "'"},
		mutation{name: "tenant default for every role in the database", code: "tenant-setting-default", admin: true,
			sql: "ALTER ROLE ALL IN DATABASE {db} SET app.tenant_id = '" + someTenant + "'"},

		// Items 1 and 2: the store's tables and the tenant bridge.
		mutation{name: "store table without RLS", code: "store-table-app-access", sql: "ALTER TABLE members DISABLE ROW LEVEL SECURITY",
			objects: []string{"public.members"}},
		mutation{name: "store table readable by PUBLIC", code: "store-table-app-access", sql: "CREATE POLICY open ON invitations FOR SELECT USING (true)",
			objects: []string{"public.invitations"}},
		mutation{name: "store table TRUNCATE", code: "store-table-app-access", sql: "GRANT TRUNCATE ON organizations TO {app}",
			objects: []string{"public.organizations"}},
		mutation{name: "users table policy for the app", code: "store-table-app-access", sql: "CREATE POLICY app_all ON users TO {app} USING (true)",
			objects: []string{"public.users"}},
		mutation{name: "bridge trigger dropped", code: "bridge-column-mutable", sql: "DROP TRIGGER tenantc_bridge_immutable ON tenants",
			objects: []string{"column public.tenants.org_id"}},
		mutation{name: "bridge trigger disabled", code: "bridge-column-mutable", sql: "ALTER TABLE tenants DISABLE TRIGGER tenantc_bridge_immutable",
			objects: []string{"column public.tenants.org_id"}},
		mutation{name: "bridge column UPDATE granted by column", code: "bridge-column-mutable", sql: `
			REVOKE UPDATE ON tenants FROM {app}; GRANT UPDATE (org_id) ON tenants TO {app};
			DROP TRIGGER tenantc_bridge_immutable ON tenants`, objects: []string{"column public.tenants.org_id"}},
	)
}

// TestStoreUnlocked: the example as a project that applied the store's
// migration before the lockdown has it — the lockdown migration rolled back:
// store tables writable by the application role under the blanket grants,
// the bridge column unguarded — is reported on every store table and on the
// bridge.
func TestStoreUnlocked(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	down, err := os.ReadFile(filepath.Join(repoRoot, "gen/migrations/000011_tenantc_store_lockdown.down.sql"))
	require.NoError(t, err)
	fx.DB.Exec(t, fx.DB.OwnerURL, string(down))
	res := check(t, fx, false)
	assert.Equal(t, []string{"bridge-column-mutable", "store-table-app-access"}, codes(res.Diagnostics), "%v", res.Diagnostics)
	var tables []string
	for _, d := range res.Diagnostics {
		if d.Rule == rule.StoreTableAccess.Name {
			assert.Equal(t, "error", d.Severity.String(), "%v", d)
			tables = append(tables, d.Object)
		}
	}
	assert.ElementsMatch(t, []string{"public.organizations", "public.members", "public.teams", "public.team_members",
		"public.invitations", "public.organization_roles", "public.users"}, tables)
}

// TestBridgeWithoutUpdate: no trigger is needed when the application cannot
// update the bridge column at all.
func TestBridgeWithoutUpdate(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	fx.DB.Exec(t, fx.DB.OwnerURL, "DROP TRIGGER tenantc_bridge_immutable ON tenants; REVOKE UPDATE ON tenants FROM "+fx.DB.App+
		"; GRANT UPDATE (plan_id) ON tenants TO "+fx.DB.App)
	res := check(t, fx, false)
	assert.Empty(t, res.Diagnostics, "%v", res.Diagnostics)
}

// withOptions adds libpq options (-c name=value) to a connection URL.
func withOptions(t *testing.T, raw, options string) string {
	u, err := url.Parse(raw)
	require.NoError(t, err)
	q := u.Query()
	q.Set("options", options)
	u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // a URL's + is no space to libpq or pgx
	return u.String()
}

// TestTenantSettingAtConnect: an application connection that starts with a
// tenant (options=-c app.tenant_id=…) is reported when check connects as the
// application; a role default that explains it is reported instead.
func TestTenantSettingAtConnect(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	conn := pgtest.Connect(t, withOptions(t, fx.DB.AppURL, "-c app.tenant_id="+someTenant))
	res, err := audit.Check(context.Background(), conn, audit.Options{Config: fx.Result.Config})
	require.NoError(t, err)
	require.Equal(t, []string{"tenant-setting-at-connect"}, codes(res.Diagnostics), "%v", res.Diagnostics)
	assert.Contains(t, res.Diagnostics[0].Message, someTenant)
	assert.NotEmpty(t, res.Diagnostics[0].Fix)

	// A plain connection of the app starts with no tenant.
	plain := pgtest.Connect(t, fx.DB.AppURL)
	res, err = audit.Check(context.Background(), plain, audit.Options{Config: fx.Result.Config})
	require.NoError(t, err)
	assert.Empty(t, res.Diagnostics)

	// The role's default: one finding, about the default.
	fx.DB.Exec(t, fx.DB.AdminURL, "ALTER ROLE "+fx.DB.App+" SET app.tenant_id = '"+someTenant+"'")
	fresh := pgtest.Connect(t, fx.DB.AppURL)
	res, err = audit.Check(context.Background(), fresh, audit.Options{Config: fx.Result.Config})
	require.NoError(t, err)
	require.Equal(t, []string{"tenant-setting-default"}, codes(res.Diagnostics), "%v", res.Diagnostics)
	assert.Equal(t, "ALTER ROLE "+fx.DB.App+" RESET app.tenant_id;", res.Diagnostics[0].Fix)
}

// TestProbeStore: the probe, as the application role in a tenant's
// transaction, tries to write and read every store table; on the locked
// example it finds nothing, each opening is found, and nothing stays.
func TestProbeStore(t *testing.T) {
	const seed = `INSERT INTO organizations (id, name, slug) VALUES ('10000000-0000-4000-8000-000000000001', 'Other', 'other');
		INSERT INTO members (organization_id, user_id, roles) VALUES ('10000000-0000-4000-8000-000000000001', 'victim', '{owner}');
		INSERT INTO invitations (organization_id, email, token_hash, inviter_id, expires_at)
			VALUES ('10000000-0000-4000-8000-000000000001', 'x@example.test', decode(repeat('ab', 32), 'hex'), 'victim', now() + interval '1 day')`
	cases := []struct {
		name, sql, table string
		want             []string
	}{
		{"locked", "", "", nil},
		{"members without RLS", "ALTER TABLE members DISABLE ROW LEVEL SECURITY", "public.members", []string{"probe-store-read", "probe-store-write"}},
		{"invitations readable", "CREATE POLICY open ON invitations FOR SELECT USING (true)", "public.invitations", []string{"probe-store-read"}},
		{"organizations writable", "CREATE POLICY open ON organizations FOR ALL TO {app} USING (true) WITH CHECK (true)", "public.organizations",
			[]string{"probe-store-read", "probe-store-write"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fx := checktest.Migrated(t, repoRoot)
			fx.DB.Exec(t, fx.DB.AdminURL, seed)
			if c.sql != "" {
				fx.DB.Exec(t, fx.DB.OwnerURL, strings.ReplaceAll(c.sql, "{app}", fx.DB.App))
			}
			admin := pgtest.Connect(t, fx.DB.AdminURL)
			before := tableCounts(t, admin)
			res := check(t, fx, true)
			var got []string
			for _, d := range res.Diagnostics {
				if !strings.HasPrefix(d.Rule, "probe-") {
					continue
				}
				assert.Equal(t, c.table, d.Object, "%v", d)
				if !slices.Contains(got, d.Rule) {
					got = append(got, d.Rule)
				}
			}
			slices.Sort(got)
			assert.Equal(t, c.want, got, "%v", res.Diagnostics)
			assert.Equal(t, before, tableCounts(t, admin), "the probe left rows behind")
		})
	}
}
