package sqlexpr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// TestFunctionBodySettings: every way a function body in SQL or PL/pgSQL
// changes a setting is read (issue 8, item 7). The parse stage reads the
// schema's functions with the same code (parse's TestFunctionBodyAsInSchema).
func TestFunctionBodySettings(t *testing.T) {
	tenant := func(via string) []catalog.SettingChange {
		return []catalog.SettingChange{{Setting: "app.tenant_id", Via: via}}
	}
	computed := func(via string) []catalog.SettingChange { return []catalog.SettingChange{{Via: via}} }
	for _, tc := range []struct {
		name, def string
		want      []catalog.SettingChange
	}{
		{"sql set_config", `CREATE FUNCTION f(t uuid) RETURNS text LANGUAGE sql AS $$ SELECT set_config('app.tenant_id', t::text, true) $$`, tenant("set_config")},
		{"sql set_config in pg_catalog, quoted body", `CREATE FUNCTION f(t uuid) RETURNS text LANGUAGE sql AS 'SELECT pg_catalog.set_config(''app.tenant_id'', t::text, true)'`, tenant("set_config")},
		{"sql computed name", `CREATE FUNCTION f(n text, v text) RETURNS text LANGUAGE sql AS $$ SELECT set_config(n, v, true) $$`, computed("set_config")},
		{"sql SET LOCAL", `CREATE PROCEDURE p() LANGUAGE sql AS $$ SET LOCAL app.tenant_id = '00000000-0000-0000-0000-000000000001' $$`, tenant("SET LOCAL")},
		{"sql standard body", `CREATE FUNCTION f(t uuid) RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT set_config('app.tenant_id', t::text, true); END`, tenant("set_config")},
		{"sql RESET ALL", `CREATE PROCEDURE p() LANGUAGE sql AS $$ RESET ALL $$`, computed("RESET ALL")},
		{"sql update of pg_settings", `CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ UPDATE pg_settings SET setting = 'x' WHERE name = 'app.tenant_id' $$`, computed("UPDATE pg_settings")},
		{"SET clause", `CREATE FUNCTION f() RETURNS int LANGUAGE sql SET app.tenant_id = '00000000-0000-0000-0000-000000000001' AS $$ SELECT 1 $$`, tenant("SET clause")},
		{"SET clause as pg_get_functiondef prints it", "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\n SET \"app.tenant_id\" TO '00000000-0000-0000-0000-000000000001'\nAS $function$ SELECT 1 $function$\n", tenant("SET clause")},
		{"search_path clause is no change", `CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = pg_catalog AS $$ SELECT 1 $$`, nil},
		{"plpgsql PERFORM", `CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('app.tenant_id', t::text, true); END $$`, tenant("set_config")},
		{"plpgsql assignment", `CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$ DECLARE v text; BEGIN v := set_config('app.tenant_id', t::text, true); END $$`, tenant("set_config")},
		{"plpgsql IF condition", `CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF set_config('app.tenant_id', t::text, true) IS NULL THEN RETURN; END IF; END $$`, tenant("set_config")},
		{"plpgsql SET LOCAL", `CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN SET LOCAL app.tenant_id = 'x'; END $$`, tenant("SET LOCAL")},
		{"plpgsql RESET", `CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN RESET app.tenant_id; END $$`, tenant("RESET")},
		{"plpgsql EXECUTE of a constant", `CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SET LOCAL app.tenant_id = ''x'''; END $$`, tenant("SET LOCAL")},
		{"plpgsql EXECUTE format (Citus' SET LOCAL)", `CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE format('SET LOCAL app.tenant_id = %L', t); END $$`, computed("EXECUTE")},
		{"plpgsql FOR IN EXECUTE", `CREATE FUNCTION f(q text) RETURNS void LANGUAGE plpgsql AS $$ DECLARE r record; BEGIN FOR r IN EXECUTE q LOOP END LOOP; END $$`, computed("EXECUTE")},
		{"plpgsql trigger function", `CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('app.tenant_id', NEW.tenant_id::text, true); RETURN NEW; END $$`, tenant("set_config")},
		{"plpgsql reading the setting changes nothing", `CREATE FUNCTION f() RETURNS uuid LANGUAGE plpgsql AS $$ BEGIN RETURN NULLIF(current_setting('app.tenant_id', true), '')::uuid; END $$`, nil},
		{"C functions are not read", `CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'mylib', 'f'`, nil},
		{"other languages are not read", `CREATE FUNCTION f() RETURNS void LANGUAGE plpython3u AS $$ plpy.execute("SELECT set_config('app.tenant_id', 'x', true)") $$`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := FunctionBody(tc.def)
			require.NoError(t, err)
			assert.Equal(t, tc.want, body.Sets)
		})
	}
}

func TestFunctionBodyCalls(t *testing.T) {
	body, err := FunctionBody(`CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM switch_tenant(t);
	CALL app.enter(t);
	IF public.switch_tenant(t) THEN RETURN; END IF;
END $$`)
	require.NoError(t, err)
	assert.Equal(t, []catalog.Name{{Name: "switch_tenant"}, {Schema: "app", Name: "enter"}, {Schema: "public", Name: "switch_tenant"}}, body.Calls)
}

func TestFunctionBodyErrors(t *testing.T) {
	_, err := FunctionBody("SELECT 1")
	assert.Error(t, err)
	_, err = FunctionBody(`CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF x THEN END $$`)
	assert.Error(t, err)
	_, err = FunctionBody(`CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELEC 1 $$`)
	assert.Error(t, err)
}

// FuzzFunctionBody: any text gives a body or an error, never a panic.
func FuzzFunctionBody(f *testing.F) {
	for _, s := range []string{
		`CREATE FUNCTION f(t uuid) RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('app.tenant_id', t::text, true); EXECUTE 'x' || t; END $$`,
		`CREATE FUNCTION f() RETURNS int LANGUAGE sql SET app.tenant_id = 'x' AS 'SELECT 1'`,
		`CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC SELECT set_config('a', 'b', true); END`,
		`CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE v text; BEGIN v := 1; FOR r IN EXECUTE v LOOP END LOOP; RETURN NEW; END $$`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, def string) {
		_, _ = FunctionBody(def)
	})
}
