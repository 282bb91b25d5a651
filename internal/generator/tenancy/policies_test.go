package tenancy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/rls"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// policySchema has a root, a scoped table, a partitioned scoped table with a
// partition, and a global table.
const policySchema = `
CREATE TABLE tenants (id %[1]s PRIMARY KEY, name text NOT NULL);
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (
    tenant_id %[1]s NOT NULL REFERENCES tenants (id),
    id        uuid NOT NULL,
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE events (
    tenant_id  %[1]s NOT NULL REFERENCES tenants (id),
    id         bigint NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
`

// policyModel parses the schema with the key type, the migrations tenantc
// generates for it (unless bare), and then mutation, and returns its model.
func policyModel(t *testing.T, keyType string, bare bool, mutation string) *tenancy.Model {
	t.Helper()
	cfg := tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Global: []string{"plans"}}
	files := []*source.File{source.NewFile("schema.sql", source.Plain, strings.ReplaceAll(policySchema, "%[1]s", keyType))}
	cat, diags := parse.Files(files)
	require.Empty(t, diags)
	m, _ := tenancy.Analyze(cat, cfg)
	if !bare {
		migs, err := rls.Plan(m, rls.Options{Dir: "migrations", Format: source.GolangMigrate})
		require.NoError(t, err)
		require.Len(t, migs, 4) // tenants, projects, events, events_2026
		for _, mig := range migs {
			for _, f := range mig.Files {
				if !source.IsDownFile(f.Path) {
					files = append(files, source.Parse(f.Path, f.Content))
				}
			}
		}
	}
	if mutation != "" {
		files = append(files, source.NewFile("mutation.sql", source.Plain, mutation))
	}
	cat, diags = parse.Files(files)
	require.Empty(t, diags)
	m, _ = tenancy.Analyze(cat, cfg)
	return m
}

