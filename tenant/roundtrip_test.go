package tenant_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// TestRoundTrips counts round trips on the wire (see internal/roundtrip) for one
// statement sent four ways, in every exec mode, after a warm-up that fills
// pgx's statement caches.
func TestRoundTrips(t *testing.T) {
	pdb := newDatabase(t)
	const query = "SELECT body FROM items ORDER BY id"
	const plain = "SELECT body FROM plain_items WHERE tenant_id = $1 ORDER BY id"
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		var c counters
		pool := newPool(t, pdb.AppURL, mode, 1, &c)
		db := tenant.NewDB(pool)
		ctx := tenant.WithID(context.Background(), tenantA)
		collect := func(rows pgx.Rows, err error) error {
			if err != nil {
				return err
			}
			_, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		}
		ways := []struct {
			name string
			run  func() error
		}{
			{"bare query, no tenant (baseline)", func() error {
				return collect(pool.Query(ctx, plain, string(tenantA)))
			}},
			{"fast path", func() error {
				return collect(db.Scope().Querier().Query(ctx, query))
			}},
			{"Run, one statement", func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					return collect(s.Querier().Query(ctx, query))
				})
			}},
			{"pgx.Tx: BEGIN, set_config, query, COMMIT", func() error {
				return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", string(tenantA)); err != nil {
						return err
					}
					return collect(tx.Query(ctx, query))
				})
			}},
		}
		trips := map[string]int64{}
		for _, w := range ways {
			require.NoError(t, w.run()) // warm-up: connect, fill the caches
			require.NoError(t, w.run())
			c.reset()
			require.NoError(t, w.run())
			trips[w.name] = c.trips.Load()
			t.Logf("%-42s %d round trips", w.name, trips[w.name])
		}
		bare := trips[ways[0].name]
		fast := trips[ways[1].name]
		run := trips[ways[2].name]
		// The fast path costs what the bare statement costs: set_config rides along.
		assert.Equal(t, bare, fast)
		// Run adds COMMIT only: BEGIN and set_config ride with the statement.
		assert.Equal(t, fast+1, run)
		if mode != pgx.QueryExecModeDescribeExec {
			// DescribeExec describes every statement before running it,
			// the bare one included: two trips for anything.
			assert.EqualValues(t, 1, fast)
			assert.EqualValues(t, 2, run)
			assert.EqualValues(t, 4, trips[ways[3].name])
		}
	})
}

// TestFailClosed: without a tenant nothing is acquired and nothing is sent.
func TestFailClosed(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 4, &c)
	db := tenant.NewDB(pool)
	q := db.Scope().Querier()
	called := false
	fn := func(context.Context, *tenant.Scope) error { called = true; return nil }

	for name, ctx := range map[string]context.Context{
		"no tenant":               context.Background(),
		"zero ID":                 tenant.WithID(context.Background(), ""),
		"zero ID over a real one": tenant.WithID(tenant.WithID(context.Background(), tenantA), ""),
	} {
		t.Run(name, func(t *testing.T) {
			_, ok := tenant.IDFrom(ctx)
			assert.False(t, ok)
			assert.ErrorIs(t, tenant.Run(ctx, db, fn), tenant.ErrNoTenant)
			assert.False(t, called)
			_, err := q.Exec(ctx, "DELETE FROM items")
			assert.ErrorIs(t, err, tenant.ErrNoTenant)
			rows, err := q.Query(ctx, "SELECT 1")
			assert.ErrorIs(t, err, tenant.ErrNoTenant)
			assert.False(t, rows.Next())
			assert.ErrorIs(t, rows.Err(), tenant.ErrNoTenant)
			rows.Close()
			assert.ErrorIs(t, q.QueryRow(ctx, "SELECT 1").Scan(new(int)), tenant.ErrNoTenant)
			_, err = db.Scope().TenantID(ctx)
			assert.ErrorIs(t, err, tenant.ErrNoTenant)
		})
	}
	assert.Zero(t, c.statements.Load(), "statements sent")
	assert.Zero(t, c.trips.Load(), "round trips")
	assert.Zero(t, pool.Stat().AcquireCount(), "connections acquired")
	assert.Zero(t, pool.Stat().TotalConns(), "connections opened")
}

// TestMisuse: nil and zero values return errors, never panic.
func TestMisuse(t *testing.T) {
	ctx := tenant.WithID(context.Background(), tenantA)
	fn := func(context.Context, *tenant.Scope) error { return nil }
	var nilDB *tenant.DB
	var nilScope *tenant.Scope
	var nilSys *tenant.SystemDB

	assert.Error(t, tenant.Run(ctx, nil, fn))
	assert.Error(t, tenant.Run(ctx, &tenant.DB{}, fn))
	assert.Error(t, tenant.Run(ctx, tenant.NewDB(nil), fn))
	assert.Error(t, tenant.Verify(ctx, nil))
	assert.Error(t, tenant.System(ctx, nilSys, fn))
	assert.Error(t, tenant.System(ctx, &tenant.SystemDB{}, fn))
	assert.Error(t, tenant.System(ctx, tenant.NewSystemDB(nil), fn))
	for _, s := range []*tenant.Scope{nilScope, {}, nilDB.Scope(), (&tenant.DB{}).Scope(), tenant.NewDB(nil).Scope()} {
		_, err := s.Querier().Exec(ctx, "SELECT 1")
		assert.Error(t, err)
		rows, err := s.Querier().Query(ctx, "SELECT 1")
		assert.Error(t, err)
		rows.Close()
		assert.Error(t, s.Querier().QueryRow(ctx, "SELECT 1").Scan(new(int)))
		_, err = s.TenantID(ctx)
		assert.Error(t, err)
	}
	//lint:ignore SA1012 a nil context is misuse too, and IDFrom must survive it
	_, ok := tenant.IDFrom(nil)
	assert.False(t, ok)

	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none") // never dialled
	require.NoError(t, err)
	defer pool.Close()
	assert.Error(t, tenant.Run(ctx, tenant.NewDB(pool), nil))
	assert.Error(t, tenant.System(ctx, tenant.NewSystemDB(pool), nil), "nil fn or unreachable server")
}

func TestWithSetting(t *testing.T) {
	for name, valid := range map[string]bool{
		"app.tenant_id": true, "app.org_id": true, "my_app.tenant.id": true, "a.b": true, "x1._y": true,
		"": false, "tenant_id": false, "app.": false, ".x": false, "app..x": false, "App.tenant_id": false,
		"app.tenant-id": false, "app.tenant id": false, "1app.x": false, "app.1x": false, "app.x'; --": false,
	} {
		pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none")
		require.NoError(t, err)
		err = tenant.Verify(context.Background(), tenant.NewDB(pool, tenant.WithSetting(name)))
		pool.Close()
		if valid {
			assert.NotContains(t, err.Error(), "invalid setting name", name) // fails later, dialling
		} else {
			assert.ErrorContains(t, err, "invalid setting name", name)
		}
	}
}

func TestContext(t *testing.T) {
	ctx := tenant.WithID(context.Background(), tenantA)
	id, ok := tenant.IDFrom(ctx)
	assert.True(t, ok)
	assert.Equal(t, tenantA, id)
	id, ok = tenant.IDFrom(tenant.WithID(ctx, tenantB))
	assert.True(t, ok)
	assert.Equal(t, tenantB, id)
	_, ok = tenant.IDFrom(context.Background())
	assert.False(t, ok)
	assert.True(t, tenant.SupportPackageIsVersion1)
}
