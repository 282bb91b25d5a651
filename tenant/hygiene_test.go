package tenant_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// TestPoolHygiene hammers a small pool with both scoped paths, panics and
// cancellations mixed in, and checks that no call ever sees another
// tenant's row and that no pooled connection keeps a tenant afterwards.
func TestPoolHygiene(t *testing.T) {
	const (
		workers  = 64
		calls    = 10_000
		maxConns = 4
	)
	pdb := newDatabase(t)
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, maxConns, nil)
	db := tenant.NewDB(pool)
	fast := db.Scope().Querier()

	var (
		next                                      atomic.Int64
		fastCalls, runCalls, panics, cancels      atomic.Int64
		rowsSeen, foreignRows, cancelledErrs, bad atomic.Int64
		firstBad                                  atomic.Value
	)
	errPanic := errors.New("injected panic")
	// check reads the items through q and counts rows of another tenant.
	check := func(ctx context.Context, q tenant.Querier, want tenant.ID) error {
		rows, err := q.Query(ctx, "SELECT tenant_id::text FROM items")
		if err != nil {
			return err
		}
		for rows.Next() {
			var tid string
			if err := rows.Scan(&tid); err != nil {
				return err
			}
			rowsSeen.Add(1)
			if tid != string(want) {
				foreignRows.Add(1)
			}
		}
		return rows.Err()
	}

	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(uint64(w), 1))
		wg.Go(func() {
			for next.Add(1) <= calls {
				id := tenants[rng.IntN(len(tenants))]
				ctx, cancel := context.WithCancel(tenant.WithID(context.Background(), id))
				kind := rng.IntN(10)
				cancelInside := false
				if kind == 9 { // cancelled: before, at some moment during, or inside the call
					cancels.Add(1)
					switch rng.IntN(3) {
					case 0:
						cancel()
					case 1:
						time.AfterFunc(time.Duration(rng.IntN(3000))*time.Microsecond, cancel)
					case 2:
						cancelInside = true // Run's fn cancels between statements
					}
					kind = rng.IntN(9)
				}
				var err error
				switch {
				case kind < 4: // fast path
					fastCalls.Add(1)
					if cancelInside {
						time.AfterFunc(time.Duration(rng.IntN(100))*time.Microsecond, cancel)
					}
					err = check(ctx, fast, id)
				case kind < 8: // Run: read, write, read, roll back by error
					runCalls.Add(1)
					err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
						if err := check(ctx, s.Querier(), id); err != nil {
							return err
						}
						if cancelInside {
							cancel()
						}
						if _, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ('tmp')"); err != nil {
							return err
						}
						if err := check(ctx, s.Querier(), id); err != nil {
							return err
						}
						return errPanic // keeps the table as seeded
					})
					if errors.Is(err, errPanic) {
						err = nil
					}
				default: // Run that panics mid-transaction
					runCalls.Add(1)
					panics.Add(1)
					func() {
						defer func() {
							if r := recover(); r != nil && r != errPanic {
								panic(r)
							}
						}()
						err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
							if _, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ('tmp')"); err != nil {
								return err
							}
							if cancelInside {
								cancel()
							}
							panic(errPanic)
						})
					}()
				}
				cancelled := ctx.Err() != nil
				cancel()
				switch {
				case err == nil:
				case cancelled:
					cancelledErrs.Add(1) // expected: the call was cancelled
				default:
					bad.Add(1)
					firstBad.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()

	if e := firstBad.Load(); e != nil {
		t.Errorf("first unexpected error: %v", e)
	}
	assert.Zero(t, bad.Load(), "unexpected errors")
	assert.Zero(t, foreignRows.Load(), "rows of another tenant")
	assert.Greater(t, rowsSeen.Load(), int64(calls), "the calls did read rows")

	// Every pooled connection: no tenant left, and so no rows visible.
	ctx := context.Background()
	stat := pool.Stat()
	conns, err := pool.AcquireAllIdle(ctx), error(nil)
	require.NoError(t, err)
	require.NotEmpty(t, conns)
	assert.LessOrEqual(t, len(conns), maxConns)
	for _, c := range conns {
		var set *string
		var visible int
		require.NoError(t, c.QueryRow(ctx, "SELECT current_setting('app.tenant_id', true)").Scan(&set))
		require.NoError(t, c.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&visible))
		assert.True(t, set == nil || *set == "", "connection kept tenant %v", *set)
		assert.Zero(t, visible, "rows visible without a tenant")
		c.Release()
	}
	// Nothing written by the panicking or failing Runs was committed.
	var total int
	require.NoError(t, tenant.Run(tenant.WithID(ctx, tenantA), db, func(ctx context.Context, s *tenant.Scope) error {
		return s.Querier().QueryRow(ctx, "SELECT count(*) FROM items").Scan(&total)
	}))
	assert.Equal(t, itemsPerTenant, total)

	t.Logf("%d calls by %d goroutines over MaxConns %d: %d fast path, %d Run (%d panicking), %d with cancelled contexts (%d of them failed as cancelled)",
		calls, workers, maxConns, fastCalls.Load(), runCalls.Load(), panics.Load(), cancels.Load(), cancelledErrs.Load())
	t.Logf("rows read %d, rows of another tenant %d, unexpected errors %d", rowsSeen.Load(), foreignRows.Load(), bad.Load())
	t.Logf("pool: %d connections opened in all, %d idle at the end, all with app.tenant_id NULL or ''",
		stat.NewConnsCount(), len(conns))
}
