package sqlexpr

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNormalizeStored: what PostgreSQL prints for a stored expression
// normalizes to what the parser keeps for the expression as written.
func TestNormalizeStored(t *testing.T) {
	cases := []struct{ stored, written string }{
		{`(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS "nullif"))`,
			`tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)`},
		{`(NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid`, `NULLIF(current_setting('app.tenant_id', true), '')::uuid`},
		{`'{}'::jsonb`, `'{}'`},
		{`'{member}'::text[]`, `'{member}'`},
		{`'todo'::task_status`, `'todo'`},
		{`''::text`, `''`},
		{`1`, `1`},
		{`'10000000000'::bigint`, `10000000000`},
		{`'-1'::integer`, `-1`},
		{`1.5`, `1.5`},
		{`now()`, `now()`},
		{`CURRENT_TIMESTAMP`, `current_timestamp`},
		{`nextval('t_id_seq'::regclass)`, `nextval('t_id_seq'::regclass)`},
		{`(status = 'pending'::text)`, `status = 'pending'`},
		{`(status = ANY (ARRAY['a'::text, 'b'::text]))`, `status IN ('a', 'b')`},
		{`(status <> ALL (ARRAY['a'::text, 'b'::text]))`, `status NOT IN ('a', 'b')`},
		{`(name ~~ 'x%'::text)`, `name LIKE 'x%'`},
		{`(name ~~* 'x%'::text)`, `name ILIKE 'x%'`},
		{`(name !~~ 'x%'::text)`, `name NOT LIKE 'x%'`},
		{`((tenant_id)::text = current_setting('app.tenant_id'::text))`, `tenant_id::text = current_setting('app.tenant_id')`},
		{`(( SELECT count(*) AS count FROM t) > 0)`, `(SELECT count(*) FROM t) > 0`},
		{`(( SELECT t.x AS y FROM t) > 0)`, `(SELECT t.x AS y FROM t) > 0`},
		{`true`, `true`},
		{`NULL::uuid`, `NULL`},
	}
	for _, c := range cases {
		got, err := NormalizeStored(c.stored)
		require.NoError(t, err, c.stored)
		want, err := Normalize(c.written)
		require.NoError(t, err, c.written)
		assert.Equal(t, want, got, "stored %s", c.stored)
	}
	_, err := NormalizeStored("a, b")
	require.Error(t, err)
}
