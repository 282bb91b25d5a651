package orgstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestTenantDefaultsFor: an organization Better Auth made gets its tenant
// row on a member's first ResolveTenant, with columns derived from the
// organization by Config.TenantDefaultsFor over the static TenantDefaults;
// the static form alone still works. On the real Better Auth 1.7.25 schema.
func TestTenantDefaultsFor(t *testing.T) {
	ctx := context.Background()
	fx := &fixture{Flavor: flavorBetterAuth, Schema: BetterAuth(), DB: pgtest.NewDatabase(t), emails: map[UserID]string{}}
	fx.open(t, betterAuthDump(t), `
CREATE TABLE tenants (
    id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name    text NOT NULL,
    slug    text NOT NULL,
    plan_id text NOT NULL
);`, renderOnDelete(t, "store_better_auth.up.sql.tmpl", "SET NULL"))

	derived := fx.store(t, Config{
		TenantDefaults: map[string]any{"plan_id": "free", "name": "static"},
		TenantDefaultsFor: func(_ context.Context, org AdoptedOrganization) (map[string]any, error) {
			return map[string]any{"name": org.Name, "slug": org.Slug}, nil
		},
	})
	static := fx.store(t, Config{TenantDefaults: map[string]any{"plan_id": "free", "name": "static", "slug": "static"}})

	// Two organizations made by Better Auth: rows of its tables, no tenant.
	for _, tc := range []struct {
		s        *testStore
		name     string
		wantName string
		wantSlug string
	}{
		{derived, "Acme Inc", "Acme Inc", "acme-inc"},
		{static, "Globex", "static", "static"},
	} {
		user := baUser(t, fx)
		org := newTestID()
		fx.exec(t, `INSERT INTO organization (id, name, slug, "createdAt") VALUES ($1, $2, $3, now())`, org, tc.name, tc.wantSlug)
		fx.exec(t, `INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ($1, $2, $3, 'owner', now())`, newTestID(), org, string(user))

		id, err := tc.s.ResolveTenant(ctx, user, OrgID(org))
		require.NoError(t, err)
		var name, slug, plan string
		require.NoError(t, fx.Admin.QueryRow(ctx, `SELECT name, slug, plan_id FROM tenants WHERE id = $1 AND org_id = $2`, string(id), org).Scan(&name, &slug, &plan))
		assert.Equal(t, []string{tc.wantName, tc.wantSlug, "free"}, []string{name, slug, plan}, tc.name)
	}

	// An error of the function fails the adopting ResolveTenant, and adopts nothing.
	failing := fx.store(t, Config{TenantDefaultsFor: func(context.Context, AdoptedOrganization) (map[string]any, error) {
		return nil, fmt.Errorf("no plan for this organization")
	}})
	user, org := baUser(t, fx), newTestID()
	fx.exec(t, `INSERT INTO organization (id, name, slug, "createdAt") VALUES ($1, 'X', 'x', now())`, org)
	fx.exec(t, `INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ($1, $2, $3, 'owner', now())`, newTestID(), org, string(user))
	_, err := failing.ResolveTenant(ctx, user, OrgID(org))
	require.ErrorContains(t, err, "no plan for this organization")
	assert.Zero(t, fx.countWhere(t, "tenants", "org_id", org))
}

// baUser inserts a user as Better Auth 1.7.25 does, with its NOT NULL columns.
func baUser(t testing.TB, fx *fixture) UserID {
	t.Helper()
	id := newTestID()
	fx.exec(t, `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt") VALUES ($1, $1, $1 || '@example.com', false, now(), now())`, id)
	return UserID(id)
}
