package tenant

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
)

// The Citus half of Verify's judgement, which plain PostgreSQL cannot show
// end to end: its citus extension needs shared_preload_libraries. The facts
// verifySQL reads are tested on plain PostgreSQL below; the verdict on them
// here.

func TestSetterVerdict(t *testing.T) {
	sig := "public.tenantc_set_tenant(text, text)"
	good := setterFacts{signature: &sig, schema: "public", execute: true, usage: true, propagates: true}
	citus := func(f setterFacts) setterFacts { f.citus = true; return f }

	assert.Empty(t, setterFacts{}.setterErrors(DefaultSetting, ""), "plain PostgreSQL, set_config")
	assert.Empty(t, good.setterErrors(DefaultSetting, DefaultSetterFunction), "plain PostgreSQL, setter")
	assert.Empty(t, citus(good).setterErrors(DefaultSetting, DefaultSetterFunction), "Citus, setter")
	noProp := good
	noProp.propagates = false
	assert.Empty(t, noProp.setterErrors(DefaultSetting, DefaultSetterFunction), "plain PostgreSQL needs no propagation")

	errs := citus(setterFacts{}).setterErrors(DefaultSetting, "")
	require.Len(t, errs, 1)
	err := errors.Join(errs...)
	assert.ErrorIs(t, err, ErrCitusSetter)
	for _, want := range []string{"Citus", "set_config", "no rows", "distribute: citus", "tenant.WithSetterFunction(tenant.DefaultSetterFunction)"} {
		assert.ErrorContains(t, err, want)
	}

	errs = citus(noProp).setterErrors(DefaultSetting, DefaultSetterFunction)
	require.Len(t, errs, 1)
	assert.ErrorContains(t, errs[0], "setter function public.tenantc_set_tenant(text, text) never sets citus.propagate_set_commands")
	assert.NotErrorIs(t, errs[0], ErrCitusSetter)

	missing := citus(setterFacts{}).setterErrors(DefaultSetting, DefaultSetterFunction)
	require.Len(t, missing, 1, "a missing function is one error, not also a propagation one")
	assert.ErrorContains(t, missing[0], "does not exist")
}

// TestSetterFacts runs verifySQL on plain PostgreSQL and reads its setter
// columns: no citus, and whether a function propagates, found through its
// body or its SET clauses.
func TestSetterFacts(t *testing.T) {
	pdb := pgtest.NewDatabase(t)
	pdb.Exec(t, pdb.OwnerURL, `
CREATE FUNCTION public.tenantc_set_tenant(setting text, value text) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
	SET LOCAL citus.propagate_set_commands = 'local';
	EXECUTE format('SET LOCAL %s = %L', setting, value);
END $f$;
CREATE FUNCTION public.plain_setter(setting text, value text) RETURNS void LANGUAGE sql
	AS $f$ SELECT set_config(setting, value, true) $f$;`)
	// A SET clause of a placeholder setting takes a superuser (PostgreSQL 15).
	pdb.Exec(t, pdb.AdminURL, `CREATE FUNCTION public.clause_setter(setting text, value text) RETURNS void LANGUAGE sql
	SET citus.propagate_set_commands = 'local' AS $f$ SELECT set_config(setting, value, true) $f$;`)
	pdb.GrantApp(t)
	conn := pgtest.Connect(t, pdb.AppURL)
	facts := func(schema, function string) setterFacts {
		var f roleFacts
		var s setterFacts
		require.NoError(t, conn.QueryRow(context.Background(), verifySQL, PolicyName, DefaultSetting, schema, function).Scan(&f.role, &f.super, &f.bypass,
			&f.createRole, &f.replication, &f.bypassRoles, &f.serverRoles, &f.ownedTables, &f.otherSetting,
			&f.defaults, &f.connSetting, &s.citus, &s.signature, &s.schema, &s.execute, &s.usage, &s.propagates))
		return s
	}
	for _, c := range []struct {
		schema, function string
		propagates       bool
	}{
		{"public", "tenantc_set_tenant", true},
		{"", "tenantc_set_tenant", true},
		{"public", "plain_setter", false},
		{"public", "clause_setter", true},
	} {
		s := facts(c.schema, c.function)
		assert.False(t, s.citus)
		require.NotNil(t, s.signature, c.function)
		assert.Equal(t, "public."+c.function+"(text, text)", *s.signature)
		assert.Equal(t, "public", s.schema)
		assert.True(t, s.execute && s.usage)
		assert.Equal(t, c.propagates, s.propagates, c.function)
	}
	none := facts("", "")
	assert.Nil(t, none.signature)
	assert.False(t, none.execute || none.usage || none.propagates)
	assert.Nil(t, facts("other", "tenantc_set_tenant").signature)

	// The statement is the quoted name with typed parameters.
	assert.Equal(t, `SELECT "public"."tenantc_set_tenant"($1::text, $2::text)`, setterSQL(DefaultSetterFunction))
	assert.Equal(t, `SELECT "f"($1::text, $2::text)`, setterSQL("f"))
	var nilDB *DB
	assert.Empty(t, nilDB.SetterFunction())
}
