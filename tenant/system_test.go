package tenant_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

func TestVerify(t *testing.T) {
	pdb := newDatabase(t)
	bypassURL := newRole(t, pdb, "bypass", "BYPASSRLS")
	memberURL := newRole(t, pdb, "member", "IN ROLE "+pdb.Owner) // can SET ROLE to the owner
	ctx := context.Background()
	verify := func(url string, opts ...tenant.Option) error {
		return tenant.Verify(ctx, tenant.NewDB(newPool(t, url, pgx.QueryExecModeCacheStatement, 1, nil), opts...))
	}

	t.Run("clean: the app role", func(t *testing.T) {
		assert.NoError(t, verify(pdb.AppURL))
	})
	t.Run("superuser", func(t *testing.T) {
		err := verify(pdb.AdminURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "it is a superuser")
	})
	t.Run("BYPASSRLS", func(t *testing.T) {
		err := verify(bypassURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "it has BYPASSRLS")
		assert.NotContains(t, err.Error(), "superuser")
	})
	t.Run("owner of protected tables", func(t *testing.T) {
		err := verify(pdb.OwnerURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "owns (or is a member of the owner of) tables with a tenantc policy: items, tenants")
	})
	t.Run("member of the owner", func(t *testing.T) {
		err := verify(memberURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "items, tenants")
	})
	t.Run("setting the policies do not read", func(t *testing.T) {
		err := verify(pdb.AppURL, tenant.WithSetting("app.org_id"))
		assert.NotErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, `items, tenants do not read setting "app.org_id"`)
	})
}

func TestSystem(t *testing.T) {
	pdb := newDatabase(t)
	bypassURL := newRole(t, pdb, "sys", "BYPASSRLS")
	ctx := tenant.WithID(context.Background(), tenantA) // System ignores it

	t.Run("sees every tenant and sets none", func(t *testing.T) {
		sys := tenant.NewSystemDB(newPool(t, bypassURL, pgx.QueryExecModeCacheStatement, 2, nil))
		err := tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
			_, err := s.TenantID(ctx)
			assert.ErrorIs(t, err, tenant.ErrSystemScope)
			q := s.Querier()
			var n int
			var set *string
			require.NoError(t, q.QueryRow(ctx, "SELECT count(*), current_setting('app.tenant_id', true) FROM items").Scan(&n, &set))
			assert.Equal(t, len(tenants)*itemsPerTenant, n)
			assert.True(t, set == nil || *set == "", "no tenant set")
			_, err = q.Exec(ctx, "INSERT INTO items (tenant_id, body) VALUES ($1, 'by system')", string(tenantB))
			return err
		})
		require.NoError(t, err)
		app := tenant.NewDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil))
		assert.Contains(t, bodies(t, tenant.WithID(ctx, tenantB), app.Scope().Querier(), tenantB), "by system")
	})

	t.Run("refuses a role without BYPASSRLS, checking once", func(t *testing.T) {
		var c counters
		sys := tenant.NewSystemDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, &c))
		called := false
		for range 3 {
			err := tenant.System(ctx, sys, func(context.Context, *tenant.Scope) error { called = true; return nil })
			assert.ErrorIs(t, err, tenant.ErrNotBypassRLS)
			assert.ErrorContains(t, err, pdb.App)
		}
		assert.False(t, called)
		assert.EqualValues(t, 1, c.statements.Load(), "the role is checked once")
	})

	t.Run("rolls back like Run", func(t *testing.T) {
		sys := tenant.NewSystemDB(newPool(t, bypassURL, pgx.QueryExecModeSimpleProtocol, 1, nil))
		func() {
			defer func() { assert.NotNil(t, recover()) }()
			_ = tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
				_, err := s.Querier().Exec(ctx, "DELETE FROM items")
				require.NoError(t, err)
				panic("boom")
			})
		}()
		require.NoError(t, tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
			var n int
			require.NoError(t, s.Querier().QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n))
			assert.Greater(t, n, 0)
			return nil
		}))
	})
}
