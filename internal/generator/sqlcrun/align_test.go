package sqlcrun

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var tenantAdditions = Additions{MigrationsDir: "gen/migrations", StandardQueriesDir: "gen/queries",
	Overrides: []map[string]any{
		{"column": "public.tenants.id", "go_type": "github.com/tenantc/tenantc/tenant.ID"},
		{"column": "app.notes.tenant_id", "go_type": "github.com/tenantc/tenantc/tenant.ID"},
	},
	TenantColumns: []string{"public.tenants.id", "app.notes.tenant_id"}}

// TestCheckAligned: one warning per entry, at the first thing missing, whose
// fix is what the entry lacks, in the config's own language; nothing for an
// aligned entry, whatever form its paths and overrides take.
func TestCheckAligned(t *testing.T) {
	for _, c := range []struct {
		name, config, file string
		at                 string // the diagnostic's position; "" for none
		fix                []string
		block              int // the entry's index (Additions.Block)
	}{
		{name: "aligned, global overrides and patterns", file: "sqlc.yaml", config: `version: "2"
overrides:
  go:
    overrides:
      - {column: "tenants.id", go_type: github.com/tenantc/tenantc/tenant.ID}
sql:
  - engine: mysql
    schema: other
  - schema: [schema, ./gen/migrations/]
    queries: [queries, gen/queries]
    gen: {go: {overrides: [{column: "*.n?tes.tenant_id", go_type: x}]}}
`, block: 1},
		{name: "a two-part name is the public schema's", file: "sqlc.yaml", at: "sqlc.yaml:5:16", config: `version: "2"
sql:
  - schema: [schema, gen/migrations]
    queries: [queries, gen/queries]
    gen: {go: {overrides: [
          {column: "notes.tenant_id", go_type: x},
          {column: "public.tenants.id", go_type: x}]}}
`, fix: []string{"      - column: app.notes.tenant_id"}},
		{name: "everything missing", file: "sqlc.yaml", at: "sqlc.yaml:3:5", config: `version: "2"
sql:
  - schema: "db/*.sql"
    queries: queries
    gen: {go: {package: db}}
`, fix: []string{`schema: ["db/*.sql", gen/migrations]`, "queries: [queries, gen/queries]", "  go:", "      - column: public.tenants.id"}},
		{name: "json", file: "sqlc.json", at: "sqlc.json:1:67", config: `{"version": "2", "sql": [{"schema": ["schema", "gen/migrations"], "queries": "q", "gen": {"go": {}}}]}`,
			fix: []string{`"queries": ["q", "gen/queries"],`, `"gen": {"go": {"overrides": [{"column": "public.tenants.id", "go_type": "github.com/tenantc/tenantc/tenant.ID"}, {"column": "app.notes.tenant_id", "go_type": "github.com/tenantc/tenantc/tenant.ID"}]}}`}},
		{name: "version 1", file: "sqlc.yaml", at: "sqlc.yaml:4:5", config: `version: "1"
packages:
  - schema: [schema, gen/migrations, gen/queries]
    queries: queries
`, fix: []string{"queries: [queries, gen/queries]", "overrides:", "  - column: public.tenants.id"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			add := tenantAdditions
			add.Block = c.block
			diags := CheckAligned([]byte(c.config), c.file, add)
			if c.at == "" {
				require.Empty(t, diags)
				return
			}
			require.Len(t, diags, 1)
			d := diags[0]
			assert.Equal(t, c.at, d.Pos.String())
			assert.Equal(t, "sqlc-config-incomplete", d.Rule)
			for _, line := range c.fix {
				assert.Contains(t, d.Fix+"\n", line+"\n")
			}
		})
	}
	assert.Empty(t, CheckAligned(nil, "", tenantAdditions), "no config")
	assert.Empty(t, CheckAligned([]byte("sql: [\n"), "sqlc.yaml", tenantAdditions), "rewriteConfig reports syntax errors")
	assert.Empty(t, CheckAligned([]byte("version: '2'\nsql: [{schema: s}]\n"), "sqlc.yaml", Additions{}), "nothing added")
	mysqlFirst := []byte("version: '2'\nsql: [{engine: mysql, schema: s}, {schema: s}]\n")
	assert.Empty(t, CheckAligned(mysqlFirst, "sqlc.yaml", tenantAdditions), "a mysql entry is no tenantc entry")
	add := tenantAdditions
	add.Block = 1
	assert.Len(t, CheckAligned(mysqlFirst, "sqlc.yaml", add), 1, "the postgresql entry after it is judged")
}

// TestCheckAlignedGlob: where tenantc types the tenant columns of a schema
// with one glob, an entry that types each column its own way is aligned,
// and the fix for one that lacks any is the glob.
func TestCheckAlignedGlob(t *testing.T) {
	add := Additions{
		Overrides: []map[string]any{
			{"column": "public.tenants.id", "go_type": "github.com/tenantc/tenantc/tenant.ID"},
			{"column": "public.*.tenant_id", "go_type": "github.com/tenantc/tenantc/tenant.ID"},
		},
		TenantColumns: []string{"public.tenants.id", "public.notes.tenant_id", "public.tasks.tenant_id"},
	}
	entry := func(overrides string) []byte {
		return []byte("version: '2'\nsql:\n  - schema: s\n    gen: {go: {overrides: [" + overrides + "]}}\n")
	}
	for name, ovs := range map[string]string{
		"glob":       `{column: "tenants.id", go_type: x}, {column: "public.*.tenant_id", go_type: x}`,
		"per column": `{column: "tenants.id", go_type: x}, {column: "notes.tenant_id", go_type: x}, {column: "public.tasks.tenant_id", go_type: x}`,
	} {
		assert.Empty(t, CheckAligned(entry(ovs), "sqlc.yaml", add), name)
	}
	diags := CheckAligned(entry(`{column: "tenants.id", go_type: x}, {column: "notes.tenant_id", go_type: x}`), "sqlc.yaml", add)
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].Message, "does not type public.*.tenant_id as")
	assert.Contains(t, diags[0].Fix, `- column: "public.*.tenant_id"`)
	assert.NotContains(t, diags[0].Fix, "public.tenants.id")
}
