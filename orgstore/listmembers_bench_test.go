package orgstore

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/internal/roundtrip"
	"github.com/tenantc/tenantc/tenant"
)

// BenchmarkListMembers (issue 4): one page of 50 members of a 20 000-member
// organization, per schema flavor and page, in these variants on one pool:
//
//   - store: st.ListMembers(ctx, actor, org, after, 50): the store's one
//     statement, which also checks the actor's membership, sent alone
//     through tenant.SystemQuery (one round trip, no transaction).
//   - store-tx: the same statement in tenant.System (batch [BEGIN, query],
//     then COMMIT), as ListMembers sent it before issue 15: two round trips.
//   - handwritten: the best hand-written single statement, members JOIN
//     users on the (organization, user) index, no transaction: the baseline.
//     On a page after a cursor it repeats the cursor on the users' side
//     (u.id > $2): without it PostgreSQL may merge-join the page with a
//     users_pkey scan from the smallest id (see handwritten-naive).
//   - handwritten-naive: the same join without u.id > $2, as one would
//     write it first. Informative; on the first page it is the same
//     statement as handwritten.
//   - twoquery: Better Auth's pattern on the same keyset: the page of
//     members, then the users WHERE id = ANY($1), joined in Go.
//   - betterauth-offset: what Better Auth 1.x's listMembers sends, in order:
//     the actor's membership (findMemberByOrgId, member JOIN user), the page
//     ORDER BY createdAt LIMIT 50 OFFSET n, count(*) of the members, then the
//     users by id. (Better Auth runs the page and the count concurrently;
//     here they run one after the other.) Informative: it pages by offset,
//     not by keyset, so its deep page is not the same rows.
//
// Pages: "first", and "deep", the page after the 15 000th member's user id
// (betterauth-offset: OFFSET 15000). Run it with
//
//	go test ./orgstore/ -run '^$' -bench ListMembers -benchtime 2s
//
// How the ratio is measured (as in bench/bench_test.go): every iteration of
// a sub-benchmark other than handwritten's makes one call of its variant and
// one handwritten call of the same page, back to back on the same pool,
// alternating which goes first, and times each. ns/op is the variant's own
// time per call, hand-ns/op handwritten's in the same iterations, x-hand
// their ratio (of means). trips/op are one call's round trips, counted on
// the socket during setup.
//
// The data is made once per flavor, by the flavor's sub-benchmark, which the
// page and variant sub-benchmarks share: a benchmark that has sub-benchmarks
// runs once, so this is the sync.Once of the setup, and its cleanups (the
// database, the role, the pools) run when the last of them is done. A
// package-level sync.Once could not drop the database: cleanups belong to a
// testing.TB and this package's TestMain drops nothing.
func BenchmarkListMembers(b *testing.B) {
	for _, flavor := range flavors {
		b.Run(flavor, func(b *testing.B) {
			env := newListBench(b, flavor)
			for _, page := range []string{"first", "deep"} {
				b.Run(page, func(b *testing.B) {
					hand := env.variant(page, lmHandwritten)
					for _, name := range lmVariants(page) {
						b.Run(name, func(b *testing.B) { env.run(b, page, name, hand) })
					}
				})
			}
		})
	}
}

// The variants, in the order they run.
const (
	lmStore       = "store"
	lmStoreTx     = "store-tx"
	lmHandwritten = "handwritten"
	lmNaive       = "handwritten-naive"
	lmTwoQuery    = "twoquery"
	lmOffset      = "betterauth-offset"
)

// lmVariants are the variants of a page, in the order they run.
func lmVariants(string) []string {
	return []string{lmStore, lmStoreTx, lmHandwritten, lmNaive, lmTwoQuery, lmOffset}
}

// The shape of the data.
const (
	lmPageSize   = 50
	lmBigMembers = 20000 // members of the organization listed, its owner included
	lmOtherOrgs  = 4     // other organizations, each with ≈ lmBigMembers/lmOtherOrgs members
	lmDeepAfter  = 15000 // the deep page starts after this many members
	lmCountCalls = 20    // calls per variant when counting round trips, after as many warm-up calls
	lmOwnerSeed  = "owner"
	lmUserID     = "md5(format('user %s', i))" // the id of seeded user i, in SQL
)

// lmCall is one call of a variant: it returns the page, or an error.
type lmCall func(ctx context.Context) ([]Member[OrgID, UserID, MemberID], error)

