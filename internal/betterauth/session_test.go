package betterauth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// baSecret is the secret ba.mjs runs Better Auth with.
func baSecret() string {
	if s := os.Getenv("BETTER_AUTH_SECRET"); s != "" {
		return s
	}
	return "tenantc-interop-test-secret-0123456789abcdef"
}

// projectsDDL is a scoped table of the application, protected as tenantc's
// rls migration protects one: the tenant predicate is the whole policy.
const projectsDDL = `
CREATE TABLE projects (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name      text NOT NULL
);
CREATE INDEX projects_tenant_id_idx ON projects (tenant_id);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON projects AS PERMISSIVE FOR ALL
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
`

// queryCounter counts the statements a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (*queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// sessionApp is an application serving GET/POST /projects behind
// tenant.Middleware with an API key resolver and the Better Auth session
// resolver; the handler reads and writes its tenant's projects with
// tenant.Run on the application role (no BYPASSRLS).
type sessionApp struct {
	e       *env
	handler http.Handler
	queries *queryCounter // the session resolver's pool
	res     *tenant.BetterAuthSessions
	store   *goStore // the resolver's store: adopts organizations
}

func newSessionApp(t *testing.T, e *env, cfg tenant.BetterAuthSessionConfig, keys apiKeys) *sessionApp {
	t.Helper()
	e.DB.Exec(t, e.DB.OwnerURL, projectsDDL+fmt.Sprintf("GRANT SELECT, INSERT ON projects TO %s;", e.DB.App))
	a := &sessionApp{e: e, queries: &queryCounter{}}

	pcfg, err := pgxpool.ParseConfig(e.StoreURL)
	require.NoError(t, err)
	pcfg.MaxConns = 2
	pcfg.ConnConfig.Tracer = a.queries
	sysPool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	require.NoError(t, err)
	t.Cleanup(sysPool.Close)
	a.store, err = orgstore.New[OrgID, UserID, MemberID, InviteID, TeamID](tenant.NewSystemDB(sysPool),
		orgstore.Config{Schema: orgstore.BetterAuth(), MaxMembersPerTeam: teamSeats})
	require.NoError(t, err)
	if cfg.Secret == "" {
		cfg.Secret = baSecret()
	}
	a.res, err = a.store.BetterAuthSession(cfg)
	require.NoError(t, err)

	appDB := tenant.NewDB(newPool(t, e.DB.AppURL, 4))
	mw := &tenant.Middleware{
		Resolvers: []tenant.Resolver{tenant.APIKey("Authorization", keys), a.res},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	a.handler = mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := tenant.UserFrom(r.Context())
		out := projectsPage{User: user}
		err := tenant.Run(r.Context(), appDB, func(ctx context.Context, s *tenant.Scope) error {
			id, err := s.TenantID(ctx)
			if err != nil {
				return err
			}
			out.Tenant = string(id)
			q := s.Querier()
			if r.Method == http.MethodPost {
				// The tenant id comes from the resolver, never the client.
				if _, err := q.Exec(ctx, `INSERT INTO projects (tenant_id, name) VALUES ($1, $2)`,
					string(id), r.URL.Query().Get("name")); err != nil {
					return err
				}
			}
			rows, _ := q.Query(ctx, `SELECT name FROM projects ORDER BY name`)
			out.Projects, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	return a
}

// apiKeys is the application's API keys: "tk_…" values only, anything else
// is not an API key (ErrNoMatch), so a Better Auth bearer token reaches the
// session resolver.
type apiKeys map[string]tenant.ID

func (k apiKeys) TenantOfKey(_ context.Context, key string) (tenant.ID, error) {
	if !strings.HasPrefix(key, "tk_") {
		return "", tenant.ErrNoMatch
	}
	if id, ok := k[key]; ok {
		return id, nil
	}
	return "", fmt.Errorf("%w: unknown API key", tenant.ErrUnauthenticated)
}

type projectsPage struct {
	Tenant   string   `json:"tenant"`
	User     string   `json:"user"`
	Projects []string `json:"projects"`
}

// do sends a request with the given Cookie and Authorization headers.
func (a *sessionApp) do(t *testing.T, method, path, cookie, authorization string) (int, projectsPage) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	a.handler.ServeHTTP(w, r)
	var p projectsPage
	if w.Code == http.StatusOK {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p), w.Body.String())
	}
	return w.Code, p
}

