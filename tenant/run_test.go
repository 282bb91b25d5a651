package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

func TestRun(t *testing.T) {
	pdb := newDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		pool := newPool(t, pdb.AppURL, mode, 1, nil)
		db := tenant.NewDB(pool)
		fast := db.Scope().Querier()
		ctxA := tenant.WithID(context.Background(), tenantA)
		body := func(name string) string { return mode.String() + "-" + name }
		has := func(name string) bool {
			var n int
			require.NoError(t, fast.QueryRow(ctxA, "SELECT count(*) FROM items WHERE body = $1", body(name)).Scan(&n))
			return n > 0
		}
		insert := func(ctx context.Context, s *tenant.Scope, name string) error {
			_, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ($1)", body(name))
			return err
		}
		// After every Run: the connection is back in the pool, without a tenant.
		clean := func(t *testing.T) {
			t.Helper()
			assert.EqualValues(t, 0, pool.Stat().AcquiredConns())
			assert.Equal(t, "", setting(t, pool))
		}

		t.Run("commits one transaction of its tenant", func(t *testing.T) {
			err := tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error {
				q := s.Querier()
				var x1, x2 string
				// The first statement is a Query: its rows hold the opening batch.
				rows, err := q.Query(ctx, "SELECT pg_current_xact_id()::text, current_setting('app.tenant_id')")
				require.NoError(t, err)
				var set string
				require.True(t, rows.Next())
				require.NoError(t, rows.Scan(&x1, &set))
				rows.Close()
				require.NoError(t, rows.Err())
				assert.Equal(t, string(tenantA), set)

				require.NoError(t, insert(ctx, s, "commit"))
				// The scope's tenant is the transaction's; a ctx without one is fine.
				require.NoError(t, q.QueryRow(context.Background(), "SELECT pg_current_xact_id()::text").Scan(&x2))
				assert.Equal(t, x1, x2, "one transaction")
				assert.Contains(t, bodies(t, ctx, q, tenantA), body("commit"), "sees its own write")
				id, err := s.TenantID(context.Background())
				require.NoError(t, err)
				assert.Equal(t, tenantA, id)

				_, err = q.Exec(tenant.WithID(ctx, tenantB), "SELECT 1")
				assert.ErrorIs(t, err, tenant.ErrTenantMismatch)
				return nil
			})
			require.NoError(t, err)
			assert.True(t, has("commit"))
			clean(t)
		})

		t.Run("rolls back on error and keeps the first error", func(t *testing.T) {
			boom := errors.New("boom")
			err := tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error {
				require.NoError(t, insert(ctx, s, "error"))
				return boom
			})
			assert.Equal(t, boom, err)
			assert.False(t, has("error"))
			clean(t)
		})

		t.Run("rolls back on panic and panics on", func(t *testing.T) {
			func() {
				defer func() { assert.Equal(t, "boom", recover()) }()
				_ = tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error {
					require.NoError(t, insert(ctx, s, "panic"))
					panic("boom")
				})
			}()
			assert.False(t, has("panic"))
			clean(t)
		})

		t.Run("rolls back when the context is cancelled", func(t *testing.T) {
			ctx, cancel := context.WithCancel(ctxA)
			err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				require.NoError(t, insert(ctx, s, "cancel"))
				cancel()
				return nil // fn does not notice; Run does
			})
			assert.ErrorIs(t, err, context.Canceled)
			assert.False(t, has("cancel"))
			clean(t)

			ctx, cancel = context.WithCancel(ctxA)
			err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				require.NoError(t, insert(ctx, s, "cancel2"))
				cancel()
				return insert(ctx, s, "cancel3")
			})
			assert.ErrorIs(t, err, context.Canceled)
			assert.False(t, has("cancel2"))
			clean(t)
		})

		t.Run("a swallowed statement error does not commit", func(t *testing.T) {
			err := tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error {
				require.NoError(t, insert(ctx, s, "swallowed"))
				_, err := s.Querier().Exec(ctx, "SELEC 1")
				require.Error(t, err)
				return nil
			})
			assert.ErrorIs(t, err, pgx.ErrTxCommitRollback)
			assert.False(t, has("swallowed"))
			clean(t)

			// The failing statement is the first one: depending on the mode it
			// fails before BEGIN (when pgx prepares it) or after. Either way
			// the next statement must not run, let alone outside a transaction.
			err = tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error {
				_, err := s.Querier().Exec(ctx, "SELEC 1")
				require.Error(t, err)
				assert.Error(t, insert(ctx, s, "after-first-failed"))
				return nil
			})
			assert.Error(t, err)
			assert.False(t, has("after-first-failed"))
			clean(t)
		})

		t.Run("a scope used after Run returned fails", func(t *testing.T) {
			var leaked *tenant.Scope
			require.NoError(t, tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error {
				leaked = s
				return insert(ctx, s, "leak")
			}))
			q := leaked.Querier()
			_, err := q.Exec(ctxA, "INSERT INTO items (body) VALUES ('late')")
			assert.ErrorIs(t, err, tenant.ErrScopeClosed)
			_, err = q.Query(ctxA, "SELECT 1")
			assert.ErrorIs(t, err, tenant.ErrScopeClosed)
			assert.ErrorIs(t, q.QueryRow(ctxA, "SELECT 1").Scan(new(int)), tenant.ErrScopeClosed)

			// Also when the Scope never sent anything inside Run.
			require.NoError(t, tenant.Run(ctxA, db, func(ctx context.Context, s *tenant.Scope) error { leaked = s; return nil }))
			_, err = leaked.Querier().Exec(ctxA, "SELECT 1")
			assert.ErrorIs(t, err, tenant.ErrScopeClosed)
			clean(t)
		})

		t.Run("an empty fn acquires nothing", func(t *testing.T) {
			before := pool.Stat().AcquireCount()
			require.NoError(t, tenant.Run(ctxA, db, func(context.Context, *tenant.Scope) error { return nil }))
			assert.Equal(t, before, pool.Stat().AcquireCount())
		})
	})
}
