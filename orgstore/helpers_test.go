package orgstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"text/template"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/internal/templates"
	"github.com/tenantc/tenantc/tenant"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The ID types of a generated package, distinct string types.
type (
	OrgID    string
	UserID   string
	MemberID string
	InviteID string
	TeamID   string
)

// testStore is the store as a generated package instantiates it.
type testStore = Store[OrgID, UserID, MemberID, InviteID, TeamID]

// The schema flavors every behaviour is tested on.
const (
	flavorNative     = "native"      // tenantc's own tables (templates/store_native.up.sql.tmpl)
	flavorBetterAuth = "better-auth" // Better Auth 1.7.25's tables (betterAuthDumpPath) + testdata/tenants.sql + templates/store_better_auth.up.sql.tmpl
)

var flavors = []string{flavorNative, flavorBetterAuth}

// forEachFlavor runs f as a subtest per flavor.
func forEachFlavor(t *testing.T, f func(t *testing.T, flavor string)) {
	t.Helper()
	for _, fl := range flavors {
		t.Run(fl, func(t *testing.T) { f(t, fl) })
	}
}

// nativeTenants is the tenant root of the native flavor, protected as
// tenantc's migrations protect it (the Better Auth flavor has the same in
// testdata/tenants.sql).
const nativeTenants = `
CREATE TABLE tenants (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
    USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
`

// fixture is one test database with the store's schema.
type fixture struct {
	Flavor string
	Schema Schema
	DB     *pgtest.DB
	// Admin is a superuser pool on the database, for setting up and looking
	// behind the store.
	Admin *pgxpool.Pool
	// System is the store's database: a pool of a role that has BYPASSRLS
	// (and is not a superuser), granted DML on every table.
	System *tenant.SystemDB
	// SystemURL connects as System's role, for pools of a test's own
	// (counting round trips, say).
	SystemURL string

	mu     sync.Mutex
	emails map[UserID]string
}

// newTestStore makes a fresh database with the flavor's schema ("native" or
// "better-auth") and returns a store on it. cfg.Schema, when unset, is the
// flavor's (Native() or BetterAuth()).
func newTestStore(t testing.TB, flavor string, cfg Config) (*testStore, *fixture) {
	t.Helper()
	fx := newFixture(t, flavor)
	return fx.store(t, cfg), fx
}

func newFixture(t testing.TB, flavor string) *fixture {
	t.Helper()
	db := pgtest.NewDatabase(t)
	fx := &fixture{Flavor: flavor, DB: db, emails: map[UserID]string{}}
	var ddl string
	switch flavor {
	case flavorNative:
		fx.Schema = Native()
		ddl = nativeTenants + render(t, "store_native.up.sql.tmpl")
	case flavorBetterAuth:
		fx.Schema = BetterAuth()
		ddl = betterAuthSchema(t) + render(t, "store_better_auth.up.sql.tmpl")
	default:
		t.Fatalf("unknown flavor %q", flavor)
	}
	fx.open(t, ddl)
	return fx
}

