package adversarial_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// Item 3: a handler hands its Run scope to a goroutine that outlives Run
// and keeps inserting. Meanwhile other tenants' transactions run on the same
// small pool. The late statements must get ErrScopeClosed; none may run in
// another tenant's transaction, switch its tenant, or commit there.
func TestLeakedScopeNeverReachesAnotherTransaction(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(w.fx.DB.AppURL)
	require.NoError(t, err)
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	db := tenant.NewDB(pool)

	const leakers, victims, rounds = 32, 4, 40
	var (
		wg                   sync.WaitGroup
		closed, late, panics atomic.Int64
		switched             atomic.Int64 // a victim's transaction saw another tenant
		other                sync.Map     // other errors of late statements, by text
	)
	guard := func() {
		if r := recover(); r != nil {
			panics.Add(1)
			t.Errorf("panic: %v", r)
		}
	}
	for range leakers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer guard()
			var leaker sync.WaitGroup
			_ = tenant.Run(w.acmeCtx, db, func(ctx context.Context, s *tenant.Scope) error {
				// The goroutine starts while fn runs and goes on after Run
				// returned: its statements race the COMMIT and the release.
				leaker.Add(1)
				go func() {
					defer leaker.Done()
					defer guard()
					for i := range rounds {
						time.Sleep(time.Duration(i%4) * 100 * time.Microsecond) // outlive Run
						_, err := s.Querier().Exec(w.acmeCtx, "INSERT INTO projects (name) VALUES ('leaked')")
						if errors.Is(err, tenant.ErrScopeClosed) {
							closed.Add(1)
						} else if err == nil {
							late.Add(1)
						} else {
							other.Store(err.Error(), true)
						}
					}
				}()
				_, err := s.Querier().Exec(ctx, "INSERT INTO projects (name) VALUES ('inside')")
				return err
			})
			leaker.Wait()
			// Once Run has returned, the scope is closed for good.
		}()
	}
	for range victims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer guard()
			for range rounds {
				_ = tenant.Run(w.globexCtx, db, func(ctx context.Context, s *tenant.Scope) error {
					for range 3 {
						var seen *string
						if err := s.Querier().QueryRow(ctx, "SELECT current_setting('app.tenant_id', true)").Scan(&seen); err != nil {
							return err
						}
						if seen == nil || *seen != string(w.globex.TenantID) {
							switched.Add(1)
						}
					}
					_, err := s.Querier().Exec(ctx, "INSERT INTO projects (name) VALUES ('victim')")
					return err
				})
			}
		}()
	}
	wg.Wait()

	var intoGlobex int
	require.NoError(t, w.admin.QueryRow(ctx, "SELECT count(*) FROM projects WHERE name IN ('leaked', 'inside') AND tenant_id <> $1",
		string(w.acme.TenantID)).Scan(&intoGlobex))
	other.Range(func(k, _ any) bool { t.Logf("late statement error: %v", k); return true })
	t.Logf("late statements: %d refused with ErrScopeClosed, %d ran; %d panics", closed.Load(), late.Load(), panics.Load())
	assert.Zero(t, intoGlobex, "a leaked statement was committed in Globex's tenant")
	assert.Zero(t, switched.Load(), "a leaked BEGIN/set_config switched a Globex transaction's tenant")
	assert.Positive(t, closed.Load(), "late statements get ErrScopeClosed")
}
