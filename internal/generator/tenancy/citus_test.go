package tenancy_test

import (
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

// citusModel parses policySchema with the key type and the RLS migrations
// tenantc generates for it in the mode generatedCitus says, then mutation,
// and analyzes the result in Citus mode. It returns the model and Analyze's
// diagnostics.
func citusModel(t *testing.T, keyType string, generatedCitus bool, mutation string) (*tenancy.Model, diag.List) {
	t.Helper()
	cfg := tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Global: []string{"plans"}, Citus: generatedCitus}
	files := []*source.File{source.NewFile("schema.sql", source.Plain, strings.ReplaceAll(policySchema, "%[1]s", keyType))}
	cat, diags := parse.Files(files)
	require.Empty(t, diags)
	m, _ := tenancy.Analyze(cat, cfg)
	migs, err := rls.Plan(m, rls.Options{Dir: "migrations", Format: source.Goose})
	require.NoError(t, err)
	require.Len(t, migs, 4)
	for _, mig := range migs {
		for _, f := range mig.Files {
			files = append(files, source.Parse(f.Path, f.Content))
		}
	}
	if mutation != "" {
		files = append(files, source.NewFile("mutation.sql", source.Plain, mutation))
	}
	cat, diags = parse.Files(files)
	require.Empty(t, diags)
	cfg.Citus = true
	return tenancy.Analyze(cat, cfg)
}

func withRule(l diag.List, r rule.Rule) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Rule == r.Name {
			out = append(out, d)
		}
	}
	return out
}

// TestCitusGeneratedPoliciesPass: what Citus mode generates passes every
// policy rule for every key type, and a second plan writes nothing: the
// keep-tenant trigger, created in a DO block the parse cannot see, is not
// demanded.
func TestCitusGeneratedPoliciesPass(t *testing.T) {
	for _, typ := range []string{"uuid", "bigint", "integer", "text"} {
		t.Run(typ, func(t *testing.T) {
			m, diags := citusModel(t, typ, true, "")
			assert.Empty(t, withRule(diags, rule.CitusPolicySubselect))
			assert.Empty(t, tenancy.CheckPolicies(m))
			again, err := rls.Plan(m, rls.Options{Dir: "migrations", Format: source.Goose})
			require.NoError(t, err)
			assert.Empty(t, again)
		})
	}
}

// TestCitusOldShapeReplaced: tenantc's (SELECT …) policies of a project that
// moved to distribute: citus are reported by vet and check, not by generate
// (Analyze), which plans a migration replacing each.
func TestCitusOldShapeReplaced(t *testing.T) {
	m, diags := citusModel(t, "uuid", false, "")
	assert.Empty(t, withRule(diags, rule.CitusPolicySubselect), "generate replaces tenantc's own policies")
	checked := tenancy.CheckPolicies(m)
	got := withRule(checked, rule.CitusPolicySubselect)
	require.Len(t, got, 4, "%v", checked)
	for _, d := range got {
		assert.True(t, strings.HasPrefix(d.Object, "policy tenantc_tenant_isolation on "), d.Object)
		assert.Contains(t, d.Fix, "run tenantc generate")
		assert.NotContains(t, d.Fix, "(SELECT")
	}
	assert.Empty(t, withRule(checked, rule.TenantPolicyModified), "the precise error is enough")
	migs, err := rls.Plan(m, rls.Options{Dir: "migrations", Format: source.Goose})
	require.NoError(t, err)
	require.Len(t, migs, 4)
	up := string(migs[1].Files[0].Content)
	assert.Contains(t, up, "USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)")
	assert.Contains(t, up, "-- The policy this migration replaced:")
}

// TestCitusUserSubselect: a user's policy with a sub-select of any kind is an
// error located at the policy in Citus mode, one without (even with SELECT in
// a string) is not, and outside Citus mode nothing is reported.
func TestCitusUserSubselect(t *testing.T) {
	mutation := `CREATE TABLE members (tenant_id uuid NOT NULL REFERENCES tenants (id), user_name text NOT NULL, PRIMARY KEY (tenant_id, user_name));
CREATE POLICY in_list ON projects AS RESTRICTIVE FOR SELECT USING (tenant_id IN (SELECT tenant_id FROM members WHERE user_name = current_user));
CREATE POLICY arr ON projects AS RESTRICTIVE FOR INSERT WITH CHECK (name = ANY (ARRAY(SELECT 'a')));
CREATE POLICY words ON projects AS RESTRICTIVE FOR ALL USING (name <> 'SELECT 1' AND "select" IS NULL);
`
	mutation = strings.Replace(mutation, "CREATE POLICY words", "ALTER TABLE projects ADD COLUMN \"select\" text;\nCREATE POLICY words", 1)
	_, diags := citusModel(t, "uuid", true, mutation)
	got := withRule(diags, rule.CitusPolicySubselect)
	require.Len(t, got, 2, "%v", diags)
	for _, d := range got {
		assert.Equal(t, "mutation.sql", d.Pos.File)
		assert.Equal(t, diag.Error, d.Severity)
		assert.NotContains(t, d.Object, "words")
		assert.Contains(t, d.Fix, "ALTER POLICY")
	}
	assert.Equal(t, 2, got[0].Pos.Line)
	assert.Equal(t, 3, got[1].Pos.Line)

	// Outside Citus mode the rule does not apply.
	cfg := tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Global: []string{"plans"}}
	cat, perr := parse.Files([]*source.File{
		source.NewFile("schema.sql", source.Plain, strings.ReplaceAll(policySchema, "%[1]s", "uuid")),
		source.NewFile("mutation.sql", source.Plain, mutation),
	})
	require.Empty(t, perr)
	_, plain := tenancy.Analyze(cat, cfg)
	assert.Empty(t, withRule(plain, rule.CitusPolicySubselect))
}

// TestCitusNoInitPlanWarning: in Citus mode a bare read of the setting is the
// shape Citus accepts, not a policy-not-initplan finding; the stored form of
// a text key's policy (PostgreSQL drops the no-op ::text) is tenantc's.
func TestCitusNoInitPlanWarning(t *testing.T) {
	m, _ := citusModel(t, "text", true, `DROP POLICY tenantc_tenant_isolation ON projects;
CREATE POLICY tenantc_tenant_isolation ON projects AS PERMISSIVE FOR ALL
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), ''))
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), ''));`)
	assert.Empty(t, tenancy.CheckPolicies(m))
}