func rulesOf(l diag.List) []string {
	var out []string
	for _, d := range l {
		if !slices.Contains(out, d.Rule) {
			out = append(out, d.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// TestGeneratedPoliciesPass: what tenantc generates passes every policy rule,
// for every key type, partitions included.
func TestGeneratedPoliciesPass(t *testing.T) {
	for _, typ := range []string{"uuid", "bigint", "integer", "text"} {
		t.Run(typ, func(t *testing.T) {
			m := policyModel(t, typ, false, "")
			assert.Empty(t, tenancy.CheckPolicies(m))
		})
	}
}

const cur = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"

// TestPolicyRules injects one misconfiguration at a time into the generated
// schema and expects exactly the rules that describe it.
func TestPolicyRules(t *testing.T) {
	alter := func(using, check string) string {
		return "ALTER POLICY tenantc_tenant_isolation ON projects USING (" + using + ") WITH CHECK (" + check + ");"
	}
	same := func(e string) string { return alter(e, e) }
	for _, tc := range []struct {
		name, mutation string
		want           []string
	}{
		{"rls disabled", "ALTER TABLE projects DISABLE ROW LEVEL SECURITY;", []string{"rls-disabled"}},
		{"rls disabled on a partition", "ALTER TABLE events_2026 DISABLE ROW LEVEL SECURITY;", []string{"rls-disabled"}},
		{"not forced", "ALTER TABLE projects NO FORCE ROW LEVEL SECURITY;", []string{"rls-not-forced"}},
		{"root not forced", "ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;", []string{"rls-not-forced"}},
		{"tenant policy dropped", "DROP POLICY tenantc_tenant_isolation ON projects;", []string{"tenant-policy-missing"}},
		{"policy on another column",
			same("id = " + cur), []string{"tenant-policy-missing", "tenant-policy-modified"}},
		{"global table with RLS and no policy", "ALTER TABLE plans ENABLE ROW LEVEL SECURITY;", []string{"rls-without-policy"}},
		{"global table with a policy and no RLS", "CREATE POLICY read_all ON plans FOR SELECT USING (true);", []string{"rls-disabled"}},
		{"global table with a policy and RLS", "ALTER TABLE plans ENABLE ROW LEVEL SECURITY;\nCREATE POLICY read_all ON plans FOR SELECT USING (true);", nil},
		{"WITH CHECK without the tenant", alter("tenant_id = "+cur, "name <> ''"), []string{"policy-missing-with-check"}},
		{"INSERT policy whose check ignores the tenant",
			"DROP POLICY tenantc_tenant_isolation ON projects;\n" +
				"CREATE POLICY sel ON projects FOR SELECT USING (tenant_id = " + cur + ");\n" +
				"CREATE POLICY ins ON projects FOR INSERT WITH CHECK (name <> '');",
			[]string{"policy-missing-with-check"}},
		{"not an initplan", same("tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid"), []string{"policy-not-initplan", "tenant-policy-modified"}},
		{"cast on the column", same("tenant_id::text = (SELECT current_setting('app.tenant_id', true))"), []string{"policy-column-cast"}},
		{"cast, no missing_ok, no initplan", same("tenant_id::text = current_setting('app.tenant_id')"),
			[]string{"policy-column-cast", "policy-not-initplan", "policy-setting-not-missing-ok"}},
		{"always true", "ALTER POLICY tenantc_tenant_isolation ON projects WITH CHECK (1 = 1);", []string{"policy-always-true"}},
		{"always-true extra policy",
			"CREATE POLICY open ON projects FOR SELECT USING (true);", []string{"multiple-permissive-policies", "policy-always-true"}},
		{"OR bypass", same("tenant_id = " + cur + " OR current_setting('app.bypass_rls', true) = 'on'"), []string{"policy-or-bypass", "policy-other-setting"}},
		{"OR bypass on USING only", alter("tenant_id = "+cur+" OR is_admin", "tenant_id = "+cur), []string{"policy-or-bypass"}},
		{"no missing_ok", same("tenant_id = (SELECT NULLIF(current_setting('app.tenant_id'), '')::uuid)"), []string{"policy-setting-not-missing-ok"}},
		{"no NULLIF", same("tenant_id = (SELECT current_setting('app.tenant_id', true)::uuid)"), []string{"policy-empty-setting", "tenant-policy-modified"}},
		{"two permissive SELECT policies",
			"CREATE POLICY mine ON projects FOR SELECT TO app USING (tenant_id = " + cur + ");", []string{"multiple-permissive-policies"}},

		// What is not a finding.
		{"permissive true under a restrictive tenant policy",
			"DROP POLICY tenantc_tenant_isolation ON projects;\n" +
				"CREATE POLICY open ON projects USING (true) WITH CHECK (true);\n" +
				"CREATE POLICY tenant ON projects AS RESTRICTIVE USING (tenant_id = " + cur + ") WITH CHECK (tenant_id = " + cur + ");",
			nil},
		{"restrictive policy only for some roles does not isolate the others",
			"DROP POLICY tenantc_tenant_isolation ON projects;\n" +
				"CREATE POLICY open ON projects USING (true) WITH CHECK (true);\n" +
				"CREATE POLICY tenant ON projects AS RESTRICTIVE TO app USING (tenant_id = " + cur + ") WITH CHECK (tenant_id = " + cur + ");",
			[]string{"policy-always-true"}},
		{"ALL policy without WITH CHECK reuses USING",
			"ALTER POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + cur + ");\n" +
				"CREATE POLICY p2 ON projects FOR UPDATE TO app USING (tenant_id = " + cur + ");",
			[]string{"multiple-permissive-policies"}},
		{"INSERT policy without WITH CHECK admits nothing",
			"DROP POLICY tenantc_tenant_isolation ON projects;\n" +
				"CREATE POLICY sel ON projects USING (tenant_id = " + cur + ");\n" +
				"CREATE POLICY ins ON projects AS RESTRICTIVE FOR INSERT WITH CHECK (tenant_id = " + cur + ");",
			nil},
		{"policies split by command", "DROP POLICY tenantc_tenant_isolation ON projects;\n" +
			"CREATE POLICY s ON projects FOR SELECT USING (tenant_id = " + cur + ");\n" +
			"CREATE POLICY i ON projects FOR INSERT WITH CHECK (tenant_id = " + cur + ");\n" +
			"CREATE POLICY u ON projects FOR UPDATE USING (tenant_id = " + cur + ");\n" +
			"CREATE POLICY d ON projects FOR DELETE USING (tenant_id = " + cur + ");",
			nil},
		{"a restrictive extra condition", "CREATE POLICY live ON projects AS RESTRICTIVE USING (name <> '');", nil},

		// tenantc's name on a policy tenantc did not write (issue 8).
		{"tenantc's policy narrowed by an extra condition", same("tenant_id = " + cur + " AND name <> ''"), []string{"tenant-policy-modified"}},
		{"tenantc's policy for one role", "ALTER POLICY tenantc_tenant_isolation ON projects TO app;", []string{"tenant-policy-modified"}},
		{"tenantc's policy re-created FOR SELECT", "DROP POLICY tenantc_tenant_isolation ON projects;\n" +
			"CREATE POLICY tenantc_tenant_isolation ON projects FOR SELECT USING (tenant_id = " + cur + ");", []string{"tenant-policy-modified"}},
		{"a cast to the column's own type", same("tenant_id::uuid = " + cur), []string{"tenant-policy-modified"}},
		{"tenantc's policy spelled differently", same("(SELECT nullif(pg_catalog.current_setting('app.tenant_id', true), '')::uuid) = tenant_id"), []string{"tenant-policy-modified"}},
		{"tenantc's policy, other whitespace and parentheses", same("((tenant_id)   =   (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))"), nil},
		{"tenantc's policy without WITH CHECK checks with USING", "ALTER POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + cur + ");\n" +
			"DROP POLICY tenantc_tenant_isolation ON events_2026;\nCREATE POLICY tenantc_tenant_isolation ON events_2026 USING (tenant_id = " + cur + ");", nil},

		// Fail-open value sides and other settings (issue 8).
		{"CASE bypass with a correlated reference",
			same("tenant_id = (SELECT CASE WHEN current_setting('app.bypass_rls', true) = 'on' THEN projects.tenant_id ELSE NULLIF(current_setting('app.tenant_id', true), '')::uuid END)"),
			[]string{"policy-or-bypass", "policy-other-setting"}},
		{"CASE on a column with a correlated reference",
			same("tenant_id = (SELECT CASE WHEN projects.name = 'shared' THEN projects.tenant_id ELSE NULLIF(current_setting('app.tenant_id', true), '')::uuid END)"),
			[]string{"policy-or-bypass"}},
		{"COALESCE with the column", same("tenant_id = COALESCE((SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid), projects.tenant_id)"),
			[]string{"policy-or-bypass"}},
		{"another setting AND-ed", same("tenant_id = " + cur + " AND current_setting('app.readonly', true) IS DISTINCT FROM 'on'"),
			[]string{"policy-other-setting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tenancy.CheckPolicies(policyModel(t, "uuid", false, tc.mutation))
			assert.Equal(t, tc.want, rulesOf(got), "%v", got)
			for _, d := range got {
				assert.NotEmpty(t, d.Object, "%v", d)
				assert.True(t, d.Pos.IsValid(), "%v", d)
				r, ok := rule.Find(d.Rule)
				assert.True(t, ok, "%v", d)
				assert.Equal(t, r.Severity, d.Severity, "%v", d)
				assert.NotEmpty(t, d.Fix, "%v", d)
			}
		})
	}
}

// TestPolicyOtherSettingRestrictive: a restrictive policy on another setting
// only narrows the tenant policy: a warning, not an error.
func TestPolicyOtherSettingRestrictive(t *testing.T) {
	got := tenancy.CheckPolicies(policyModel(t, "uuid", false,
		"CREATE POLICY own_rows ON projects AS RESTRICTIVE USING (name = current_setting('app.user_name', true));"))
	require.Len(t, got, 1, "%v", got)
	assert.Equal(t, "policy-other-setting", got[0].Rule)
	assert.Equal(t, diag.Warning, got[0].Severity)
	assert.Contains(t, got[0].Message, "app.user_name")
}

func TestPolicyDiagnosticsNameTheirObject(t *testing.T) {
	got := tenancy.CheckPolicies(policyModel(t, "uuid", false,
		"ALTER TABLE projects NO FORCE ROW LEVEL SECURITY;\n"+
			"ALTER POLICY tenantc_tenant_isolation ON projects USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);"))
	require.Len(t, got, 3, "%v", got) // and tenant-policy-modified: the edit is only a warning
	byRule := map[string]diag.Diagnostic{}
	for _, d := range got {
		byRule[d.Rule] = d
	}
	assert.Equal(t, "public.projects", byRule["rls-not-forced"].Object)
	assert.Equal(t, "schema.sql", byRule["rls-not-forced"].Pos.File)
	assert.Equal(t, "policy tenantc_tenant_isolation on public.projects", byRule["policy-not-initplan"].Object)
	assert.Contains(t, byRule["policy-not-initplan"].Pos.File, "migrations/")
}

// A schema without the migrations: every protected table lacks everything.
func TestPolicyRulesBareSchema(t *testing.T) {
	got := tenancy.CheckPolicies(policyModel(t, "uuid", true, ""))
	count := map[string]int{}
	for _, d := range got {
		count[d.Rule]++
	}
	// tenants, projects, events, events_2026
	assert.Equal(t, map[string]int{"rls-disabled": 4, "rls-not-forced": 4, "tenant-policy-missing": 4}, count)
}

func TestPolicyEmptySettingByKeyType(t *testing.T) {
	mut := func(typ string) string {
		return "ALTER POLICY tenantc_tenant_isolation ON projects USING (tenant_id = (SELECT current_setting('app.tenant_id', true)::" + typ +
			")) WITH CHECK (tenant_id = (SELECT current_setting('app.tenant_id', true)::" + typ + "));"
	}
	assert.Equal(t, []string{"policy-empty-setting", "tenant-policy-modified"}, rulesOf(tenancy.CheckPolicies(policyModel(t, "bigint", false, mut("bigint")))))
	assert.Equal(t, []string{"tenant-policy-modified"}, rulesOf(tenancy.CheckPolicies(policyModel(t, "text", false, mut("text")))), "'' matches no text key: nothing fails, but it is not tenantc's policy")
}

func TestPolicyRulesAreRegistered(t *testing.T) {
	for _, name := range []string{"rls-disabled", "rls-not-forced", "tenant-policy-missing", "rls-without-policy",
		"policy-missing-with-check", "policy-not-initplan", "policy-column-cast", "policy-always-true", "policy-or-bypass",
		"policy-setting-not-missing-ok", "policy-empty-setting", "multiple-permissive-policies",
		"policy-other-setting", "tenant-policy-modified"} {
		r, ok := rule.Find(name)
		require.True(t, ok, name)
		assert.NotEmpty(t, r.Summary)
	}
}

func TestCheckPoliciesNilModel(t *testing.T) {
	assert.Nil(t, tenancy.CheckPolicies(nil))
}
