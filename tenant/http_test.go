package tenant_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// testKeys is the app's API key store: key-a belongs to tenant A.
type testKeys map[string]tenant.ID

func (k testKeys) TenantOfKey(_ context.Context, key string) (tenant.ID, error) {
	if strings.HasPrefix(key, "sess_") {
		return "", tenant.ErrNoMatch // a session token, not an API key
	}
	if id, ok := k[key]; ok {
		return id, nil
	}
	return "", fmt.Errorf("%w: unknown API key", tenant.ErrUnauthenticated)
}

// testSessions stands in for the app's session check: "X-Session: user" or
// "user|active-org"; "expired" is an invalid session.
type testSessions struct{}

func (testSessions) Session(r *http.Request) (string, string, error) {
	user, org, _ := strings.Cut(r.Header.Get("X-Session"), "|")
	switch user {
	case "":
		return "", "", tenant.ErrNoMatch
	case "expired":
		return "", "", tenant.ErrUnauthenticated
	}
	return user, org, nil
}

func TestMiddleware(t *testing.T) {
	pdb := newDatabase(t)
	// Organizations and memberships, as an auth library keeps them: global
	// tables, text ids; an organization's id is not its tenant's id (the
	// bridge). The lookup joins the tenant root, which RLS protects.
	pdb.Exec(t, pdb.OwnerURL, `
CREATE TABLE organizations (id text PRIMARY KEY, slug text UNIQUE NOT NULL, tenant_id uuid NOT NULL REFERENCES tenants (id));
CREATE TABLE members (org_id text NOT NULL REFERENCES organizations (id), user_id text NOT NULL);`)
	pdb.Exec(t, pdb.AdminURL, fmt.Sprintf(`
INSERT INTO organizations VALUES ('org_a1', 'acme', '%s'), ('org_b2', 'bravo', '%s');
INSERT INTO members VALUES ('org_a1', 'alice'), ('org_b2', 'bob'), ('org_a1', 'carol'), ('org_b2', 'carol');`, tenantA, tenantB))
	pdb.GrantApp(t)
	sysURL := newRole(t, pdb, "sys", "BYPASSRLS")
	const membership = `SELECT t.id FROM members m
		JOIN organizations o ON o.id = m.org_id
		JOIN tenants t ON t.id = o.tenant_id
		WHERE m.user_id = $1 AND (o.id = $2 OR o.slug = $2) LIMIT 1`
	members := tenant.MembershipQuery(tenant.NewSystemDB(newPool(t, sysURL, pgx.QueryExecModeCacheStatement, 2, nil)), membership)

	db := tenant.NewDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 2, nil))
	// The handler behind the middleware reads with the fast path.
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := db.Scope().TenantID(r.Context())
		require.NoError(t, err)
		fmt.Fprintf(w, "%s %d", id, len(bodies(t, r.Context(), db.Scope().Querier(), id)))
	})
	var s testSessions
	mw := &tenant.Middleware{Resolvers: []tenant.Resolver{
		tenant.APIKey("Authorization", testKeys{"key-a": tenantA}),
		tenant.Header("X-Organization", s, members),
		tenant.Subdomain("example.test", s, members),
		tenant.ActiveOrganization(s, members),
	}}
	mux := http.NewServeMux()
	mux.Handle("/", mw.Handler(app))
	mux.Handle("/orgs/{org}/items", (&tenant.Middleware{Resolvers: []tenant.Resolver{tenant.PathValue("org", s, members)}}).Handler(app))

	ok := func(id tenant.ID) string { return fmt.Sprintf("%s %d", id, itemsPerTenant) }
	for _, tc := range []struct {
		name    string
		target  string
		headers map[string]string
		status  int
		body    string
	}{
		{"API key", "/", map[string]string{"Authorization": "Bearer key-a"}, 200, ok(tenantA)},
		{"unknown API key", "/", map[string]string{"Authorization": "Bearer key-x"}, 401, ""},
		{"no credentials", "/", nil, 401, ""},
		{"expired session", "/", map[string]string{"X-Session": "expired|org_a1"}, 401, ""},
		{"session token passes the API key resolver", "/", map[string]string{"Authorization": "Bearer sess_1", "X-Session": "alice|org_a1"}, 200, ok(tenantA)},

		{"member, active organization (org id ≠ tenant id)", "/", map[string]string{"X-Session": "alice|org_a1"}, 200, ok(tenantA)},
		{"member by slug", "/", map[string]string{"X-Session": "bob|bravo"}, 200, ok(tenantB)},
		{"non-member, active organization", "/", map[string]string{"X-Session": "bob|org_a1"}, 403, ""},
		{"unknown organization looks like non-member", "/", map[string]string{"X-Session": "bob|org_zz"}, 403, ""},
		{"signed in, no organization named", "/", map[string]string{"X-Session": "alice"}, 401, ""},

		{"header naming own organization", "/", map[string]string{"X-Session": "carol|org_a1", "X-Organization": "org_b2"}, 200, ok(tenantB)},
		{"header naming another tenant's organization", "/", map[string]string{"X-Session": "alice|org_a1", "X-Organization": "org_b2"}, 403, ""},
		{"header naming a tenant id directly", "/", map[string]string{"X-Session": "alice|org_a1", "X-Organization": string(tenantB)}, 403, ""},
		{"header without a session", "/", map[string]string{"X-Organization": "org_a1"}, 401, ""},

		{"subdomain, member", "http://acme.example.test/", map[string]string{"X-Session": "alice"}, 200, ok(tenantA)},
		{"subdomain, non-member", "http://bravo.example.test:8080/", map[string]string{"X-Session": "alice"}, 403, ""},
		{"subdomain two levels down does not match", "http://x.acme.example.test/", map[string]string{"X-Session": "alice"}, 401, ""},

		{"path, member", "/orgs/acme/items", map[string]string{"X-Session": "alice"}, 200, ok(tenantA)},
		{"path, non-member", "/orgs/bravo/items", map[string]string{"X-Session": "alice"}, 403, ""},
		{"path, no session", "/orgs/acme/items", nil, 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.target, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			assert.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.status == 200 {
				assert.Equal(t, tc.body, rec.Body.String())
			} else {
				// The refusal says no more than its status.
				assert.Equal(t, http.StatusText(tc.status)+"\n", rec.Body.String())
			}
		})
	}

	t.Run("membership on a role without BYPASSRLS is an error, not a refusal", func(t *testing.T) {
		bad := tenant.MembershipQuery(tenant.NewSystemDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil)), membership)
		var gotErr error
		mw := &tenant.Middleware{
			Resolvers: []tenant.Resolver{tenant.ActiveOrganization(s, bad)},
			Refuse: func(w http.ResponseWriter, _ *http.Request, status int, err error) {
				gotErr = err
				w.WriteHeader(status)
			},
		}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Session", "alice|org_a1")
		mw.Handler(app).ServeHTTP(rec, req)
		assert.Equal(t, 500, rec.Code)
		assert.ErrorIs(t, gotErr, tenant.ErrNotBypassRLS)
	})

	t.Run("a resolver returning the zero ID fails closed", func(t *testing.T) {
		mw := &tenant.Middleware{Resolvers: []tenant.Resolver{
			tenant.ResolverFunc(func(*http.Request) (tenant.ID, error) { return "", nil }),
		}}
		rec := httptest.NewRecorder()
		mw.Handler(app).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		assert.Equal(t, 500, rec.Code)
		body, _ := io.ReadAll(rec.Body)
		assert.Equal(t, "Internal Server Error\n", string(body))
	})
}

