package orgstore

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/roundtrip"
	"github.com/tenantc/tenantc/tenant"
)

// countingStore is a store on a one-connection pool of the fixture's system
// role whose round trips trips counts on the socket.
func countingStore(t *testing.T, fx *fixture, trips *roundtrip.Counter) *testStore {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(fx.SystemURL)
	require.NoError(t, err)
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.ConnConfig.DialFunc = trips.Dial
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	st, err := New[OrgID, UserID, MemberID, InviteID, TeamID](tenant.NewSystemDB(pool), Config{Schema: fx.Schema})
	require.NoError(t, err)
	return st
}

// TestHotPathRoundTrips (issue 15): ListMembers with a non-empty page and
// ResolveTenant of an organization that has its tenant row, the calls made
// on every request, each cost one round trip: their one statement, sent
// without a transaction. Refusals stay refusals: a non-member lists nothing,
// and a member of one organization resolves no other.
func TestHotPathRoundTrips(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice, bob, stranger := fx.user(t, "alice"), fx.user(t, "bob"), fx.user(t, "stranger")
		a := fx.org(t, s, alice)
		b := fx.org(t, s, bob)
		members := fx.users(t, "m", 30)
		fx.addMembers(t, a.ID, members)

		var trips roundtrip.Counter
		st := countingStore(t, fx, &trips)
		// count is the round trips of one call of f, after warm-up calls
		// that connect, check the role and prepare the statements.
		count := func(f func() error) int64 {
			t.Helper()
			for range 3 {
				_ = f()
			}
			trips.Reset()
			_ = f()
			return trips.Load()
		}

		var page []Member[OrgID, UserID, MemberID]
		list := func(actor UserID, org OrgID, after UserID) func() error {
			return func() (err error) {
				page, err = st.ListMembers(ctx, actor, org, after, 10)
				return err
			}
		}
		assert.EqualValues(t, 1, count(list(alice, a.ID, "")), "ListMembers, first page")
		require.Len(t, page, 10)
		assert.EqualValues(t, 1, count(list(members[3], a.ID, page[9].UserID)), "ListMembers, page after a cursor")
		require.Len(t, page, 10)

		var id tenant.ID
		resolve := func(user UserID, org OrgID) func() error {
			return func() (err error) {
				id, err = st.ResolveTenant(ctx, user, org)
				return err
			}
		}
		assert.EqualValues(t, 1, count(resolve(alice, a.ID)), "ResolveTenant")
		assert.Equal(t, a.TenantID, id)
		assert.EqualValues(t, 1, count(resolve(members[0], a.ID)), "ResolveTenant, a plain member")
		assert.Equal(t, a.TenantID, id)
		assert.EqualValues(t, 2, count(func() (err error) { id, err = st.ResolveTenantBySlug(ctx, alice, a.Slug); return err }),
			"ResolveTenantBySlug: the slug's organization, then ResolveTenant")
		assert.Equal(t, a.TenantID, id)
		assert.EqualValues(t, 1, count(func() error { _, err := st.GetOrganizationBySlug(ctx, alice, a.Slug); return err }), "GetOrganizationBySlug")
		var orgs []Organization[OrgID]
		assert.EqualValues(t, 1, count(func() (err error) { orgs, err = st.ListOrganizationsForUser(ctx, alice); return err }), "ListOrganizationsForUser")
		require.Len(t, orgs, 1)
		assert.Equal(t, a.ID, orgs[0].ID)
		_, err := st.ResolveTenantBySlug(ctx, bob, a.Slug)
		assert.ErrorIs(t, err, ErrNotMember, "bob names alice's organization by its slug")
		_, err = st.GetOrganizationBySlug(ctx, stranger, b.Slug)
		assert.ErrorIs(t, err, ErrNotMember, "a stranger looks up bob's organization by its slug")

		// Hostile callers: the same calls, refused, with nothing returned.
		for _, c := range []struct {
			name  string
			actor UserID
			org   OrgID
		}{
			{"a stranger lists A", stranger, a.ID},
			{"A's owner lists B", alice, b.ID},
			{"B's owner lists A", bob, a.ID},
			{"an unknown organization", alice, unknownOrg(flavor)},
			{"an id the column cannot hold", alice, "not-an-id"},
			{"no actor", "", a.ID},
		} {
			for _, after := range []UserID{"", members[0]} {
				got, err := st.ListMembers(ctx, c.actor, c.org, after, 10)
				assert.ErrorIs(t, err, ErrNotMember, "%s, after %q", c.name, after)
				assert.Empty(t, got, c.name)
			}
			got, err := st.ResolveTenant(ctx, c.actor, c.org)
			assert.ErrorIs(t, err, ErrNotMember, c.name)
			assert.Empty(t, got, c.name)
		}
		// A's tenant is never B's, whoever asks.
		idB, err := st.ResolveTenant(ctx, bob, b.ID)
		require.NoError(t, err)
		assert.NotEqual(t, a.TenantID, idB)

		// Informative: a refusal costs the page and the membership check.
		t.Logf("%s: ListMembers refused: %d round trips; ResolveTenant refused: %d", flavor,
			count(func() error { _, err := st.ListMembers(ctx, stranger, a.ID, "", 10); return err }),
			count(func() error { _, err := st.ResolveTenant(ctx, stranger, a.ID); return err }))

		// An organization without its tenant row (made by another service):
		// the first call adopts it in a transaction, later ones are one trip.
		fx.exec(t, "DELETE FROM tenants WHERE id = $1", string(a.TenantID))
		trips.Reset()
		adopted, err := st.ResolveTenant(ctx, alice, a.ID)
		require.NoError(t, err)
		require.NotEmpty(t, adopted)
		t.Logf("%s: ResolveTenant adopting the organization: %d round trips", flavor, trips.Load())
		assert.Greater(t, trips.Load(), int64(1), "adoption takes its transaction")
		assert.EqualValues(t, 1, count(resolve(members[1], a.ID)), "ResolveTenant after the adoption")
		assert.Equal(t, adopted, id)
	})
}
