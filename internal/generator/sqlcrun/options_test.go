package sqlcrun

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckOptionsRefusesTenantOverrides: an override of the tenant column is
// refused wherever sqlc.yaml lists it and however its column is spelled; other
// overrides pass.
func TestCheckOptionsRefusesTenantOverrides(t *testing.T) {
	ours := []map[string]any{{"column": "public.events.tenant_id", "go_type": "github.com/tenantc/tenantc/tenant.ID"}}
	for name, tc := range map[string]struct {
		yaml string
		want string // "" when nothing is refused
	}{
		"global list": {`version: "2"
overrides:
  go:
    overrides:
      - column: "*.tenant_id"
        go_type: string
sql: []
`, `sqlc.yaml:5:9: error: the override of column "*.tenant_id" retypes the tenant column public.events.tenant_id`},
		"schema-qualified": {`version: "2"
sql:
  - gen:
      go:
        overrides:
          - {column: public.events.tenant_id, go_type: {import: github.com/google/uuid, type: UUID}}
`, `sqlc.yaml:6:14: error: the override of column "public.events.tenant_id"`},
		"tenantc's own type": {`version: "2"
sql:
  - gen: {go: {overrides: [{column: events.tenant_id, go_type: github.com/tenantc/tenantc/tenant.ID}]}}
`, ""},
		"tenantc's own type as a mapping": {`version: "2"
sql:
  - gen: {go: {overrides: [{column: events.tenant_id, go_type: {import: github.com/tenantc/tenantc/tenant, package: tenant, type: ID}}]}}
`, ""},
		"a pointer to tenantc's type": {`version: "2"
sql:
  - gen: {go: {overrides: [{column: events.tenant_id, go_type: {import: github.com/tenantc/tenantc/tenant, type: ID, pointer: true}}]}}
`, `sqlc.yaml:3:29: error: the override of column "events.tenant_id"`},
		"another column": {`version: "2"
sql:
  - gen: {go: {overrides: [{column: events.actor_id, go_type: string}, {db_type: uuid, go_type: string}]}}
`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			in := Input{Config: []byte(tc.yaml), ConfigName: "sqlc.yaml", Overrides: ours, TenantColumns: []string{"public.events.tenant_id"}, Blocks: []Block{{Index: 0}}}
			r, err := plan(in, t.TempDir())
			require.NoError(t, err)
			diags := checkOptions(in, r.tenantNodes, r.globalOverrides)
			if tc.want == "" {
				require.Empty(t, diags)
				return
			}
			require.Len(t, diags, 1)
			require.Contains(t, diags[0].String(), tc.want)
		})
	}
}

// TestCheckOptionsGlob: when tenantc types the tenant columns with one glob,
// a user override of any one of them with another type is still refused,
// and one of a column the glob does not stand for is not.
func TestCheckOptionsGlob(t *testing.T) {
	ours := []map[string]any{{"column": "public.*.tenant_id", "go_type": "github.com/tenantc/tenantc/tenant.ID"}}
	cols := []string{"public.events.tenant_id", "public.orders.tenant_id"}
	for config, want := range map[string]string{
		"version: '2'\nsql:\n  - gen: {go: {overrides: [{column: orders.tenant_id, go_type: string}]}}\n":                               `retypes the tenant column public.orders.tenant_id`,
		"version: '2'\nsql:\n  - gen: {go: {overrides: [{column: app.orders.tenant_id, go_type: string}]}}\n":                           "",
		"version: '2'\nsql:\n  - gen: {go: {overrides: [{column: orders.tenant_id, go_type: github.com/tenantc/tenantc/tenant.ID}]}}\n": "",
	} {
		in := Input{Config: []byte(config), ConfigName: "sqlc.yaml", Overrides: ours, TenantColumns: cols, Blocks: []Block{{Index: 0}}}
		r, err := plan(in, t.TempDir())
		require.NoError(t, err)
		diags := checkOptions(in, r.tenantNodes, r.globalOverrides)
		if want == "" {
			require.Empty(t, diags, config)
			continue
		}
		require.Len(t, diags, 1, config)
		require.Contains(t, diags[0].String(), want)
	}
}