// baUser is a Better Auth user with the session its sign-up made.
type baUser struct {
	ID        UserID
	Email     string
	Token     string // the raw session token
	AuthToken string // the bearer plugin's set-auth-token: the signed cookie value
	Cookie    string // the Cookie header a browser would send
	ba        *baClient
}

// signUpOn signs a user up on the Better Auth service c.
func signUpOn(t *testing.T, c *baClient, name string) baUser {
	t.Helper()
	u := baUser{Email: strings.ToLower(name) + "-" + pgurl.RandomHex(4) + "@example.com", ba: c}
	var res struct {
		UserID    string `json:"userId"`
		Token     string `json:"token"`
		AuthToken string `json:"authToken"`
	}
	c.must(t, &res, map[string]any{"op": "signUp", "email": u.Email, "name": name})
	u.ID, u.Token, u.AuthToken = UserID(res.UserID), res.Token, res.AuthToken
	u.refresh(t)
	require.NotEmpty(t, u.Token)
	require.Contains(t, u.Cookie, "better-auth.session_token=")
	return u
}

// refresh reads the cookies Better Auth set for u so far.
func (u *baUser) refresh(t *testing.T) {
	t.Helper()
	var res struct {
		Cookie string `json:"cookie"`
	}
	u.ba.must(t, &res, map[string]any{"op": "cookie", "as": u.ID})
	u.Cookie = res.Cookie
}

// sessionCookie is u's session_token cookie alone.
func (u baUser) sessionCookie(t *testing.T) string {
	t.Helper()
	for _, c := range strings.Split(u.Cookie, "; ") {
		if strings.HasPrefix(c, "better-auth.session_token=") {
			return c
		}
	}
	t.Fatalf("no session cookie in %q", u.Cookie)
	return ""
}

// signed is u's session cookie's value, URL-decoded: "<token>.<signature>".
func (u baUser) signed(t *testing.T) string {
	t.Helper()
	_, v, _ := strings.Cut(u.sessionCookie(t), "=")
	dec, err := url.PathUnescape(v)
	require.NoError(t, err)
	return dec
}

// setActive makes org the active organization of u's session, through
// Better Auth (which checks membership).
func (u *baUser) setActive(t *testing.T, org string) {
	t.Helper()
	u.ba.must(t, nil, map[string]any{"op": "setActive", "as": u.ID, "organizationId": org})
	u.refresh(t)
}

// baSession is the session Better Auth itself sees in a request with
// these headers; nil when it sees none.
type baSessionView struct {
	UserID               string  `json:"userId"`
	ActiveOrganizationID *string `json:"activeOrganizationId"`
}

func baSees(t *testing.T, c *baClient, cookie, authorization string) *baSessionView {
	t.Helper()
	var s *baSessionView
	c.must(t, &s, map[string]any{"op": "getSession", "cookie": cookie, "authorization": authorization})
	return s
}

