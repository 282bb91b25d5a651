package tenancy_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

const storeSchema = `
CREATE TABLE organizations (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE tenants (id uuid PRIMARY KEY, org_id uuid UNIQUE REFERENCES organizations (id));
CREATE TABLE members (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    user_id text NOT NULL
);
-- A store table with the tenant column stays the store's.
CREATE TABLE invitations (id uuid PRIMARY KEY, tenant_id uuid, organization_id uuid REFERENCES organizations (id));
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid, PRIMARY KEY (tenant_id, id));
`

func storeModel(t *testing.T, root string, store bool) (*tenancy.Model, []string) {
	t.Helper()
	cat, diags := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, storeSchema)})
	require.Empty(t, diags)
	cfg := tenancy.Config{Root: root, Column: "tenant_id", Setting: "app.tenant_id"}
	if store {
		for _, n := range []string{"organizations", "members", "invitations", "teams"} { // teams: absent, ignored
			cfg.Store = append(cfg.Store, catalog.Name{Schema: "public", Name: n})
		}
	}
	m, ds := tenancy.Analyze(cat, cfg)
	var rules []string
	for _, d := range ds {
		rules = append(rules, d.Rule)
	}
	return m, rules
}

func kinds(m *tenancy.Model) map[string]tenancy.Kind {
	out := map[string]tenancy.Kind{}
	for _, t := range m.Tables {
		out[t.Name.Name] = t.Kind
	}
	return out
}

func TestStoreTablesAreGlobal(t *testing.T) {
	m, rules := storeModel(t, "tenants", false)
	require.Equal(t, tenancy.Unclassified, kinds(m)["organizations"])
	require.Equal(t, tenancy.Scoped, kinds(m)["invitations"])
	require.Contains(t, rules, rule.Unclassified.Name)

	m, rules = storeModel(t, "tenants", true)
	require.Equal(t, map[string]tenancy.Kind{
		"organizations": tenancy.Global, "tenants": tenancy.Root, "members": tenancy.Global,
		"invitations": tenancy.Global, "projects": tenancy.Scoped,
	}, kinds(m))
	require.Empty(t, rules, "no unclassified or global-with-tenant-column warning for store tables")
	require.True(t, m.Table(catalog.Name{Schema: "public", Name: "members"}).Store)
	require.False(t, m.Table(catalog.Name{Schema: "public", Name: "projects"}).Store)
}

func TestStoreRoot(t *testing.T) {
	m, _ := storeModel(t, "organizations", true)
	k := kinds(m)
	require.Equal(t, tenancy.Root, k["organizations"], "the organizations table may be the tenant root")
	require.Equal(t, tenancy.Global, k["members"], "not indirectly owned through organizations")
	require.True(t, m.Table(catalog.Name{Schema: "public", Name: "organizations"}).Store)
}
