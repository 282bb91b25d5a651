package tenant_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// newSQLDB opens a *sql.DB on pgx's stdlib driver over a pool of at most
// maxConns connections to connURL; c, if not nil, counts its round trips.
func newSQLDB(t testing.TB, connURL string, maxConns int32, c *counters) *sql.DB {
	t.Helper()
	db := stdlib.OpenDBFromPool(newPool(t, connURL, pgx.QueryExecModeCacheStatement, maxConns, c))
	t.Cleanup(func() { db.Close() })
	return db
}

// sqlBodies reads the items through q, failing the test on a row of
// another tenant than want.
func sqlBodies(t testing.TB, ctx context.Context, q tenant.SQLQuerier, want tenant.ID) []string {
	t.Helper()
	rows, err := q.QueryContext(ctx, "SELECT tenant_id, body FROM items ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var tid tenant.ID // scanned as sqlc's database/sql code scans a tenant column
		var body string
		require.NoError(t, rows.Scan(&tid, &body))
		require.Equal(t, want, tid, "a row of another tenant")
		out = append(out, body)
	}
	require.NoError(t, rows.Err())
	return out
}

// TestRunSQLIsolates: in RunSQL each tenant sees its own rows only, and a
// hostile tenant can neither read, change, delete nor write another's,
// whatever its SQL says.
func TestRunSQLIsolates(t *testing.T) {
	pdb := newDatabase(t)
	sdb := newSQLDB(t, pdb.AppURL, 2, nil)
	db := tenant.NewSQLDB(sdb)
	for _, id := range tenants {
		err := tenant.RunSQL(tenant.WithID(context.Background(), id), db, func(ctx context.Context, s *tenant.SQLScope) error {
			got := sqlBodies(t, ctx, s.Querier(), id)
			assert.Len(t, got, itemsPerTenant)
			sid, err := s.TenantID(ctx)
			assert.NoError(t, err)
			assert.Equal(t, id, sid)
			return nil
		})
		require.NoError(t, err)
	}

	// B is hostile: it names A's rows outright.
	err := tenant.RunSQL(tenant.WithID(context.Background(), tenantB), db, func(ctx context.Context, s *tenant.SQLScope) error {
		q := s.Querier()
		var n int
		require.NoError(t, q.QueryRowContext(ctx, "SELECT count(*) FROM items WHERE tenant_id = $1", tenantA).Scan(&n))
		assert.Zero(t, n, "B counts A's rows")
		res, err := q.ExecContext(ctx, "UPDATE items SET body = 'stolen' WHERE tenant_id = $1", tenantA)
		require.NoError(t, err)
		affected, err := res.RowsAffected()
		require.NoError(t, err)
		assert.Zero(t, affected, "B updates A's rows")
		res, err = q.ExecContext(ctx, "DELETE FROM items WHERE tenant_id <> $1", tenantB)
		require.NoError(t, err)
		affected, err = res.RowsAffected()
		require.NoError(t, err)
		assert.Zero(t, affected, "B deletes others' rows")
		// The tenant row of A is protected too.
		assert.ErrorIs(t, q.QueryRowContext(ctx, "SELECT name FROM tenants WHERE id = $1", tenantA).Scan(new(string)), sql.ErrNoRows)
		return nil
	})
	require.NoError(t, err)
	err = tenant.RunSQL(tenant.WithID(context.Background(), tenantB), db, func(ctx context.Context, s *tenant.SQLScope) error {
		_, err := s.Querier().ExecContext(ctx, "INSERT INTO items (tenant_id, body) VALUES ($1, 'planted')", tenantA)
		return err
	})
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr, "B writes a row of A")
	assert.Equal(t, "42501", pgErr.Code)

	admin := pgtestConnect(t, pdb.AdminURL)
	var stolen, planted, count int
	require.NoError(t, admin.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE body = 'stolen'),
		count(*) FILTER (WHERE body = 'planted'), count(*) FROM items`).Scan(&stolen, &planted, &count))
	assert.Zero(t, stolen)
	assert.Zero(t, planted)
	assert.Equal(t, itemsPerTenant*len(tenants), count)
}

// pgtestConnect opens a pgx connection closed when the test ends.
func pgtestConnect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestRunSQLFailsClosed: no tenant, a nil SQLDB or SQLScope, a scope used
// after RunSQL, a context naming another tenant: an error every time, and
// the first two send nothing.
func TestRunSQLFailsClosed(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	sdb := newSQLDB(t, pdb.AppURL, 1, &c)
	db := tenant.NewSQLDB(sdb)
	called := false
	fn := func(context.Context, *tenant.SQLScope) error { called = true; return nil }

	t.Run("no tenant", func(t *testing.T) {
		for _, ctx := range []context.Context{context.Background(), tenant.WithID(context.Background(), "")} {
			assert.ErrorIs(t, tenant.RunSQL(ctx, db, fn), tenant.ErrNoTenant)
		}
		assert.ErrorIs(t, tenant.RunSQL(tenant.WithID(context.Background(), "AAAAAAAA-0000-4000-8000-000000000001"), db, fn), tenant.ErrInvalidID)
		assert.False(t, called)
		assert.Zero(t, c.trips.Load(), "round trips")
	})
	t.Run("nil SQLDB and SQLScope", func(t *testing.T) {
		ctx := tenant.WithID(context.Background(), tenantA)
		assert.Error(t, tenant.RunSQL(ctx, nil, fn))
		assert.Error(t, tenant.RunSQL(ctx, tenant.NewSQLDB(nil), fn))
		assert.Error(t, tenant.RunSQL(ctx, db, nil))
		var s *tenant.SQLScope
		q := s.Querier()
		_, err := q.ExecContext(ctx, "DELETE FROM items")
		assert.ErrorContains(t, err, "nil *SQLScope")
		_, err = q.QueryContext(ctx, "SELECT 1")
		assert.ErrorContains(t, err, "nil *SQLScope")
		_, err = q.PrepareContext(ctx, "SELECT 1")
		assert.ErrorContains(t, err, "nil *SQLScope")
		assert.ErrorContains(t, q.QueryRowContext(ctx, "SELECT 1").Scan(new(int)), "nil *SQLScope")
		_, err = s.TenantID(ctx)
		assert.ErrorContains(t, err, "nil *SQLScope")
		assert.False(t, called)
		assert.Zero(t, c.trips.Load(), "round trips")
	})
	t.Run("scope used after RunSQL", func(t *testing.T) {
		ctx := tenant.WithID(context.Background(), tenantA)
		var leaked *tenant.SQLScope
		require.NoError(t, tenant.RunSQL(ctx, db, func(_ context.Context, s *tenant.SQLScope) error { leaked = s; return nil }))
		q := leaked.Querier()
		_, err := q.ExecContext(ctx, "DELETE FROM items")
		assert.ErrorIs(t, err, tenant.ErrScopeClosed)
		_, err = q.QueryContext(ctx, "SELECT 1")
		assert.ErrorIs(t, err, tenant.ErrScopeClosed)
		_, err = q.PrepareContext(ctx, "SELECT 1")
		assert.ErrorIs(t, err, tenant.ErrScopeClosed)
		assert.ErrorIs(t, q.QueryRowContext(ctx, "SELECT 1").Scan(new(int)), tenant.ErrScopeClosed)
		_, err = leaked.TenantID(ctx)
		assert.ErrorIs(t, err, tenant.ErrScopeClosed)
	})
	t.Run("context of another tenant", func(t *testing.T) {
		err := tenant.RunSQL(tenant.WithID(context.Background(), tenantA), db, func(ctx context.Context, s *tenant.SQLScope) error {
			other := tenant.WithID(ctx, tenantB)
			_, err := s.Querier().ExecContext(other, "DELETE FROM items")
			assert.ErrorIs(t, err, tenant.ErrTenantMismatch)
			assert.ErrorIs(t, s.Querier().QueryRowContext(other, "SELECT 1").Scan(new(int)), tenant.ErrTenantMismatch)
			return nil
		})
		require.NoError(t, err)
	})
}

// TestRunSQLTransaction: RunSQL commits on nil, rolls back on an error, a
// panic and a swallowed failed statement, and leaves no tenant on the
// connection.
func TestRunSQLTransaction(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	sdb := newSQLDB(t, pdb.AppURL, 1, &c)
	db := tenant.NewSQLDB(sdb)
	ctx := tenant.WithID(context.Background(), tenantC)
	insert := func(body string) func(context.Context, *tenant.SQLScope) error {
		return func(ctx context.Context, s *tenant.SQLScope) error {
			_, err := s.Querier().ExecContext(ctx, "INSERT INTO items (body) VALUES ($1)", body)
			return err
		}
	}
	bodiesOfC := func() []string {
		var out []string
		require.NoError(t, tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
			out = sqlBodies(t, ctx, s.Querier(), tenantC)
			return nil
		}))
		return out
	}
	require.NoError(t, tenant.RunSQL(ctx, db, insert("committed")))
	errFn := errors.New("fn failed")
	err := tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
		require.NoError(t, insert("rolled back")(ctx, s))
		return errFn
	})
	assert.ErrorIs(t, err, errFn)
	assert.Panics(t, func() {
		_ = tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
			require.NoError(t, insert("panicked")(ctx, s))
			panic("boom")
		})
	})
	err = tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
		require.NoError(t, insert("swallowed")(ctx, s))
		_, err := s.Querier().ExecContext(ctx, "INSERT INTO items (tenant_id, body) VALUES ($1, 'x')", tenantA)
		assert.Error(t, err)
		return nil // swallowed: COMMIT must not commit "swallowed"
	})
	assert.ErrorIs(t, err, pgx.ErrTxCommitRollback)
	want := []string{}
	for n := range itemsPerTenant {
		want = append(want, fmt.Sprintf("%s#%d", tenantC, n))
	}
	assert.Equal(t, append(want, "committed"), bodiesOfC())

	// One connection: whatever RunSQL ran on it, a fresh statement finds the
	// setting unset.
	var s sql.NullString
	require.NoError(t, sdb.QueryRowContext(context.Background(), "SELECT current_setting('app.tenant_id', true)").Scan(&s))
	assert.Empty(t, s.String, "the connection keeps a tenant")
}

// TestRunSQLRoundTrips: one statement in RunSQL costs four round trips on
// the wire (BEGIN, set_config, the statement, COMMIT), one per statement.
func TestRunSQLRoundTrips(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	db := tenant.NewSQLDB(newSQLDB(t, pdb.AppURL, 1, &c))
	ctx := tenant.WithID(context.Background(), tenantA)
	run := func(statements int) int64 {
		fn := func(ctx context.Context, s *tenant.SQLScope) error {
			for range statements {
				sqlBodies(t, ctx, s.Querier(), tenantA)
			}
			return nil
		}
		require.NoError(t, tenant.RunSQL(ctx, db, fn)) // warm-up: connect, fill the caches
		c.reset()
		require.NoError(t, tenant.RunSQL(ctx, db, fn))
		return c.trips.Load()
	}
	one, three := run(1), run(3)
	t.Logf("RunSQL: one statement %d round trips, three %d", one, three)
	assert.EqualValues(t, 4, one)
	assert.EqualValues(t, 6, three)
}

// TestVerifySQL: VerifySQL judges the role as Verify does.
func TestVerifySQL(t *testing.T) {
	pdb := newDatabase(t)
	bypassURL := newRole(t, pdb, "sqlbypass", "BYPASSRLS")
	ctx := context.Background()
	assert.NoError(t, tenant.VerifySQL(ctx, tenant.NewSQLDB(newSQLDB(t, pdb.AppURL, 1, nil))))
	err := tenant.VerifySQL(ctx, tenant.NewSQLDB(newSQLDB(t, bypassURL, 1, nil)))
	assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
	assert.ErrorContains(t, err, "it has BYPASSRLS")
	err = tenant.VerifySQL(ctx, tenant.NewSQLDB(newSQLDB(t, pdb.OwnerURL, 1, nil)))
	assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
	assert.Error(t, tenant.VerifySQL(ctx, nil))
}

// TestIDScan: a tenant key of any type scans into a tenant.ID through
// database/sql on pgx's stdlib driver, and through pgx itself, as the text
// PostgreSQL writes; NULL is an error.
func TestIDScan(t *testing.T) {
	pdb := newDatabase(t)
	sdb := newSQLDB(t, pdb.AppURL, 1, nil)
	conn := pgtestConnect(t, pdb.AppURL)
	ctx := context.Background()
	for query, want := range map[string]tenant.ID{
		"SELECT 42::bigint":  "42",
		"SELECT -7::integer": "-7",
		"SELECT 'AAAAAAAA-0000-4000-8000-000000000001'::uuid": "aaaaaaaa-0000-4000-8000-000000000001",
		"SELECT 'acme'::text": "acme",
	} {
		var viaSQL, viaPgx tenant.ID
		require.NoError(t, sdb.QueryRowContext(ctx, query).Scan(&viaSQL), query)
		require.NoError(t, conn.QueryRow(ctx, query).Scan(&viaPgx), query)
		assert.Equal(t, want, viaSQL, query)
		assert.Equal(t, want, viaPgx, query)
	}
	var id tenant.ID
	assert.ErrorContains(t, sdb.QueryRowContext(ctx, "SELECT NULL::bigint").Scan(&id), "NULL")
	assert.Error(t, conn.QueryRow(ctx, "SELECT NULL::uuid").Scan(&id))
}
