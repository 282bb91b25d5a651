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

// TestRunSQLPoolHygiene is TestPoolHygiene for the database/sql flavour:
// goroutines share a small *sql.DB on pgx's stdlib driver, each RunSQL for
// a random tenant, some failing, panicking or cancelled mid-transaction.
// No call sees another tenant's row, nothing they wrote is committed, and
// no pooled connection keeps a tenant afterwards.
func TestRunSQLPoolHygiene(t *testing.T) {
	const (
		workers  = 16
		calls    = 2_000
		maxConns = 3
	)
	pdb := newDatabase(t)
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, maxConns, nil)
	sdb := newSQLDB(t, pdb.AppURL, maxConns, nil)
	db := tenant.NewSQLDB(sdb)

	var (
		next                              atomic.Int64
		rowsSeen, foreignRows, bad, fails atomic.Int64
		firstBad                          atomic.Value
	)
	errPanic := errors.New("injected panic")
	errFail := errors.New("injected failure")
	check := func(ctx context.Context, s *tenant.SQLScope, want tenant.ID) error {
		rows, err := s.Querier().QueryContext(ctx, "SELECT tenant_id FROM items")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var tid tenant.ID
			if err := rows.Scan(&tid); err != nil {
				return err
			}
			rowsSeen.Add(1)
			if tid != want {
				foreignRows.Add(1)
			}
		}
		return rows.Err()
	}
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(uint64(w), 2))
		wg.Go(func() {
			for next.Add(1) <= calls {
				id := tenants[rng.IntN(len(tenants))]
				ctx, cancel := context.WithCancel(tenant.WithID(context.Background(), id))
				kind := rng.IntN(10)
				if kind == 9 {
					time.AfterFunc(time.Duration(rng.IntN(2000))*time.Microsecond, cancel)
					kind = rng.IntN(9)
				}
				var err error
				panicked := false
				func() {
					defer func() {
						if r := recover(); r != nil {
							if r != errPanic {
								panic(r)
							}
							panicked = true
						}
					}()
					err = tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
						if err := check(ctx, s, id); err != nil {
							return err
						}
						if _, err := s.Querier().ExecContext(ctx, "INSERT INTO items (body) VALUES ('tmp')"); err != nil {
							return err
						}
						if err := check(ctx, s, id); err != nil {
							return err
						}
						switch {
						case kind < 6:
							return errFail
						case kind < 8:
							panic(errPanic)
						}
						// swallowed failure: COMMIT rolls back
						_, err := s.Querier().ExecContext(ctx, "INSERT INTO items (tenant_id, body) VALUES ($1, 'x')", tenants[(rng.IntN(3)+1+indexOf(id))%len(tenants)])
						if err == nil {
							return errors.New("a write as another tenant succeeded")
						}
						return nil
					})
				}()
				cancelled := ctx.Err() != nil
				cancel()
				switch {
				case kind < 6 && errors.Is(err, errFail),
					kind < 8 && kind >= 6 && panicked, // RunSQL rolled back and panicked on
					kind == 8 && errors.Is(err, pgx.ErrTxCommitRollback):
					fails.Add(1)
				case err != nil && cancelled:
				default:
					bad.Add(1)
					firstBad.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if e := firstBad.Load(); e != nil {
		t.Errorf("first unexpected result: %v", e)
	}
	assert.Zero(t, bad.Load(), "unexpected results")
	assert.Zero(t, foreignRows.Load(), "rows of another tenant")
	assert.Greater(t, rowsSeen.Load(), int64(calls), "the calls did read rows")

	// Every connection of the *sql.DB: no tenant left, no rows visible.
	ctx := context.Background()
	var conns []interface{ Close() error }
	for range maxConns {
		c, err := sdb.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
		var set *string
		var visible int
		require.NoError(t, c.QueryRowContext(ctx, "SELECT current_setting('app.tenant_id', true)").Scan(&set))
		require.NoError(t, c.QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(&visible))
		assert.True(t, set == nil || *set == "", "a connection kept tenant %v", set)
		assert.Zero(t, visible, "rows visible without a tenant")
	}
	for _, c := range conns {
		c.Close()
	}
	var total int
	require.NoError(t, tenant.Run(tenant.WithID(ctx, tenantA), tenant.NewDB(pool), func(ctx context.Context, s *tenant.Scope) error {
		return s.Querier().QueryRow(ctx, "SELECT count(*) FROM items").Scan(&total)
	}))
	assert.Equal(t, itemsPerTenant, total, "nothing the runs wrote was committed")
	t.Logf("%d RunSQL calls by %d goroutines over %d connections: %d rows read, %d of another tenant, %d failed or rolled back as meant",
		calls, workers, maxConns, rowsSeen.Load(), foreignRows.Load(), fails.Load())
}

func indexOf(id tenant.ID) int {
	for i, t := range tenants {
		if t == id {
			return i
		}
	}
	return -1
}