// TestSession drives tenant.BetterAuthSession with sessions the real Better
// Auth issued: cookies and bearer tokens from its sign-up, active
// organizations it set, members it or the Go store added and removed.
func TestSession(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	keys := apiKeys{}
	app := newSessionApp(t, e, tenant.BetterAuthSessionConfig{Bearer: true}, keys)

	// alice owns A, made by Better Auth (its tenant is adopted on her first
	// request); bob owns B, made by Go (tenant made with it).
	alice := signUpOn(t, e.BA, "Alice")
	orgA := e.baCreateOrg(t, alice.ID).ID // Better Auth makes it her active organization
	bob := signUpOn(t, e.BA, "Bob")
	orgB := string(e.goCreateOrg(t, bob.ID).ID)
	bob.setActive(t, orgB)
	tenantB := e.tenantOf(t, orgB)
	require.NotEmpty(t, tenantB, "Go made B's tenant with it")
	require.Empty(t, e.tenantOf(t, orgA), "Better Auth made A; no tenant yet")
	var tenantA string

	// fresh is a user with a session of Better Auth's own.
	fresh := func(t *testing.T, name string) baUser { return signUpOn(t, e.BA, name) }

	runFlows(t, []flowCase{
		{"valid cookie/BA→Go", func(t *testing.T) {
			// An organization Better Auth made, a session it set: the first
			// request adopts the organization and lands in its tenant.
			code, p := app.do(t, "GET", "/projects", alice.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			tenantA = e.tenantOf(t, orgA)
			require.NotEmpty(t, tenantA, "adopted on the first request")
			assert.Equal(t, tenantA, p.Tenant)
			assert.Equal(t, string(alice.ID), p.User, "tenant.UserFrom")
		}},
		{"valid cookie/Go→BA", func(t *testing.T) {
			// An organization Go made, made active through Better Auth:
			// both services see the same user and organization.
			code, p := app.do(t, "GET", "/projects", bob.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
			assert.Equal(t, string(bob.ID), p.User)
			s := baSees(t, e.BA, bob.Cookie, "")
			require.NotNil(t, s)
			assert.Equal(t, string(bob.ID), s.UserID)
			require.NotNil(t, s.ActiveOrganizationID)
			assert.Equal(t, orgB, *s.ActiveOrganizationID)
		}},
		{"isolation/BA→Go", func(t *testing.T) {
			// The must-show: a scoped table, two tenants (A adopted from
			// Better Auth, B made in Go), requests through the middleware and
			// the session resolver, each reading and writing only its own.
			code, p := app.do(t, "POST", "/projects?name=a-roadmap", alice.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, []string{"a-roadmap"}, p.Projects)
			code, p = app.do(t, "POST", "/projects?name=b-launch", bob.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, []string{"b-launch"}, p.Projects, "bob does not see A's project")
			_, p = app.do(t, "GET", "/projects", alice.Cookie, "")
			assert.Equal(t, []string{"a-roadmap"}, p.Projects, "alice does not see B's project")
			// Each row went to its own tenant (the superuser reads past RLS).
			rows, _ := e.Admin.Query(ctx, `SELECT name, tenant_id::text FROM projects ORDER BY name`)
			got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Name, Tenant string }])
			require.NoError(t, err)
			assert.Equal(t, []struct{ Name, Tenant string }{{"a-roadmap", tenantA}, {"b-launch", tenantB}}, got)
		}},
		{"isolation/Go→BA", func(t *testing.T) {
			// Alice attacks B. Better Auth refuses to make B active for her...
			err := e.BA.call(map[string]any{"op": "setActive", "as": alice.ID, "organizationId": orgB}, nil)
			require.Error(t, err, "Better Auth lets a non-member activate B")
			// ...so she writes it into her session row (a session that
			// names an organization she was never in, or left).
			_, err = e.Admin.Exec(ctx, `UPDATE session SET "activeOrganizationId" = $1 WHERE token = $2`, orgB, alice.Token)
			require.NoError(t, err)
			code, _ := app.do(t, "GET", "/projects", alice.Cookie, "")
			assert.Equal(t, http.StatusForbidden, code, "not a member of B")
			code, _ = app.do(t, "POST", "/projects?name=planted", alice.Cookie, "")
			assert.Equal(t, http.StatusForbidden, code)
			note(t, "Better Auth setActive of a non-member: refused; Go, B written into her session: %d", code)
			// Bob's token under a signature made without the secret, and
			// bob's signature under alice's token: no way into B either.
			for _, forged := range []string{
				tenant.SignBetterAuthToken("guessed-secret", bob.Token),
				alice.Token + bob.signed(t)[strings.LastIndex(bob.signed(t), "."):],
				bob.Token, // unsigned
			} {
				cookie := "better-auth.session_token=" + url.QueryEscape(forged)
				code, _ := app.do(t, "GET", "/projects", cookie, "")
				assert.Equal(t, http.StatusUnauthorized, code, "forged %q", forged)
				assert.Nil(t, baSees(t, e.BA, cookie, ""), "Better Auth accepts forged %q", forged)
			}
			note(t, "3 forged cookies: Go 401, Better Auth no session")
			_, err = e.Admin.Exec(ctx, `UPDATE session SET "activeOrganizationId" = $1 WHERE token = $2`, orgA, alice.Token)
			require.NoError(t, err)
			// B's rows are untouched; alice is back in A.
			var n int
			require.NoError(t, e.Admin.QueryRow(ctx, `SELECT count(*) FROM projects WHERE tenant_id = $1`, tenantB).Scan(&n))
			assert.Equal(t, 1, n)
			_, p := app.do(t, "GET", "/projects", alice.Cookie, "")
			assert.Equal(t, []string{"a-roadmap"}, p.Projects)
		}},
		{"tampered cookie/BA→Go", func(t *testing.T) {
			name := "better-auth.session_token"
			tok, sig, _ := strings.Cut(alice.signed(t), ".")
			flip := func(s string, i int) string {
				b := []byte(s)
				if b[i] == 'A' {
					b[i] = 'B'
				} else {
					b[i] = 'A'
				}
				return string(b)
			}
			for what, v := range map[string]string{
				"signature byte":   tok + "." + flip(sig, 0),
				"token byte":       flip(tok, 5) + "." + sig,
				"no signature":     tok,
				"empty signature":  tok + ".",
				"other secret":     tenant.SignBetterAuthToken(baSecret()+"-other", tok),
				"unknown token":    tenant.SignBetterAuthToken(baSecret(), pgurl.RandomHex(16)),
				"signature halved": tok + "." + sig[:22],
			} {
				cookie := name + "=" + url.QueryEscape(v)
				code, _ := app.do(t, "GET", "/projects", cookie, "")
				assert.Equal(t, http.StatusUnauthorized, code, what)
				assert.Nil(t, baSees(t, e.BA, cookie, ""), "Better Auth accepts the cookie with a tampered %s", what)
			}
			note(t, "7 tampered cookies: Go 401, Better Auth no session")
		}},
		{"tampered cookie/Go→BA", func(t *testing.T) {
			// A cookie Go signs with the secret is one Better Auth accepts:
			// the formats are the same, byte for byte.
			cookie := "better-auth.session_token=" + url.QueryEscape(tenant.SignBetterAuthToken(baSecret(), bob.Token))
			s := baSees(t, e.BA, cookie, "")
			require.NotNil(t, s)
			assert.Equal(t, string(bob.ID), s.UserID)
			code, p := app.do(t, "GET", "/projects", cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
		}},
		{"expired session/BA→Go", func(t *testing.T) {
			u := fresh(t, "Expiring")
			_, err := e.Store.AddMember(ctx, alice.ID, OrgID(orgA), u.ID, []string{orgstore.RoleMember})
			require.NoError(t, err)
			u.setActive(t, orgA)
			code, _ := app.do(t, "GET", "/projects", u.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			_, err = e.Admin.Exec(ctx, `UPDATE session SET "expiresAt" = now() - interval '1 second' WHERE token = $1`, u.Token)
			require.NoError(t, err)
			code, _ = app.do(t, "GET", "/projects", u.Cookie, "")
			assert.Equal(t, http.StatusUnauthorized, code, "expired")
			assert.Nil(t, baSees(t, e.BA, u.Cookie, ""), "Better Auth also ends it")
			note(t, "expired: Go %d, Better Auth no session", code)
		}},
		{"removed member/BA→Go", func(t *testing.T) {
			// Removed through Better Auth while the session still names A.
			u := fresh(t, "Carol")
			e.BA.must(t, nil, map[string]any{"op": "addMember", "userId": u.ID, "role": "member", "organizationId": orgA})
			u.setActive(t, orgA)
			code, p := app.do(t, "GET", "/projects", u.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantA, p.Tenant)
			e.BA.must(t, nil, map[string]any{"op": "removeMember", "as": alice.ID, "member": u.Email, "organizationId": orgA})
			s := baSees(t, e.BA, u.Cookie, "")
			require.NotNil(t, s)
			require.NotNil(t, s.ActiveOrganizationID, "Better Auth clears the removed member's active organization")
			assert.Equal(t, orgA, *s.ActiveOrganizationID, "the session still names A")
			code, _ = app.do(t, "GET", "/projects", u.Cookie, "")
			assert.Equal(t, http.StatusForbidden, code)
			note(t, "removed by Better Auth, its session still naming A: Go %d", code)
		}},
		{"removed member/Go→BA", func(t *testing.T) {
			// Removed through Go while the session (set by Better Auth) names B.
			u := fresh(t, "Dave")
			_, err := e.Store.AddMember(ctx, bob.ID, OrgID(orgB), u.ID, []string{orgstore.RoleMember})
			require.NoError(t, err)
			u.setActive(t, orgB)
			code, p := app.do(t, "GET", "/projects", u.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
			assert.Equal(t, []string{"b-launch"}, p.Projects)
			require.NoError(t, e.Store.RemoveMember(ctx, bob.ID, OrgID(orgB), u.ID))
			code, _ = app.do(t, "GET", "/projects", u.Cookie, "")
			assert.Equal(t, http.StatusForbidden, code)
			code, _ = app.do(t, "POST", "/projects?name=revenge", u.Cookie, "")
			assert.Equal(t, http.StatusForbidden, code)
			note(t, "removed by Go, its session still naming B: Go %d", code)
		}},
		{"switch active organization/BA→Go", func(t *testing.T) {
			// A member of both: Better Auth's setActiveOrganization moves
			// the same cookie from A's tenant to B's.
			u := fresh(t, "Eve")
			e.BA.must(t, nil, map[string]any{"op": "addMember", "userId": u.ID, "role": "member", "organizationId": orgA})
			_, err := e.Store.AddMember(ctx, bob.ID, OrgID(orgB), u.ID, []string{orgstore.RoleMember})
			require.NoError(t, err)
			code, _ := app.do(t, "GET", "/projects", u.Cookie, "")
			assert.Equal(t, http.StatusUnauthorized, code, "no active organization: no resolver matches")
			u.setActive(t, orgA)
			cookie := u.Cookie
			_, p := app.do(t, "GET", "/projects", cookie, "")
			assert.Equal(t, tenantA, p.Tenant)
			assert.Equal(t, []string{"a-roadmap"}, p.Projects)
			u.setActive(t, orgB)
			assert.Equal(t, cookie, u.Cookie, "the same cookie")
			_, p = app.do(t, "GET", "/projects", u.Cookie, "")
			assert.Equal(t, tenantB, p.Tenant)
			assert.Equal(t, []string{"b-launch"}, p.Projects)
		}},
		{"no session/BA→Go", func(t *testing.T) {
			code, _ := app.do(t, "GET", "/projects", "", "")
			assert.Equal(t, http.StatusUnauthorized, code)
			code, _ = app.do(t, "GET", "/projects", "theme=dark", "")
			assert.Equal(t, http.StatusUnauthorized, code)
			// Better Auth's cookie cache alone names a session but is not one.
			code, _ = app.do(t, "GET", "/projects", "better-auth.session_data=eyJzZXNzaW9uIjp7fX0", "")
			assert.Equal(t, http.StatusUnauthorized, code)
		}},
		{"bearer/BA→Go", func(t *testing.T) {
			// The bearer plugin's set-auth-token, no cookie: Better Auth
			// and Go both take it.
			require.NotEmpty(t, bob.AuthToken)
			authz := "Bearer " + bob.AuthToken
			code, p := app.do(t, "GET", "/projects", "", authz)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
			s := baSees(t, e.BA, "", authz)
			require.NotNil(t, s)
			assert.Equal(t, string(bob.ID), s.UserID)
			// The bearer wins over the cookie, in both services.
			code, p = app.do(t, "GET", "/projects", alice.Cookie, authz)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
			s = baSees(t, e.BA, alice.Cookie, authz)
			require.NotNil(t, s)
			assert.Equal(t, string(bob.ID), s.UserID)
			// Tampered: refused, not passed on to the cookie.
			bad := "Bearer " + tenant.SignBetterAuthToken("guessed-secret", bob.Token)
			code, _ = app.do(t, "GET", "/projects", "", bad)
			assert.Equal(t, http.StatusUnauthorized, code)
			assert.Nil(t, baSees(t, e.BA, "", bad))
			// The bare token: Better Auth's plugin takes it (requireSignature
			// is off by default); Go only with UnsignedBearer.
			code, _ = app.do(t, "GET", "/projects", "", "Bearer "+bob.Token)
			assert.Equal(t, http.StatusUnauthorized, code, "unsigned bearer without UnsignedBearer")
			require.NotNil(t, baSees(t, e.BA, "", "Bearer "+bob.Token))
			unsigned, err := app.store.BetterAuthSession(tenant.BetterAuthSessionConfig{Secret: baSecret(), Bearer: true, UnsignedBearer: true})
			require.NoError(t, err)
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+bob.Token)
			id, err := unsigned.Resolve(r)
			require.NoError(t, err)
			assert.Equal(t, tenantB, string(id))
		}},
		{"bearer/Go→BA", func(t *testing.T) {
			// An API key and a Better Auth token in the same header don't
			// shadow each other: APIKey takes "tk_…", the session resolver
			// the signed token.
			keys["tk_agent_a"] = tenant.ID(tenantA)
			code, p := app.do(t, "GET", "/projects", "", "Bearer tk_agent_a")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantA, p.Tenant)
			assert.Empty(t, p.User, "an agent's request has no user")
			code, _ = app.do(t, "GET", "/projects", "", "Bearer tk_revoked")
			assert.Equal(t, http.StatusUnauthorized, code)
			code, p = app.do(t, "GET", "/projects", "", "Bearer "+bob.AuthToken)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
			// A JWT is neither: 401, and bob's cookie beside it still works.
			jwt := "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
			code, _ = app.do(t, "GET", "/projects", "", jwt)
			assert.Equal(t, http.StatusUnauthorized, code)
			code, p = app.do(t, "GET", "/projects", bob.Cookie, jwt)
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, tenantB, p.Tenant)
		}},
		{"one query per request/BA→Go", func(t *testing.T) {
			for _, u := range []baUser{alice, bob} {
				app.do(t, "GET", "/projects", u.Cookie, "") // the role check of a new SystemDB is done
				app.queries.n.Store(0)
				const n = 5
				for range n {
					code, _ := app.do(t, "GET", "/projects", u.Cookie, "")
					require.Equal(t, http.StatusOK, code)
				}
				assert.Equal(t, int64(n), app.queries.n.Load(), "statements on the system pool for %d requests", n)
				note(t, "%d requests: %d statements on the system pool", n, app.queries.n.Load())
			}
			// A refusal is one query too: the removed member, the expired session.
			u := fresh(t, "Frank")
			_, err := e.Store.AddMember(ctx, alice.ID, OrgID(orgA), u.ID, []string{orgstore.RoleMember})
			require.NoError(t, err)
			u.setActive(t, orgA)
			require.NoError(t, e.Store.RemoveMember(ctx, alice.ID, OrgID(orgA), u.ID))
			app.queries.n.Store(0)
			code, _ := app.do(t, "GET", "/projects", u.Cookie, "")
			assert.Equal(t, http.StatusForbidden, code)
			assert.Equal(t, int64(1), app.queries.n.Load())
			// A bad signature is refused before any query.
			app.queries.n.Store(0)
			code, _ = app.do(t, "GET", "/projects", "better-auth.session_token="+url.QueryEscape(tenant.SignBetterAuthToken("x", u.Token)), "")
			assert.Equal(t, http.StatusUnauthorized, code)
			assert.Equal(t, int64(0), app.queries.n.Load())
		}},
		{"adoption once/BA→Go", func(t *testing.T) {
			// A new Better Auth organization: its first request adopts it
			// (ResolveTenant's transaction), every later one is one query.
			u := fresh(t, "Grace")
			o := e.baCreateOrg(t, u.ID).ID
			u.refresh(t)
			app.queries.n.Store(0)
			code, p := app.do(t, "GET", "/projects", u.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Equal(t, e.tenantOf(t, o), p.Tenant)
			assert.Greater(t, app.queries.n.Load(), int64(1), "the miss path adopts")
			app.queries.n.Store(0)
			code, p = app.do(t, "GET", "/projects", u.Cookie, "")
			require.Equal(t, http.StatusOK, code)
			assert.Empty(t, p.Projects, "a new tenant sees no one's projects")
			assert.Equal(t, int64(1), app.queries.n.Load())
		}},
	})
}

