package parse

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// TestFunctionBodyAsInSchema: a function of the schema's SQL reads as
// sqlexpr.FunctionBody reads its definition (tenantc check reads a live
// function that way), for each kind of body; sqlexpr's tests say what each
// reads.
func TestFunctionBodyAsInSchema(t *testing.T) {
	for _, def := range []string{
		`CREATE FUNCTION f(t uuid) RETURNS text LANGUAGE sql AS 'SELECT pg_catalog.set_config(''app.tenant_id'', t::text, true)'`,
		`CREATE FUNCTION f(t uuid) RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT set_config('app.tenant_id', t::text, true); END`,
		`CREATE PROCEDURE p() LANGUAGE sql AS $$ RESET ALL $$`,
		`CREATE FUNCTION f() RETURNS int LANGUAGE sql SET app.tenant_id = 'x' AS $$ SELECT switch_tenant() $$`,
		`CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM app.enter(t); EXECUTE 'SET LOCAL app.tenant_id = ''x'''; EXECUTE format('SET LOCAL app.tenant_id = %L', t); END $$`,
		`CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'mylib', 'f'`,
	} {
		want, err := sqlexpr.FunctionBody(def)
		require.NoError(t, err, def)
		if !strings.Contains(def, "LANGUAGE c") {
			require.NotEmpty(t, want.Sets, def) // a test of something
		}
		cat := build(t, def)
		require.Len(t, cat.Functions, 1)
		assert.Equal(t, want, cat.Functions[0].Body, def)
	}
}

func TestAlterFunctionSetClause(t *testing.T) {
	cat := build(t, `CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
ALTER FUNCTION f() SET app.tenant_id = 'x';`)
	assert.Equal(t, []catalog.SettingChange{{Setting: "app.tenant_id", Via: "SET clause"}}, cat.Functions[0].Body.Sets)
	cat = build(t, `CREATE FUNCTION f() RETURNS int LANGUAGE sql SET app.tenant_id = 'x' AS $$ SELECT 1 $$;
ALTER FUNCTION f() RESET app.tenant_id;`)
	assert.Empty(t, cat.Functions[0].Body.Sets)
}

// TestFunctionBodyError: a body PostgreSQL would refuse is reported at its
// statement.
func TestFunctionBodyError(t *testing.T) {
	_, diags := run(`CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELEC 1 $$;`)
	require.Len(t, diags, 1)
	assert.Contains(t, diags[0].Message, "cannot read the body of function public.f")
	assert.Equal(t, 1, diags[0].Pos.Line)
}
