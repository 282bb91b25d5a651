package audit_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
)

// The misconfigurations of issue 8's items 4, 7 and 9 (policy analysis,
// functions that switch the tenant, sequences on scoped tables), each
// reported by exactly its code on the migrated example app (TestMutations).
func init() {
	mutations = append(mutations,
		// Item 4: fail-open value sides, other settings, tenantc's policy edited.
		mutation{name: "CASE with a correlated reference", code: "policy-or-bypass",
			sql:     tenantPolicy("tenant_id = (SELECT CASE WHEN projects.archived_at IS NOT NULL THEN projects.tenant_id ELSE NULLIF(current_setting('app.tenant_id', true), '')::uuid END)"),
			objects: []string{"policy tenantc_tenant_isolation on public.projects"}},
		mutation{name: "COALESCE with the column", code: "policy-or-bypass",
			sql:     "ALTER POLICY tenantc_tenant_isolation ON tasks USING (tenant_id = COALESCE(" + current + ", tasks.tenant_id)) WITH CHECK (tenant_id = " + current + ")",
			objects: []string{"policy tenantc_tenant_isolation on public.tasks"}},
		mutation{name: "policy reads another setting", code: "policy-other-setting",
			sql:     tenantPolicy("tenant_id = " + current + " AND current_setting('app.readonly', true) IS DISTINCT FROM 'on'"),
			objects: []string{"policy tenantc_tenant_isolation on public.projects"}},
		mutation{name: "tenantc's policy narrowed to one role", code: "tenant-policy-modified",
			sql:     "ALTER POLICY tenantc_tenant_isolation ON documents TO {app}",
			objects: []string{"policy tenantc_tenant_isolation on public.documents"}},
		mutation{name: "tenantc's policy with an extra condition", code: "tenant-policy-modified",
			sql:     tenantPolicy("tenant_id = " + current + " AND archived_at IS NULL"),
			objects: []string{"policy tenantc_tenant_isolation on public.projects"}},

		// Item 7: functions that switch the tenant.
		mutation{name: "SQL function calling set_config on the tenant", code: "function-sets-tenant",
			sql:     "CREATE FUNCTION use_tenant(t uuid) RETURNS text LANGUAGE sql AS $$ SELECT set_config('app.tenant_id', t::text, true) $$",
			objects: []string{"function public.use_tenant(t uuid)"}},
		mutation{name: "PL/pgSQL function with dynamic SET LOCAL", code: "function-sets-tenant",
			sql:     "CREATE FUNCTION enter_tenant(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE format('SET LOCAL app.tenant_id = %L', t); END $$",
			objects: []string{"function public.enter_tenant(t uuid)"}},
		mutation{name: "function reaching set_config through another", code: "function-sets-tenant", sql: `
		CREATE FUNCTION use_tenant(t uuid) RETURNS text LANGUAGE sql AS $$ SELECT set_config('app.tenant_id', t::text, true) $$;
		CREATE FUNCTION tasks_of(t uuid) RETURNS SETOF tasks LANGUAGE plpgsql AS $$ BEGIN PERFORM use_tenant(t); RETURN QUERY SELECT * FROM tasks; END $$`,
			objects: []string{"function public.use_tenant(t uuid)", "function public.tasks_of(t uuid)"}},
		mutation{name: "function defined with SET of the tenant", code: "function-sets-tenant", admin: true,
			sql:     "CREATE FUNCTION as_first_tenant() RETURNS bigint LANGUAGE sql SET app.tenant_id = '00000000-0000-0000-0000-000000000001' AS $$ SELECT count(*) FROM public.projects $$",
			objects: []string{"function public.as_first_tenant()"}},

		// Item 9: sequences shared by every tenant.
		mutation{name: "bigserial column on a scoped table", code: "scoped-serial-column",
			sql: "ALTER TABLE comments ADD COLUMN seq bigserial", objects: []string{"column public.comments.seq"}},
		mutation{name: "identity column on a scoped table", code: "scoped-serial-column",
			sql: "ALTER TABLE projects ADD COLUMN number bigint GENERATED ALWAYS AS IDENTITY", objects: []string{"column public.projects.number"}},
		mutation{name: "nextval default on a scoped table", code: "scoped-serial-column",
			sql:     "CREATE SEQUENCE task_numbers; ALTER TABLE tasks ADD COLUMN number bigint DEFAULT nextval('task_numbers')",
			objects: []string{"column public.tasks.number"}},
	)
}

// TestIssueBypassExample: the policy the adversarial review of issue 8 got
// past vet, check and the probe — a bypass setting inside the sub-select,
// whose THEN branch is the row's own tenant column — is reported by check for
// both of its faults.
func TestIssueBypassExample(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	fx.DB.Exec(t, fx.DB.OwnerURL, tenantPolicy("tenant_id = (SELECT CASE WHEN current_setting('app.bypass_rls', true) = 'on' THEN projects.tenant_id ELSE NULLIF(current_setting('app.tenant_id', true), '')::uuid END)"))
	res := check(t, fx, false)
	require.Equal(t, []string{"policy-or-bypass", "policy-other-setting"}, codes(res.Diagnostics), "%v", res.Diagnostics)
	for _, d := range res.Diagnostics {
		assert.Equal(t, "policy tenantc_tenant_isolation on public.projects", d.Object)
		if d.Rule == "policy-other-setting" {
			assert.True(t, strings.Contains(d.Message, "app.bypass_rls"), d.Message)
		}
	}
}
