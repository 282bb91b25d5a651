package pgtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// Shape lists what a migration's down part must restore in schema public:
// every column (type, NOT NULL, default), constraint (with its referential
// actions), index, routine and the RLS flags of every table, one line each,
// sorted, so two shapes compare with require.Equal. Lines that mention one of
// except (a migration tool's bookkeeping table) are left out.
func Shape(t testing.TB, conn *pgx.Conn, except ...string) []string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `
SELECT x FROM (
    SELECT format('column %s.%s %s notnull=%s default=%s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid))
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT format('routine %s', oid::regprocedure) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
    UNION ALL SELECT format('rls %s %s %s', relname, relrowsecurity, relforcerowsecurity) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
) s(x) ORDER BY x`)
	require.NoError(t, err)
	all, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	var out []string
	for _, l := range all {
		if !slices.ContainsFunc(except, func(e string) bool { return strings.Contains(l, e) }) {
			out = append(out, l)
		}
	}
	return out
}

// Digests returns, for each table, a digest of all its rows as text: equal
// digests, equal data.
func Digests(t testing.TB, conn *pgx.Conn, tables ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range tables {
		var s string
		require.NoError(t, conn.QueryRow(t.Context(), fmt.Sprintf("SELECT md5(string_agg(r::text, ',' ORDER BY r::text)) FROM %s r", table)).Scan(&s))
		out[table] = s
	}
	return out
}

// KeyedInts runs query, whose rows are (key text, value bigint), and returns
// them as a map; a NULL value fails the test, naming its key.
func KeyedInts(t testing.TB, conn *pgx.Conn, query string) map[string]int64 {
	t.Helper()
	rows, err := conn.Query(t.Context(), query)
	require.NoError(t, err)
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v *int64
		require.NoError(t, rows.Scan(&k, &v))
		require.NotNil(t, v, "%s is NULL", k)
		out[k] = *v
	}
	require.NoError(t, rows.Err())
	return out
}
