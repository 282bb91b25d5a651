package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// TestLeakedRunScope attacks Run the way a careless (or hostile) handler
// would: fn starts goroutines that keep using its Scope while fn returns,
// and go on after Run has returned, while other tenants' Runs share a pool
// of two connections. Every statement records the tenant it was meant for
// next to the tenant its transaction had: "meant/set" in the row it
// inserts, or a comparison of the setting it reads.
//
// Before Run held the scope for a statement's whole life, a statement that
// passed the scope's check just before Run finished was sent on a connection
// already back in the pool: it ran (and was committed) in another tenant's
// transaction, or its [BEGIN, set_config] switched that transaction to its
// own tenant, and pgx could panic on the shared connection.
func TestLeakedRunScope(t *testing.T) {
	const (
		runners       = 8  // concurrent Run loops
		runsPerRunner = 30 // Runs each
		leakedPerRun  = 8  // goroutines each Run's fn leaves behind: 64 at a time
		lateTries     = 3  // statements each leaked goroutine sends after Run returned
		maxConns      = 2
	)
	pdb := newDatabase(t)
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, maxConns, nil)
	db := tenant.NewDB(pool)

	var (
		late, lateNotClosed atomic.Int64 // statements begun after Run returned
		inRunOK, switched   atomic.Int64 // statements while Run was open
		runsCommitted       atomic.Int64
		firstLateErr        atomic.Value
	)
	// statement sends one of three kinds of statement for id through q and
	// reports any sign that it ran under another tenant.
	statement := func(ctx context.Context, q tenant.Querier, id tenant.ID, kind int) error {
		const read = "SELECT current_setting('app.tenant_id', true)"
		var set *string
		switch kind {
		case 0:
			_, err := q.Exec(ctx, "INSERT INTO items (body) VALUES ($1 || '/' || current_setting('app.tenant_id', true))", string(id))
			return err
		case 1:
			rows, err := q.Query(ctx, read)
			if err != nil {
				return err
			}
			for rows.Next() {
				if err := rows.Scan(&set); err != nil {
					rows.Close()
					return err
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		case 2:
			if err := q.QueryRow(ctx, read).Scan(&set); err != nil {
				return err
			}
		}
		if set == nil || *set != string(id) {
			switched.Add(1)
		}
		return nil
	}
	leaked := func(ctx context.Context, s *tenant.Scope, id tenant.ID, returned *atomic.Bool, seed int, whole bool) {
		tries := 0
		for n := seed; tries < lateTries; n++ {
			kind := n % 3
			if whole {
				kind = n % 2 * 2 // Exec or QueryRow
			}
			after := returned.Load()
			err := statement(ctx, s.Querier(), id, kind)
			switch {
			case after:
				tries++
				late.Add(1)
				if !errors.Is(err, tenant.ErrScopeClosed) {
					lateNotClosed.Add(1)
					firstLateErr.CompareAndSwap(nil, fmt.Sprintf("%v", err))
				}
			case err == nil:
				inRunOK.Add(1)
			default:
				// While Run is open, a statement may meet another's open
				// rows ("conn busy") or Run finishing (ErrScopeClosed).
				runtime.Gosched()
			}
		}
	}

	var leakedWG, runWG sync.WaitGroup
	for r := range runners {
		runWG.Go(func() {
			for i := range runsPerRunner {
				id := tenants[(r+i)%len(tenants)]
				var returned atomic.Bool
				// In every other Run the leaked goroutines send only
				// statements that complete within one call (Exec, QueryRow):
				// then finish waits for them and the Run must commit. In the
				// others they also hold rows open between calls, which pgx
				// answers with "conn busy" and which makes COMMIT fail.
				whole := i%2 == 0
				err := tenant.Run(tenant.WithID(context.Background(), id), db, func(ctx context.Context, s *tenant.Scope) error {
					if err := statement(ctx, s.Querier(), id, 0); err != nil {
						return err
					}
					for g := range leakedPerRun {
						leakedWG.Go(func() { leaked(ctx, s, id, &returned, g, whole) })
					}
					runtime.Gosched()
					return statement(ctx, s.Querier(), id, 2)
				})
				returned.Store(true)
				if err == nil {
					runsCommitted.Add(1)
				} else if whole {
					t.Errorf("Run %d/%d, whose leaked goroutines send whole statements only: %v", r, i, err)
				}
			}
		})
	}
	runWG.Wait()
	leakedWG.Wait()

	if e := firstLateErr.Load(); e != nil {
		t.Errorf("a late statement did not return ErrScopeClosed: %v", e)
	}
	assert.Zero(t, lateNotClosed.Load(), "late statements that did not return ErrScopeClosed")
	assert.EqualValues(t, runners*runsPerRunner*leakedPerRun*lateTries, late.Load())
	assert.Zero(t, switched.Load(), "statements that saw another tenant's setting")

	// As the superuser (no RLS): every committed row was written under the
	// tenant it was meant for, in that tenant's transaction.
	admin := newPool(t, pdb.AdminURL, pgx.QueryExecModeCacheStatement, 1, nil)
	var written, foreign int
	require.NoError(t, admin.QueryRow(context.Background(), `SELECT count(*),
		count(*) FILTER (WHERE split_part(body, '/', 1) <> tenant_id::text OR split_part(body, '/', 2) <> tenant_id::text)
		FROM items WHERE body LIKE '%/%'`).Scan(&written, &foreign))
	assert.Zero(t, foreign, "rows committed in another tenant's transaction")
	assert.GreaterOrEqual(t, int64(written), runsCommitted.Load(), "each committed Run wrote its row")
	assert.GreaterOrEqual(t, runsCommitted.Load(), int64(runners*runsPerRunner/2), "the Runs with whole statements committed")
	assert.Positive(t, inRunOK.Load(), "leaked goroutines did run statements while their Run was open")

	// No connection is held, and none kept a tenant.
	assert.EqualValues(t, 0, pool.Stat().AcquiredConns())
	for range maxConns {
		assert.Equal(t, "", setting(t, pool))
	}
	t.Logf("%d Runs committed of %d; %d statements of leaked goroutines ran inside their Run; %d late, all ErrScopeClosed: %v; %d rows written",
		runsCommitted.Load(), runners*runsPerRunner, inRunOK.Load(), late.Load(), lateNotClosed.Load() == 0, written)
}