// TestMembershipQueryInvalidInput: an organization id the membership query
// cannot read as its type (a malformed uuid, a bigint out of range) is a
// non-member's 403, not a 500 — any client can send one — while a failing
// database stays a 500.
func TestMembershipQueryInvalidInput(t *testing.T) {
	pdb := newDatabase(t)
	pdb.Exec(t, pdb.OwnerURL, `CREATE TABLE org_members (org_id uuid NOT NULL, seq bigint NOT NULL, user_id text NOT NULL);`)
	pdb.Exec(t, pdb.AdminURL, fmt.Sprintf(`INSERT INTO org_members VALUES ('%s', 7, 'alice');`, tenantA))
	sysURL := newRole(t, pdb, "sys", "BYPASSRLS")
	sysPool := newPool(t, sysURL, pgx.QueryExecModeCacheStatement, 2, nil)
	byUUID := tenant.MembershipQuery(tenant.NewSystemDB(sysPool),
		`SELECT org_id FROM org_members WHERE user_id = $1 AND org_id = $2::uuid`)
	bySeq := tenant.MembershipQuery(tenant.NewSystemDB(sysPool),
		`SELECT org_id FROM org_members WHERE user_id = $1 AND seq = $2::bigint`)
	broken := tenant.MembershipQuery(tenant.NewSystemDB(sysPool),
		`SELECT org_id FROM no_such_table WHERE user_id = $1 AND org_id = $2::uuid`)
	closedPool := newPool(t, sysURL, pgx.QueryExecModeCacheStatement, 1, nil)
	closedSys := tenant.NewSystemDB(closedPool)
	outage := tenant.MembershipQuery(closedSys, `SELECT org_id FROM org_members WHERE user_id = $1 AND org_id = $2::uuid`)
	require.NoError(t, tenant.System(context.Background(), closedSys, func(context.Context, *tenant.Scope) error { return nil }))
	closedPool.Close() // the role was checked; now the database is gone

	var s testSessions
	serve := func(m tenant.Members, org string) (int, error) {
		var gotErr error
		mw := &tenant.Middleware{
			Resolvers: []tenant.Resolver{tenant.Header("X-Organization", s, m)},
			Refuse: func(w http.ResponseWriter, _ *http.Request, status int, err error) {
				gotErr = err
				w.WriteHeader(status)
			},
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-Session", "alice")
		req.Header.Set("X-Organization", org)
		rec := httptest.NewRecorder()
		mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, _ := tenant.IDFrom(r.Context())
			fmt.Fprint(w, id)
		})).ServeHTTP(rec, req)
		return rec.Code, gotErr
	}
	for _, tc := range []struct {
		name   string
		m      tenant.Members
		org    string
		status int
	}{
		{"member by uuid", byUUID, string(tenantA), 200},
		{"member by bigint", bySeq, "7", 200},
		{"malformed uuid", byUUID, "not-a-uuid", 403},
		{"uuid with a NUL byte", byUUID, "a\x00b", 403},
		{"bigint out of range", bySeq, "99999999999999999999", 403},
		{"not a number", bySeq, "seven", 403},
		{"missing table", broken, string(tenantA), 500},
		{"database unreachable", outage, string(tenantA), 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, err := serve(tc.m, tc.org)
			assert.Equal(t, tc.status, status, "%v", err)
			if tc.status == 403 {
				assert.ErrorIs(t, err, tenant.ErrForbidden)
			}
			if tc.status == 500 {
				assert.NotErrorIs(t, err, tenant.ErrForbidden)
			}
		})
	}
}