// TestSessionCookieCache: a Better Auth service with its cookie cache on
// (the session_data cookie, trusted by Better Auth for up to 5 minutes)
// still shows a removed member's session naming the organization; the Go
// resolver reads the database and refuses.
func TestSessionCookieCache(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	flow(t, "cookie cache/Go→BA", func(t *testing.T) { sessionCookieCache(ctx, t, e) })
}

func sessionCookieCache(ctx context.Context, t *testing.T, e *env) {
	app := newSessionApp(t, e, tenant.BetterAuthSessionConfig{}, apiKeys{})
	cached := startBAEnv(t, requireNode(t), e.DB.OwnerURL, "BA_COOKIE_CACHE=1")

	owner := signUpOn(t, e.BA, "Owner")
	org := string(e.goCreateOrg(t, owner.ID).ID)
	u := signUpOn(t, cached, "Heidi")
	_, err := e.Store.AddMember(ctx, owner.ID, OrgID(org), u.ID, []string{orgstore.RoleMember})
	require.NoError(t, err)
	u.setActive(t, org)
	require.Contains(t, u.Cookie, "better-auth.session_data=", "the cookie cache is on")
	code, _ := app.do(t, "GET", "/projects", u.Cookie, "")
	require.Equal(t, http.StatusOK, code)

	require.NoError(t, e.Store.RemoveMember(ctx, owner.ID, OrgID(org), u.ID))
	// Better Auth's cache hides the removal and even a database edit of
	// the session: its getSession answers from the cookie...
	_, err = e.Admin.Exec(ctx, `UPDATE session SET "activeOrganizationId" = NULL WHERE token = $1`, u.Token)
	require.NoError(t, err)
	s := baSees(t, cached, u.Cookie, "")
	require.NotNil(t, s)
	require.NotNil(t, s.ActiveOrganizationID, "Better Auth's cookie cache answered from the database")
	assert.Equal(t, org, *s.ActiveOrganizationID)
	// ...Go never reads it: the session has no active organization now.
	code, _ = app.do(t, "GET", "/projects", u.Cookie, "")
	assert.Equal(t, http.StatusUnauthorized, code)
	_, err = e.Admin.Exec(ctx, `UPDATE session SET "activeOrganizationId" = $1 WHERE token = $2`, org, u.Token)
	require.NoError(t, err)
	code, _ = app.do(t, "GET", "/projects", u.Cookie, "")
	assert.Equal(t, http.StatusForbidden, code, "removed")
	note(t, "Better Auth's cookie cache still names the organization; Go %d", code)
}