// open applies each DDL script to the fixture's database as its owner (one
// connection each: a pg_dump's search_path stays in its own) and makes the
// store's role and pools.
func (fx *fixture) open(t testing.TB, ddl ...string) {
	t.Helper()
	db := fx.DB
	for _, d := range ddl {
		db.Exec(t, db.OwnerURL, d)
	}

	// The store's role: BYPASSRLS, not a superuser, owns nothing.
	role, pass := db.Name+"_store", pgurl.RandomHex(16)
	db.Exec(t, db.AdminURL, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' BYPASSRLS NOSUPERUSER NOCREATEDB NOCREATEROLE", role, pass))
	t.Cleanup(func() {
		// Runs after the pools below are closed and before pgtest drops the
		// database: the role's grants live in the database.
		conn, err := pgx.Connect(context.Background(), db.AdminURL)
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), fmt.Sprintf("DROP OWNED BY %s; DROP ROLE %s", role, role)); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	db.Exec(t, db.OwnerURL, fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %[1]s;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s;`, role))

	roleURL, err := pgurl.With(db.AdminURL, url.UserPassword(role, pass), db.Name)
	require.NoError(t, err)
	fx.SystemURL = roleURL
	fx.System = tenant.NewSystemDB(newPool(t, roleURL, 16))
	fx.Admin = newPool(t, db.AdminURL, 4)
}

// betterAuthSchema is the DDL of the real Better Auth schema, as its
// migrator makes it, and the tenants table: the pg_dump without its
// psql-only lines (\restrict …), and with the search_path it empties put
// back for what follows.
func betterAuthSchema(t testing.TB) string {
	t.Helper()
	tenants, err := os.ReadFile("testdata/tenants.sql")
	require.NoError(t, err)
	return betterAuthDump(t) + string(tenants)
}

// betterAuthDumpPath is the one copy of the pg_dump of Better Auth 1.7.25's
// schema as its migrator makes it: the generator's golden case reads it as a
// project's schema, and internal/betterauth's TestSchemaDump holds it to what
// the migrator makes.
const betterAuthDumpPath = "../internal/generator/testdata/store-better-auth-1.7.25/input/schema/001_better_auth.sql"

// betterAuthDump is that dump without its psql-only lines (\restrict …),
// with the search_path it empties put back for what follows.
func betterAuthDump(t testing.TB) string {
	t.Helper()
	dump, err := os.ReadFile(betterAuthDumpPath)
	require.NoError(t, err)
	var b strings.Builder
	for line := range strings.Lines(string(dump)) {
		if !strings.HasPrefix(line, `\`) {
			b.WriteString(line)
		}
	}
	b.WriteString("\nRESET search_path;\n")
	return b.String()
}

func newPool(t testing.TB, connURL string, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(connURL)
	require.NoError(t, err)
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// render executes a store template of the templates package with the
// tenants table as the bridge.
func render(t testing.TB, name string) string { return renderOnDelete(t, name, "CASCADE") }

// renderOnDelete is render with the bridge's ON DELETE action.
func renderOnDelete(t testing.TB, name, onDelete string) string {
	t.Helper()
	// Every store template: the flavors' templates include the lockdown's.
	tmpl, err := template.ParseFS(templates.FS, "store_*.sql.tmpl")
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, tmpl.ExecuteTemplate(&b, name, renderData{Bridge: "tenants", OnDelete: onDelete}))
	return b.String()
}

// renderData is the store templates' data as the generator's (store.data)
// has it for a schema with none of tenantc's additions yet.
type renderData struct {
	Bridge, OnDelete             string
	Organizations, OrgIDType     string
	StatementBegin, StatementEnd string
	Lock, Rebridge               any
}

func (renderData) Had(string) bool              { return false }
func (renderData) Leads(string, ...string) bool { return false }

// store returns another store on the fixture's database, e.g. with other
// hooks or limits.
func (fx *fixture) store(t testing.TB, cfg Config) *testStore {
	t.Helper()
	if cfg.Schema.Organizations.Table == "" {
		cfg.Schema = fx.Schema
	}
	s, err := New[OrgID, UserID, MemberID, InviteID, TeamID](fx.System, cfg)
	require.NoError(t, err)
	return s
}

// user makes a user: a row of Better Auth's user table, or for the native
// flavor (whose users live elsewhere) just an id. Its email is
// <name>-<random>@example.com (see email).
func (fx *fixture) user(t testing.TB, name string) UserID {
	t.Helper()
	suffix := pgurl.RandomHex(4)
	id := UserID(name + "-" + suffix)
	email := strings.ToLower(name) + "-" + suffix + "@example.com"
	if fx.Flavor == flavorBetterAuth {
		id = UserID(newTestID())
		fx.exec(t, `INSERT INTO "user" (id, name, email, "emailVerified") VALUES ($1, $2, $3, false)`, string(id), name, email)
	}
	fx.mu.Lock()
	fx.emails[id] = email
	fx.mu.Unlock()
	return id
}

// users makes n users named name-0 … name-(n-1) in one statement.
func (fx *fixture) users(t testing.TB, name string, n int) []UserID {
	t.Helper()
	ids := make([]UserID, n)
	names := make([]string, n)
	emails := make([]string, n)
	for i := range ids {
		suffix := pgurl.RandomHex(4)
		names[i] = fmt.Sprintf("%s-%d", name, i)
		emails[i] = fmt.Sprintf("%s-%d-%s@example.com", strings.ToLower(name), i, suffix)
		ids[i] = UserID(names[i] + "-" + suffix)
		if fx.Flavor == flavorBetterAuth {
			ids[i] = UserID(newTestID())
		}
	}
	if fx.Flavor == flavorBetterAuth {
		strs := make([]string, n)
		for i, id := range ids {
			strs[i] = string(id)
		}
		fx.exec(t, `INSERT INTO "user" (id, name, email, "emailVerified") SELECT *, false FROM unnest($1::text[], $2::text[], $3::text[])`,
			strs, names, emails)
	}
	fx.mu.Lock()
	for i, id := range ids {
		fx.emails[id] = emails[i]
	}
	fx.mu.Unlock()
	return ids
}

// email is the email address of a user made by user or users.
func (fx *fixture) email(u UserID) string {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return fx.emails[u]
}

// newTestID is an id as Better Auth makes them.
func newTestID() string { return (&statements{schema: BetterAuth()}).newID() }

// org creates an organization owned by owner, with a fresh slug.
func (fx *fixture) org(t testing.TB, s *testStore, owner UserID) Organization[OrgID] {
	t.Helper()
	o, _, err := s.CreateOrganization(context.Background(), NewOrganization[UserID]{
		Name: "Org " + string(owner), Slug: "org-" + pgurl.RandomHex(6), Creator: owner,
	})
	require.NoError(t, err)
	return o
}

// addMembers inserts members of org directly (as the superuser), each with
// roles: fast setup for tests that need many.
func (fx *fixture) addMembers(t testing.TB, org OrgID, users []UserID, roles ...string) {
	t.Helper()
	if len(roles) == 0 {
		roles = []string{RoleMember}
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = string(u)
	}
	m := fx.Schema.Members
	if fx.Flavor == flavorBetterAuth {
		memberIDs := make([]string, len(users))
		for i := range memberIDs {
			memberIDs[i] = newTestID()
		}
		fx.exec(t, fmt.Sprintf(`INSERT INTO %s (%s, %s, %s, %s, %s) SELECT u.id, $1, u.uid, $3, now() FROM unnest($2::text[], $4::text[]) AS u(uid, id)`,
			ident(m.Table), ident(m.ID), ident(m.OrganizationID), ident(m.UserID), ident(m.Role), ident(m.CreatedAt)),
			string(org), ids, strings.Join(roles, ","), memberIDs)
		return
	}
	fx.exec(t, fmt.Sprintf(`INSERT INTO %s (%s, %s, %s) SELECT $1, u, $3 FROM unnest($2::text[]) AS u`,
		ident(m.Table), ident(m.OrganizationID), ident(m.UserID), ident(m.Role)),
		string(org), ids, roles)
}

// exec runs sql as the superuser.
func (fx *fixture) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	_, err := fx.Admin.Exec(context.Background(), sql, args...)
	require.NoError(t, err, sql)
}

// count runs a count query as the superuser.
func (fx *fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, fx.Admin.QueryRow(context.Background(), sql, args...).Scan(&n), sql)
	return n
}

// countWhere counts the rows of table whose column equals value.
func (fx *fixture) countWhere(t testing.TB, table, column string, value any) int {
	t.Helper()
	return fx.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1", ident(table), ident(column)), value)
}

// recorder is a pair of hooks that record the events they see, and veto
// those vetoed says to.
type recorder struct {
	mu     sync.Mutex
	events []string // "before op" / "after op"
	veto   func(phase string, e *Event) error
}

func (r *recorder) hooks() Hooks {
	hook := func(phase string) Hook {
		return func(ctx context.Context, e *Event) error {
			if e.Tx == nil {
				return errors.New("event without a transaction")
			}
			r.mu.Lock()
			r.events = append(r.events, phase+" "+string(e.Op))
			veto := r.veto
			r.mu.Unlock()
			if veto != nil {
				return veto(phase, e)
			}
			return nil
		}
	}
	return Hooks{Before: []Hook{hook("before")}, After: []Hook{hook("after")}}
}

// take returns the events recorded since the last call.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func (r *recorder) setVeto(f func(phase string, e *Event) error) {
	r.mu.Lock()
	r.veto = f
	r.mu.Unlock()
}
