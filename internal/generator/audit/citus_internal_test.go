package audit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/livecat"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// citusSchema: the tenant table, four scoped tables, a global one, and a
// policy of each shape.
const citusSchema = `
CREATE TABLE plans (id int PRIMARY KEY);
CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE notes (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE files (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenantc_tenant_isolation ON tasks USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
`

func citusModel(t *testing.T) *tenancy.Model {
	t.Helper()
	cat, diags := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, citusSchema)})
	require.Empty(t, diags)
	m, _ := tenancy.Analyze(cat, tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Global: []string{"plans"}, Citus: true})
	return m
}

func pub(name string) catalog.Name { return catalog.Name{Schema: "public", Name: name} }

func findings(t *testing.T, m *tenancy.Model, cfg *config.Config, c *livecat.Citus) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range checkCitus(m, cfg, c) {
		require.NotEmpty(t, d.Fix, "%v", d)
		require.NotEmpty(t, d.Object, "%v", d)
		out[d.Object] += d.Rule + " "
	}
	for k, v := range out {
		out[k] = strings.TrimSpace(v)
	}
	return out
}

func citusConfig(citus bool) *config.Config {
	cfg := config.Default()
	if citus {
		cfg.Distribute = config.DistributeCitus
	}
	return cfg
}

// TestCheckCitus: each finding of check on a Citus coordinator, from the
// rows pg_dist_partition would hold.
func TestCheckCitus(t *testing.T) {
	m := citusModel(t)
	hash := func(n, col string, group int) *livecat.DistTable {
		return &livecat.DistTable{Name: pub(n), Method: "h", Column: col, Colocation: group, RepModel: "s"}
	}
	ref := func(n string) *livecat.DistTable {
		return &livecat.DistTable{Name: pub(n), Method: "n", Colocation: 1, RepModel: "t"}
	}
	good := &livecat.Citus{Version: "13.2-1", Setter: true, Tables: []*livecat.DistTable{
		ref("plans"), ref("tenants"), hash("projects", "tenant_id", 2), hash("tasks", "tenant_id", 2),
		hash("notes", "tenant_id", 2), hash("files", "tenant_id", 2),
	}}
	// The good layout: tasks' sub-select policy is tenancy's
	// citus-policy-subselect in Citus mode, not a finding of the layout.
	assert.Empty(t, findings(t, m, citusConfig(true), good))

	// Tenant table distributed by its key, scoped tables with it: fine too.
	byKey := &livecat.Citus{Tables: []*livecat.DistTable{
		ref("plans"), hash("tenants", "id", 5), hash("projects", "tenant_id", 5), hash("tasks", "tenant_id", 5),
		hash("notes", "tenant_id", 5), hash("files", "tenant_id", 5),
	}}
	got := findings(t, m, citusConfig(true), byKey)
	delete(got, "policy tenantc_tenant_isolation on public.tasks")
	assert.Empty(t, got)

	bad := &livecat.Citus{Tables: []*livecat.DistTable{
		hash("plans", "id", 3),                             // a global table distributed
		{Name: pub("tenants"), Method: "n", RepModel: "s"}, // the root a Citus local table
		hash("projects", "tenant_id", 2),
		hash("tasks", "id", 2),                                          // by another column
		hash("notes", "tenant_id", 7),                                   // another colocation group
		{Name: pub("files"), Method: "n", Colocation: 9, RepModel: "s"}, // single shard
	}}
	assert.Equal(t, map[string]string{
		"public.plans":   rule.CitusNotReference.Name,
		"public.tenants": rule.CitusNotReference.Name,
		"public.tasks":   rule.CitusWrongColumn.Name,
		"public.notes":   rule.CitusNotColocated.Name,
		"public.files":   rule.CitusNotDistributed.Name,
	}, findings(t, m, citusConfig(true), bad))

	// Nothing distributed at all: every scoped table, the root and plans.
	none := findings(t, m, citusConfig(true), &livecat.Citus{})
	assert.Equal(t, rule.CitusNotDistributed.Name, none["public.projects"])
	assert.Equal(t, rule.CitusNotReference.Name, none["public.plans"])
	assert.Equal(t, rule.CitusNotReference.Name, none["public.tenants"])
	assert.Len(t, none, 6, "no sub-select finding on a table Citus does not know: %v", none)

	// The extension against tenantc.yaml.
	assert.Equal(t, map[string]string{citusObject: rule.CitusMissing.Name}, findings(t, m, citusConfig(true), nil))
	assert.Empty(t, findings(t, m, citusConfig(false), nil))
	notConfigured := findings(t, m, citusConfig(false), good)
	assert.Equal(t, rule.CitusNotConfigured.Name, notConfigured[citusObject])

	// The fixes are the Citus calls that repair each table.
	for _, d := range checkCitus(m, citusConfig(true), bad) {
		switch d.Object {
		case "public.tasks":
			assert.Equal(t, "SELECT alter_distributed_table('public.tasks', distribution_column := 'tenant_id', colocate_with := 'public.projects');", d.Fix)
		case "public.notes":
			assert.Equal(t, "SELECT update_distributed_table_colocation('public.notes', colocate_with => 'public.projects');", d.Fix)
		case "public.files":
			assert.Equal(t, "SELECT undistribute_table('public.files');\nSELECT create_distributed_table('public.files', 'tenant_id', colocate_with => 'public.projects');", d.Fix)
		case "public.plans":
			assert.Equal(t, "SELECT create_reference_table('public.plans');", d.Fix)
		}
	}
}

// TestCitusRefusal: on Citus the probe refuses to run rather than pass
// without a setter that reaches the workers.
func TestCitusRefusal(t *testing.T) {
	assert.Nil(t, citusRefusal(nil, "app"), "plain PostgreSQL: set_config works")
	d := citusRefusal(&livecat.Citus{}, "app")
	require.NotNil(t, d)
	assert.Equal(t, rule.ProbeIncomplete.Name, d.Rule)
	assert.Contains(t, d.Message, "has no tenant setter public.tenantc_set_tenant(text, text)")
	d = citusRefusal(&livecat.Citus{Setter: true, SetterExecutable: map[string]bool{"app": false}}, "app")
	require.NotNil(t, d)
	assert.Contains(t, d.Fix, "GRANT EXECUTE ON FUNCTION public.tenantc_set_tenant(text, text) TO app")
	assert.Nil(t, citusRefusal(&livecat.Citus{Setter: true, SetterExecutable: map[string]bool{"app": true}}, "app"))
}
