package orgstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/roundtrip"
	"github.com/tenantc/tenantc/tenant"
)

// BenchmarkResolveTenant (issue 15): ResolveTenant, which tenant.Middleware's
// membership check calls on every request, for the owner of the
// 20 000-member organization of BenchmarkListMembers (same data, same
// pool), per schema flavor, in these variants:
//
//   - store: st.ResolveTenant(ctx, actor, org): the store's one statement
//     (members LEFT JOIN tenants on the unique (organization, user) index)
//     through tenant.SystemQueryRow, one round trip, no transaction.
//   - store-tx: the same statement in tenant.System, as ResolveTenant sent
//     it before issue 15: two round trips.
//   - handwritten: the hand-written single indexed SELECT, members JOIN
//     tenants, on the pool with no transaction: the baseline.
//
// Run it with
//
//	go test ./orgstore/ -run '^$' -bench ResolveTenant -benchtime 2s
//
// ns/op, hand-ns/op, x-hand and trips/op are measured as in
// BenchmarkListMembers: each iteration times one call of the variant and
// one handwritten call, back to back, alternating which goes first.
func BenchmarkResolveTenant(b *testing.B) {
	for _, flavor := range flavors {
		b.Run(flavor, func(b *testing.B) {
			e := newListBench(b, flavor)
			r := newResolveBench(b, e)
			hand := r.variant(e.pool, e.store, rtHandwritten)
			for _, name := range rtVariants {
				b.Run(name, func(b *testing.B) { r.run(b, name, hand) })
			}
		})
	}
}

// The variants, in the order they run.
const (
	rtStore       = "store"
	rtStoreTx     = "store-tx"
	rtHandwritten = "handwritten"
)

var rtVariants = []string{rtStore, rtStoreTx, rtHandwritten}

// rtCall is one call of a variant: the tenant, or an error.
type rtCall func(ctx context.Context) (tenant.ID, error)

// resolveBench is BenchmarkResolveTenant on a listBench's database.
type resolveBench struct {
	*listBench
	hand   string // members JOIN tenants: $1 org, $2 user
	tenant tenant.ID
	trips  map[string]float64
}

func newResolveBench(tb testing.TB, e *listBench) *resolveBench {
	tb.Helper()
	m, t := e.schema.Members, e.schema.Tenants
	r := &resolveBench{listBench: e, trips: map[string]float64{}}
	r.hand = fmt.Sprintf("SELECT t.%s::text FROM %s m JOIN %s t ON t.%s = m.%s WHERE m.%s = $1 AND m.%s = $2",
		ident(t.ID), ident(m.Table), ident(t.Table), ident(t.OrganizationID), ident(m.OrganizationID),
		ident(m.OrganizationID), ident(m.UserID))
	ctx := context.Background()
	var err error
	r.tenant, err = r.variant(e.pool, e.store, rtHandwritten)(ctx)
	require.NoError(tb, err)
	require.NotEmpty(tb, r.tenant)
	for _, name := range rtVariants {
		got, err := r.variant(e.pool, e.store, name)(ctx)
		require.NoError(tb, err, name)
		require.Equal(tb, r.tenant, got, name)
	}
	// A non-member resolves nothing, in every variant of the store.
	for _, name := range []string{rtStore, rtStoreTx} {
		_, err := r.variantFor(e.pool, e.store, name, "no-such-user")(ctx)
		require.ErrorIs(tb, err, ErrNotMember, name)
	}
	r.countTrips(tb)
	return r
}

func (r *resolveBench) variant(pool *pgxpool.Pool, st *testStore, name string) rtCall {
	return r.variantFor(pool, st, name, r.actor)
}

func (r *resolveBench) variantFor(pool *pgxpool.Pool, st *testStore, name string, user UserID) rtCall {
	org := r.org
	switch name {
	case rtStore:
		return func(ctx context.Context) (tenant.ID, error) { return st.ResolveTenant(ctx, user, org) }
	case rtStoreTx:
		return func(ctx context.Context) (tenant.ID, error) {
			var id string
			err := tenant.System(ctx, st.db, func(ctx context.Context, sc *tenant.Scope) error {
				return sc.Querier().QueryRow(ctx, st.sql.org.resolve, string(org), string(user)).Scan(&id)
			})
			if err != nil {
				return "", fmt.Errorf("user %s, organization %s: %w: %w", user, org, ErrNotMember, err)
			}
			return tenant.ID(id), nil
		}
	case rtHandwritten:
		return func(ctx context.Context) (tenant.ID, error) {
			var id string
			err := pool.QueryRow(ctx, r.hand, string(org), string(user)).Scan(&id)
			return tenant.ID(id), err
		}
	}
	panic("no variant " + name)
}

// run is one sub-benchmark: the variant name, paired with hand.
func (r *resolveBench) run(b *testing.B, name string, hand rtCall) {
	ctx := context.Background()
	v := r.variant(r.pool, r.store, name)
	var own, base time.Duration
	timed := func(c rtCall) time.Duration {
		t0 := time.Now()
		id, err := c(ctx)
		d := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if id != r.tenant {
			b.Fatalf("tenant %q, want %q", id, r.tenant)
		}
		return d
	}
	for i := 0; b.Loop(); i++ {
		switch {
		case name == rtHandwritten:
			own += timed(v)
		case i%2 == 0:
			own += timed(v)
			base += timed(hand)
		default:
			base += timed(hand)
			own += timed(v)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(own.Nanoseconds())/n, "ns/op")
	if name != rtHandwritten {
		b.ReportMetric(float64(base.Nanoseconds())/n, "hand-ns/op")
		b.ReportMetric(float64(own)/float64(base), "x-hand")
	}
	b.ReportMetric(r.trips[name], "trips/op")
}

// countTrips counts the round trips of one call of every variant on a
// one-connection pool of the store's role, with a store of its own.
func (r *resolveBench) countTrips(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	var trips roundtrip.Counter
	cfg, err := pgxpool.ParseConfig(r.roleURL)
	require.NoError(tb, err)
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.ConnConfig.DialFunc = trips.Dial
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(tb, err)
	defer pool.Close()
	st, err := New[OrgID, UserID, MemberID, InviteID, TeamID](tenant.NewSystemDB(pool), Config{Schema: r.schema})
	require.NoError(tb, err)
	for _, name := range rtVariants {
		c := r.variant(pool, st, name)
		for range lmCountCalls { // connection up, statements prepared, role checked
			_, err := c(ctx)
			require.NoError(tb, err)
		}
		trips.Reset()
		for range lmCountCalls {
			_, err := c(ctx)
			require.NoError(tb, err)
		}
		r.trips[name] = float64(trips.Load()) / lmCountCalls
	}
}