// listBench is one flavor's database with a 20 000-member organization.
type listBench struct {
	flavor string
	pool   *pgxpool.Pool // the store's pool; every variant runs on it
	store  *testStore
	schema Schema
	org    OrgID
	actor  UserID
	after  map[string]UserID // the keyset cursor of each page
	offset map[string]int    // betterauth-offset's OFFSET of each page
	trips  map[string]float64
	// roleURL connects as the store's role (BYPASSRLS, not a superuser).
	roleURL string

	// Statements of the hand-written variants.
	handFirst, handAfter      string // members JOIN users: $1 org[, $2 after]
	naiveAfter                string // handAfter without u.id > $2
	pageFirst, pageAfter      string // members only: $1 org[, $2 after]
	usersByID                 string // $1 ids
	baMember, baPage, baCount string // Better Auth's membership check, offset page, count
}

// newListBench makes a fresh database of flavor with the store's schema and
// a users table (native: users (id text PRIMARY KEY, name text, email text)
// configured as Schema.Users; Better Auth: its "user" table), seeded as the
// superuser with generate_series: one organization with lmBigMembers
// members and lmOtherOrgs others, their members interleaved on the heap the
// way a live table's are, every member a user row. Then it checks that every
// variant returns the same page, counts round trips and logs the plans of
// the store's deep-page statement.
func newListBench(tb testing.TB, flavor string) *listBench {
	tb.Helper()
	ctx := context.Background()
	start := time.Now()
	fx := newFixture(tb, flavor)
	e := &listBench{flavor: flavor, schema: fx.Schema, after: map[string]UserID{}, offset: map[string]int{}}
	if flavor == flavorNative {
		fx.DB.Exec(tb, fx.DB.OwnerURL, `CREATE TABLE users (id text PRIMARY KEY, name text, email text)`)
		e.schema.Users = UsersTable{Table: "users", ID: "id", Name: "name", Email: "email"}
	}

	// The store's pool is a role of our own (BYPASSRLS, not a superuser) so
	// the hand-written queries can use the very pool the store uses;
	// fixture.System's pool is not reachable from here.
	role, pass := fx.DB.Name+"_lm", pgurl.RandomHex(16)
	fx.DB.Exec(tb, fx.DB.AdminURL, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE", role, pass))
	tb.Cleanup(func() { // after the pools below are closed, before fx.Admin is
		if _, err := fx.Admin.Exec(context.Background(), fmt.Sprintf("DROP OWNED BY %[1]s; DROP ROLE %[1]s", role)); err != nil {
			tb.Errorf("drop role %s: %v", role, err)
		}
	})
	fx.DB.Exec(tb, fx.DB.OwnerURL, fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %[1]s;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s;`, role))
	roleURL, err := pgurl.With(fx.DB.AdminURL, url.UserPassword(role, pass), fx.DB.Name)
	require.NoError(tb, err)
	e.roleURL = roleURL
	e.pool = newPool(tb, roleURL, 4)
	e.store, err = New[OrgID, UserID, MemberID, InviteID, TeamID](tenant.NewSystemDB(e.pool), Config{Schema: e.schema})
	require.NoError(tb, err)

	// Users: the owner and one per seeded member. Better Auth-like ids (32
	// characters, random order); names and emails from the index.
	u := e.schema.Users
	// Better Auth's "emailVerified" is NOT NULL without a default.
	extraCol, extraVal := "", ""
	if flavor == flavorBetterAuth {
		extraCol, extraVal = `, "emailVerified"`, ", false"
	}
	users := fmt.Sprintf("INSERT INTO %s (%s, %s, %s%s) ", ident(u.Table), ident(u.ID), ident(u.Name), ident(u.Email), extraCol)
	fx.exec(tb, users+"VALUES (md5($1), 'Owner', 'owner@example.com'"+extraVal+")", lmOwnerSeed)
	e.actor = UserID(lmMD5(tb, fx, lmOwnerSeed))
	seeded := 2 * (lmBigMembers - 1) // every other one is the big organization's
	fx.exec(tb, users+"SELECT "+lmUserID+", format('User %s', i), format('user%s@example.com', i)"+extraVal+" FROM generate_series(1, $1) i", seeded)

	// Organizations, made by the store (organization, tenant, owner).
	var others []string
	for i := range 1 + lmOtherOrgs {
		o, _, err := e.store.CreateOrganization(ctx, NewOrganization[UserID]{
			Name: fmt.Sprintf("Org %d", i), Slug: fmt.Sprintf("lm-%d-%s", i, pgurl.RandomHex(4)), Creator: e.actor,
		})
		require.NoError(tb, err)
		if i == 0 {
			e.org = o.ID
		} else {
			others = append(others, string(o.ID))
		}
	}

	// Members: user i belongs to the big organization when i is even, else
	// to one of the others in turn; created i seconds after 2025-01-01.
	m := e.schema.Members
	orgCast := "::uuid"
	if flavor == flavorBetterAuth {
		orgCast = ""
	}
	cols := []string{ident(m.OrganizationID), ident(m.UserID), ident(m.Role), ident(m.CreatedAt)}
	vals := []string{
		"(CASE WHEN i % 2 = 0 THEN $1 ELSE ($2::text[])[(i / 2) % cardinality($2::text[]) + 1] END)" + orgCast,
		lmUserID, "$3", "'2025-01-01'::timestamp + i * interval '1 second'",
	}
	if flavor == flavorBetterAuth {
		cols, vals = append(cols, ident(m.ID)), append(vals, "md5(format('member %s', i))")
	}
	var roles any = []string{RoleMember}
	if e.schema.RolesText {
		roles = RoleMember
	}
	fx.exec(tb, fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM generate_series(1, $4) i",
		ident(m.Table), strings.Join(cols, ", "), strings.Join(vals, ", ")),
		string(e.org), others, roles, seeded)
	fx.DB.Exec(tb, fx.DB.AdminURL, "VACUUM (ANALYZE)")
	require.Equal(tb, lmBigMembers, fx.countWhere(tb, m.Table, m.OrganizationID, string(e.org)))

	var deep string
	require.NoError(tb, fx.Admin.QueryRow(ctx, fmt.Sprintf("SELECT %[2]s FROM %[1]s WHERE %[3]s = $1 ORDER BY %[2]s OFFSET %[4]d LIMIT 1",
		ident(m.Table), ident(m.UserID), ident(m.OrganizationID), lmDeepAfter-1), string(e.org)).Scan(&deep))
	e.after["first"], e.after["deep"] = "", UserID(deep)
	e.offset["first"], e.offset["deep"] = 0, lmDeepAfter

	e.buildSQL()
	e.check(tb)
	e.countTrips(tb, roleURL)
	e.logPlans(tb)
	tb.Logf("%s: %d members (%d in the organization listed), %d users, setup %v",
		flavor, fx.count(tb, "SELECT count(*) FROM "+ident(m.Table)), lmBigMembers,
		fx.count(tb, "SELECT count(*) FROM "+ident(u.Table)), time.Since(start).Round(time.Millisecond))
	return e
}

// lmMD5 is md5(s) as the database computes it.
func lmMD5(tb testing.TB, fx *fixture, s string) string {
	var h string
	require.NoError(tb, fx.Admin.QueryRow(context.Background(), "SELECT md5($1)", s).Scan(&h))
	return h
}

func (e *listBench) buildSQL() {
	m, u := e.schema.Members, e.schema.Users
	mt, org, user, role, created := ident(m.Table), ident(m.OrganizationID), ident(m.UserID), ident(m.Role), ident(m.CreatedAt)
	ut, uid, name, email := ident(u.Table), ident(u.ID), ident(u.Name), ident(u.Email)

	// handwritten: the columns of Member, the organization excepted (the
	// caller has it); an inner join (every member is a user); LIMIT 50 as a
	// literal. COALESCE because the native users' name and email may be NULL.
	join := fmt.Sprintf("SELECT m.%[1]s::text, m.%[2]s, m.%[3]s, m.%[4]s, COALESCE(u.%[5]s, ''), COALESCE(u.%[6]s, '') FROM %[7]s m JOIN %[8]s u ON u.%[9]s = m.%[2]s WHERE m.%[10]s = $1",
		ident(m.ID), user, role, created, name, email, mt, ut, uid, org)
	e.handFirst = fmt.Sprintf("%s ORDER BY m.%s LIMIT %d", join, user, lmPageSize)
	e.handAfter = fmt.Sprintf("%s AND m.%s > $2 AND u.%s > $2 ORDER BY m.%s LIMIT %d", join, user, uid, user, lmPageSize)
	e.naiveAfter = fmt.Sprintf("%s AND m.%s > $2 ORDER BY m.%s LIMIT %d", join, user, user, lmPageSize)

	// twoquery: the same page without the join, then the users.
	page := fmt.Sprintf("SELECT m.%s::text, m.%s, m.%s, m.%s FROM %s m WHERE m.%s = $1", ident(m.ID), user, role, created, mt, org)
	e.pageFirst = fmt.Sprintf("%s ORDER BY m.%s LIMIT %d", page, user, lmPageSize)
	e.pageAfter = fmt.Sprintf("%s AND m.%s > $2 ORDER BY m.%s LIMIT %d", page, user, user, lmPageSize)
	e.usersByID = fmt.Sprintf("SELECT %s, COALESCE(%s, ''), COALESCE(%s, '') FROM %s WHERE %s = ANY($1)", uid, name, email, ut, uid)

	// Better Auth: findMemberByOrgId (member JOIN user), findMany with
	// limit, offset and sortBy createdAt, count.
	e.baMember = fmt.Sprintf("SELECT m.%s::text, m.%s, u.%s, u.%s FROM %s m JOIN %s u ON u.%s = m.%s WHERE m.%s = $1 AND m.%s = $2 LIMIT 1",
		ident(m.ID), role, name, email, mt, ut, uid, user, user, org)
	e.baPage = fmt.Sprintf("%s ORDER BY m.%s ASC LIMIT $2 OFFSET $3", page, created)
	e.baCount = fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1", mt, org)
}

// lmRoles reads a roles column the way hand-written code would: text[]
// (native) or comma-joined text (Better Auth).
type lmRoles struct {
	list []string
	text string
}

func (r *lmRoles) target(textRoles bool) any {
	if textRoles {
		return &r.text
	}
	return &r.list
}

func (r *lmRoles) roles(textRoles bool) []string {
	if textRoles {
		return strings.Split(r.text, ",")
	}
	return r.list
}

// variant returns a call of the named variant for page on pool (e.pool, or
// the round-trip counting pool with its own store).
func (e *listBench) variant(page, name string) lmCall {
	return e.variantOn(e.pool, e.store, page, name)
}

func (e *listBench) variantOn(pool *pgxpool.Pool, st *testStore, page, name string) lmCall {
	org, after, textRoles := e.org, e.after[page], e.schema.RolesText
	// pageArgs are the page's arguments of the keyset statements.
	sqlHand, sqlPage, pageArgs := e.handFirst, e.pageFirst, []any{string(org)}
	if after != "" {
		sqlHand, sqlPage, pageArgs = e.handAfter, e.pageAfter, []any{string(org), string(after)}
		if name == lmNaive {
			sqlHand = e.naiveAfter
		}
	}
	// members reads the columns of a page statement without users.
	members := func(rows pgx.Rows) ([]Member[OrgID, UserID, MemberID], error) {
		out := make([]Member[OrgID, UserID, MemberID], 0, lmPageSize)
		var r lmRoles
		var mm Member[OrgID, UserID, MemberID]
		_, err := pgx.ForEachRow(rows, []any{&mm.ID, &mm.UserID, r.target(textRoles), &mm.CreatedAt}, func() error {
			mm.OrganizationID, mm.Roles = org, r.roles(textRoles)
			out = append(out, mm)
			return nil
		})
		return out, err
	}
	// withUsers fills in the users' names and emails with one more query.
	withUsers := func(ctx context.Context, out []Member[OrgID, UserID, MemberID]) error {
		ids := make([]string, len(out))
		at := make(map[UserID]int, len(out))
		for i, mm := range out {
			ids[i], at[mm.UserID] = string(mm.UserID), i
		}
		rows, _ := pool.Query(ctx, e.usersByID, ids)
		var id, name, email string
		found := 0
		_, err := pgx.ForEachRow(rows, []any{&id, &name, &email}, func() error {
			if i, ok := at[UserID(id)]; ok {
				out[i].UserName, out[i].UserEmail = name, email
				found++
			}
			return nil
		})
		if err == nil && found != len(out) {
			err = fmt.Errorf("%d of %d users found", found, len(out))
		}
		return err
	}

	switch name {
	case lmStore:
		return func(ctx context.Context) ([]Member[OrgID, UserID, MemberID], error) {
			return st.ListMembers(ctx, e.actor, org, after, lmPageSize)
		}
	case lmStoreTx:
		return func(ctx context.Context) ([]Member[OrgID, UserID, MemberID], error) {
			var out []Member[OrgID, UserID, MemberID]
			err := tenant.System(ctx, st.db, func(ctx context.Context, sc *tenant.Scope) error {
				var rows pgx.Rows
				if after == "" {
					rows, _ = sc.Querier().Query(ctx, st.sql.member.listFirst, string(org), string(e.actor), lmPageSize)
				} else {
					rows, _ = sc.Querier().Query(ctx, st.sql.member.listAfter, string(org), string(e.actor), string(after), lmPageSize)
				}
				var err error
				out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member[OrgID, UserID, MemberID], error) { return st.scanMember(r) })
				return err
			})
			return out, err
		}
	case lmHandwritten, lmNaive:
		return func(ctx context.Context) ([]Member[OrgID, UserID, MemberID], error) {
			rows, _ := pool.Query(ctx, sqlHand, pageArgs...)
			out := make([]Member[OrgID, UserID, MemberID], 0, lmPageSize)
			var r lmRoles
			var mm Member[OrgID, UserID, MemberID]
			_, err := pgx.ForEachRow(rows, []any{&mm.ID, &mm.UserID, r.target(textRoles), &mm.CreatedAt, &mm.UserName, &mm.UserEmail}, func() error {
				mm.OrganizationID, mm.Roles = org, r.roles(textRoles)
				out = append(out, mm)
				return nil
			})
			return out, err
		}
	case lmTwoQuery:
		return func(ctx context.Context) ([]Member[OrgID, UserID, MemberID], error) {
			rows, _ := pool.Query(ctx, sqlPage, pageArgs...)
			out, err := members(rows)
			if err != nil || len(out) == 0 {
				return out, err
			}
			return out, withUsers(ctx, out)
		}
	case lmOffset:
		offset := e.offset[page]
		return func(ctx context.Context) ([]Member[OrgID, UserID, MemberID], error) {
			var id, name, email string
			var r lmRoles
			if err := pool.QueryRow(ctx, e.baMember, string(e.actor), string(org)).Scan(&id, r.target(textRoles), &name, &email); err != nil {
				return nil, fmt.Errorf("membership: %w", err)
			}
			rows, _ := pool.Query(ctx, e.baPage, string(org), lmPageSize, offset)
			out, err := members(rows)
			if err != nil {
				return nil, err
			}
			var total int
			if err := pool.QueryRow(ctx, e.baCount, string(org)).Scan(&total); err != nil {
				return nil, err
			}
			if total != lmBigMembers {
				return nil, fmt.Errorf("count %d", total)
			}
			if len(out) == 0 {
				return out, nil
			}
			return out, withUsers(ctx, out)
		}
	}
	panic("no variant " + name)
}

// check calls every variant once per page and compares: the keyset
// variants return the same 50 members, in user id order, after the cursor,
// with their users' names and emails; betterauth-offset returns 50 members
// with users too.
func (e *listBench) check(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	for _, page := range []string{"first", "deep"} {
		want, err := e.variant(page, lmHandwritten)(ctx)
		require.NoError(tb, err)
		require.Len(tb, want, lmPageSize, page)
		for i, mm := range want {
			require.Equal(tb, e.org, mm.OrganizationID)
			require.NotEmpty(tb, mm.UserName)
			require.True(tb, strings.HasSuffix(mm.UserEmail, "@example.com"), mm.UserEmail)
			wantRoles := []string{RoleMember}
			if mm.UserID == e.actor {
				wantRoles = []string{RoleOwner}
			}
			require.Equal(tb, wantRoles, mm.Roles)
			if i > 0 {
				require.Less(tb, want[i-1].UserID, mm.UserID, "keyset order")
			}
			if a := e.after[page]; a != "" {
				require.Less(tb, a, mm.UserID)
			}
		}
		for _, name := range []string{lmStore, lmStoreTx, lmNaive, lmTwoQuery} {
			got, err := e.variant(page, name)(ctx)
			require.NoError(tb, err, name)
			require.Len(tb, got, lmPageSize, name)
			for i := range got {
				require.Equal(tb, want[i].ID, got[i].ID, "%s %s row %d", name, page, i)
				require.Equal(tb, want[i].UserID, got[i].UserID)
				require.Equal(tb, want[i].UserName, got[i].UserName)
				require.Equal(tb, want[i].UserEmail, got[i].UserEmail)
				require.Equal(tb, want[i].Roles, got[i].Roles)
				require.True(tb, want[i].CreatedAt.Equal(got[i].CreatedAt))
			}
		}
		got, err := e.variant(page, lmOffset)(ctx)
		require.NoError(tb, err)
		require.Len(tb, got, lmPageSize)
		for _, mm := range got {
			require.NotEmpty(tb, mm.UserName)
		}
	}
}

// run is one sub-benchmark: the variant name on page, paired with hand.
func (e *listBench) run(b *testing.B, page, name string, hand lmCall) {
	ctx := context.Background()
	v := e.variant(page, name)
	var own, base time.Duration
	timed := func(c lmCall) time.Duration {
		t0 := time.Now()
		out, err := c(ctx)
		d := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		if len(out) != lmPageSize {
			b.Fatalf("%d members, want %d", len(out), lmPageSize)
		}
		return d
	}
	for i := 0; b.Loop(); i++ {
		switch {
		case name == lmHandwritten:
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
	if name != lmHandwritten {
		b.ReportMetric(float64(base.Nanoseconds())/n, "hand-ns/op")
		b.ReportMetric(float64(own)/float64(base), "x-hand")
	}
	b.ReportMetric(e.trips[page+"/"+name], "trips/op")
}

// countTrips counts the round trips of one call of every variant and page
// on a one-connection pool of the store's role, with a store of its own.
func (e *listBench) countTrips(tb testing.TB, roleURL string) {
	tb.Helper()
	ctx := context.Background()
	var trips roundtrip.Counter
	cfg, err := pgxpool.ParseConfig(roleURL)
	require.NoError(tb, err)
	cfg.MaxConns = 1
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	cfg.ConnConfig.DialFunc = trips.Dial
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(tb, err)
	defer pool.Close()
	st, err := New[OrgID, UserID, MemberID, InviteID, TeamID](tenant.NewSystemDB(pool), Config{Schema: e.schema})
	require.NoError(tb, err)

	e.trips = map[string]float64{}
	for _, page := range []string{"first", "deep"} {
		for _, name := range lmVariants(page) {
			c := e.variantOn(pool, st, page, name)
			for range lmCountCalls { // connection up, statements prepared, role checked
				_, err := c(ctx)
				require.NoError(tb, err)
			}
			trips.Reset()
			for range lmCountCalls {
				_, err := c(ctx)
				require.NoError(tb, err)
			}
			e.trips[page+"/"+name] = float64(trips.Load()) / lmCountCalls
		}
	}
}

// logPlans logs, for the deep page and run as the store's role, the plan of
// the store's statement with EXPLAIN (ANALYZE, BUFFERS) and the values (a
// custom plan); then, for the statements of store and
// handwritten, EXPLAIN (ANALYZE, BUFFERS) EXECUTE of the prepared statement
// after ten executions: the plan the plan cache settled on, as pgx's cached
// statement gets it (literals: a custom plan, made again per execution; $n:
// the generic plan). Benchmark logs are printed with -v.
func (e *listBench) logPlans(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	conn, err := e.pool.Acquire(ctx)
	require.NoError(tb, err)
	defer conn.Release()
	explain := func(q string, args ...any) string {
		rows, _ := conn.Query(ctx, q, args...)
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(tb, err, q)
		return "    " + strings.Join(lines, "\n    ")
	}
	org, actor, after := string(e.org), string(e.actor), string(e.after["deep"])
	store := e.store.sql.member.listAfter
	tb.Logf("%s, store, deep page: %s", e.flavor, store)
	tb.Logf("%s, store, deep page: EXPLAIN (ANALYZE, BUFFERS), with the values:\n%s", e.flavor,
		explain("EXPLAIN (ANALYZE, BUFFERS) "+store, org, actor, after, lmPageSize))
	for _, p := range []struct{ name, sql, args string }{
		{lmStore, store, fmt.Sprintf("'%s', '%s', '%s', %d", org, actor, after, lmPageSize)},
		{lmHandwritten, e.handAfter, fmt.Sprintf("'%s', '%s'", org, after)},
	} {
		_, err = conn.Exec(ctx, "PREPARE lm_deep AS "+p.sql)
		require.NoError(tb, err)
		exec := "EXECUTE lm_deep(" + p.args + ")"
		for range 10 {
			_, err := conn.Exec(ctx, exec)
			require.NoError(tb, err)
		}
		if p.name != lmStore {
			tb.Logf("%s, %s, deep page: %s", e.flavor, p.name, p.sql)
		}
		tb.Logf("%s, %s, deep page: EXPLAIN (ANALYZE, BUFFERS) EXECUTE after 10 executions (plan_cache_mode auto):\n%s",
			e.flavor, p.name, explain("EXPLAIN (ANALYZE, BUFFERS) "+exec))
		_, err = conn.Exec(ctx, "DEALLOCATE lm_deep")
		require.NoError(tb, err)
	}
}