// TestSessionSecretRotation: with Better Auth's secret rotation
// (BETTER_AUTH_SECRETS) the session cookie is signed and verified with the
// current secret only, by Better Auth as by Go; a cookie signed with the
// older secret is refused by both.
func TestSessionSecretRotation(t *testing.T) {
	e := newEnv(t)
	flow(t, "secret rotation/BA→Go", func(t *testing.T) { sessionSecretRotation(t, e) })
}

func sessionSecretRotation(t *testing.T, e *env) {
	newSecret := "tenantc-rotated-secret-" + pgurl.RandomHex(16)
	rotated := startBAEnv(t, requireNode(t), e.DB.OwnerURL, "BETTER_AUTH_SECRETS=2:"+newSecret+",1:"+baSecret())
	app := newSessionApp(t, e, tenant.BetterAuthSessionConfig{Secret: newSecret}, apiKeys{})

	u := signUpOn(t, rotated, "Ivan")
	o := e.baCreateOrg(t, signUpOn(t, e.BA, "Owner").ID)
	e.BA.must(t, nil, map[string]any{"op": "addMember", "userId": u.ID, "role": "member", "organizationId": o.ID})
	u.setActive(t, o.ID)
	code, _ := app.do(t, "GET", "/projects", u.Cookie, "")
	assert.Equal(t, http.StatusOK, code, "signed with the current secret")

	old := "better-auth.session_token=" + url.QueryEscape(tenant.SignBetterAuthToken(baSecret(), u.Token))
	assert.Nil(t, baSees(t, rotated, old, ""), "Better Auth 1.7.25 verifies session cookies with older secrets")
	code, _ = app.do(t, "GET", "/projects", old, "")
	assert.Equal(t, http.StatusUnauthorized, code)
	note(t, "a cookie signed with the older secret: Better Auth no session, Go %d", code)
}
