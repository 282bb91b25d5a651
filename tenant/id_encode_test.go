package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// An ID bound to a uuid or integer parameter is encoded in binary by pgx's
// own codecs, to the same value the server reads from its text, and one that
// is no uuid or integer fails before it is sent, "" included.
func TestIDEncodesInBinary(t *testing.T) {
	m := pgtype.NewMap()
	buf, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, tenantA, nil)
	require.NoError(t, err)
	want := [16]byte{0xaa, 0xaa, 0xaa, 0xaa, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}
	require.Equal(t, want[:], buf)
	for _, form := range []tenant.ID{"AAAAAAAA-0000-4000-8000-000000000001", "{aaaaaaaa000040008000000000000001}"} {
		buf, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, form, nil)
		require.NoError(t, err, form)
		require.Equal(t, want[:], buf, form)
	}
	buf, err = m.Encode(pgtype.Int8OID, pgtype.BinaryFormatCode, tenant.ID("-42"), nil)
	require.NoError(t, err)
	require.Equal(t, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xd6}, buf)
	buf, err = m.Encode(pgtype.TextOID, pgtype.TextFormatCode, tenant.ID("acme"), nil)
	require.NoError(t, err)
	require.Equal(t, "acme", string(buf), "a text key is sent as it is")

	for _, bad := range []tenant.ID{"", "acme", "aaaaaaaa-0000-4000-8000-00000000000", "aaaaaaaa-0000-4000-8000-0000000000011"} {
		_, err := m.Encode(pgtype.UUIDOID, pgtype.BinaryFormatCode, bad, nil)
		require.ErrorContains(t, err, "is not a uuid", "%q", bad)
		require.ErrorIs(t, err, tenant.ErrKeyType)
	}
	for _, bad := range []tenant.ID{"", "4x", "99999999999999999999", tenantA} {
		_, err := m.Encode(pgtype.Int8OID, pgtype.BinaryFormatCode, bad, nil)
		require.ErrorContains(t, err, "is not a 64-bit integer", "%q", bad)
	}
}

// On a real server, in every exec mode: the uuid tenant of a scoped query
// finds its own rows through the binary parameter; an integer and a text
// parameter read the ID as before; an ID that is no uuid is refused.
func TestIDParametersOnServer(t *testing.T) {
	db := newDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		ctx := context.Background()
		pool := newPool(t, db.AdminURL, mode, 1, nil)
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM items WHERE tenant_id = $1", tenantB).Scan(&n))
		require.Equal(t, itemsPerTenant, n)
		var i8 int64
		var i4 int32
		var text string
		require.NoError(t, pool.QueryRow(ctx, "SELECT $1::bigint, $2::int4, $3::text", tenant.ID("42"), tenant.ID("-7"), tenant.ID("acme")).
			Scan(&i8, &i4, &text))
		require.Equal(t, []any{int64(42), int32(-7), "acme"}, []any{i8, i4, text})
		err := pool.QueryRow(ctx, "SELECT count(*) FROM items WHERE tenant_id = $1", tenant.ID("acme")).Scan(&n)
		// Refused by pgx where it knows the parameter's type (the prepared
		// modes), by the server where it sends text (exec, simple protocol).
		var pgErr *pgconn.PgError
		if !errors.Is(err, tenant.ErrKeyType) {
			require.ErrorAs(t, err, &pgErr, "a text that is no uuid must not match a uuid tenant")
			require.Equal(t, "22P02", pgErr.Code)
		}
	})
}
