package tenancy_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// switchSchema has functions that switch the tenant in each way issue 8 names
// (item 7), one that reaches such a function through two calls, a cycle, and
// functions that only read settings or set others.
const switchSchema = `
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE FUNCTION use_tenant(t uuid) RETURNS text LANGUAGE sql AS $$ SELECT set_config('app.tenant_id', t::text, true) $$;
CREATE FUNCTION enter(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET LOCAL app.tenant_id = 'x'; END $$;
CREATE FUNCTION citus_enter(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE format('SET LOCAL app.tenant_id = %L', t); END $$;
CREATE FUNCTION set_any(n text, v text) RETURNS text LANGUAGE sql AS $$ SELECT set_config(n, v, true) $$;
CREATE FUNCTION as_tenant() RETURNS int LANGUAGE sql SET app.tenant_id = '00000000-0000-0000-0000-000000000001' AS $$ SELECT 1 $$;
CREATE FUNCTION helper(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM use_tenant(t); END $$;
CREATE FUNCTION outer_fn(t uuid) RETURNS void LANGUAGE sql AS $$ SELECT helper(t) $$;
CREATE FUNCTION ping(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN pong(n - 1); END $$;
CREATE FUNCTION pong(n int) RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN ping(n - 1); END $$;
CREATE FUNCTION current_tenant() RETURNS uuid LANGUAGE sql AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
CREATE FUNCTION short_timeout() RETURNS text LANGUAGE sql AS $$ SELECT set_config('statement_timeout', '5s', true) $$;
`

func switchModel(t *testing.T) (*tenancy.Model, diag.List) {
	t.Helper()
	cat, diags := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, switchSchema)})
	require.Empty(t, diags)
	return tenancy.Analyze(cat, tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id"})
}

// TestFunctionSetsTenant: each function that switches the tenant, directly or
// through calls, is reported at its CREATE FUNCTION; the others are not.
func TestFunctionSetsTenant(t *testing.T) {
	_, diags := switchModel(t)
	got := map[int]string{}
	for _, d := range diags {
		if d.Rule == "function-sets-tenant" {
			assert.Equal(t, diag.Error, d.Severity, "%v", d)
			assert.NotEmpty(t, d.Fix)
			got[d.Pos.Line] = d.Message
		}
	}
	want := map[int]string{
		4:  "function public.use_tenant switches the tenant: it calls set_config('app.tenant_id', …)",
		5:  "function public.enter switches the tenant: it runs SET LOCAL app.tenant_id",
		6:  "function public.citus_enter switches the tenant: it runs dynamic SQL (EXECUTE",
		7:  "function public.set_any switches the tenant: it calls set_config with a setting name computed at run time",
		8:  "function public.as_tenant switches the tenant: it is defined with SET app.tenant_id",
		9:  "function public.helper switches the tenant: it calls public.use_tenant, which calls set_config",
		10: "function public.outer_fn switches the tenant: it calls public.helper, which calls public.use_tenant, which calls set_config",
	}
	require.Len(t, got, len(want), "%v", got)
	for line, prefix := range want {
		assert.True(t, strings.HasPrefix(got[line], prefix), "line %d: %q", line, got[line])
	}
}

// TestQueryFunctionSetsTenant: a query calling such a function is reported at
// the call, whatever the function's schema qualification or nesting.
func TestQueryFunctionSetsTenant(t *testing.T) {
	m, _ := switchModel(t)
	for _, tc := range []struct {
		name, sql string
		want      []string
	}{
		{"select", "SELECT use_tenant($1)", []string{"query-function-sets-tenant"}},
		{"qualified, in a CTE", "WITH x AS (SELECT public.outer_fn($1)) SELECT * FROM tasks, x", []string{"query-function-sets-tenant"}},
		{"in a WHERE", "SELECT * FROM tasks WHERE set_any('app.tenant_id', $1) IS NOT NULL", []string{"query-function-sets-tenant"}},
		{"CALL", "CALL enter($1)", []string{"query-function-sets-tenant"}},
		{"other schema", "SELECT other.use_tenant($1)", nil},
		{"reads only", "SELECT * FROM tasks WHERE tenant_id = current_tenant()", nil},
		{"sets another setting", "SELECT short_timeout()", nil},
		{"cycle without a switch", "SELECT ping(3)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := readQuery(t, tc.sql)
			got := tenancy.CheckQueries(m, []*catalog.Query{q})
			assert.Equal(t, tc.want, rulesOf(got), "%v", got)
			for _, d := range got {
				assert.Equal(t, 2, d.Pos.Line, "%v", d) // at the call, below the annotation
				assert.Contains(t, d.Message, "switches the tenant")
			}
		})
	}
}
