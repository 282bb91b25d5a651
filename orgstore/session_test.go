package orgstore

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

const sessionSecret = "orgstore-session-test-secret-0123456789"

// session inserts a Better Auth session row for user (active organization
// org, "" for none) and returns its cookie; expired makes it one that has
// ended.
func session(t *testing.T, fx *fixture, user UserID, org string, expired bool) string {
	t.Helper()
	token := newTestID()
	var active any
	if org != "" {
		active = org
	}
	end := "now() + interval '1 hour'"
	if expired {
		end = "now() - interval '1 second'"
	}
	fx.exec(t, `INSERT INTO session (id, token, "userId", "activeOrganizationId", "expiresAt", "createdAt", "updatedAt")
		VALUES ($1, $2, $3, $4, `+end+`, now(), now())`, newTestID(), token, string(user), active)
	return "better-auth.session_token=" + url.QueryEscape(tenant.SignBetterAuthToken(sessionSecret, token))
}

func cookieRequest(cookie string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", cookie)
	return r
}

// TestBetterAuthSession runs the session resolver without Node, on the
// Better Auth 1.7.25 schema: every outcome of the one query, adoption of an
// organization with no tenant, and the same with the organization as the
// tenant root. (internal/betterauth runs it against the real Better Auth.)
func TestBetterAuthSession(t *testing.T) {
	for _, root := range []bool{false, true} {
		name := "bridge"
		if root {
			name = "root"
		}
		t.Run(name, func(t *testing.T) {
			fx := newFixture(t, flavorBetterAuth)
			sc := fx.Schema
			if root {
				sc.Tenants = TenantsTable{}
			}
			s := fx.store(t, Config{Schema: sc})
			res, err := s.BetterAuthSession(tenant.BetterAuthSessionConfig{Secret: sessionSecret})
			require.NoError(t, err)

			alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
			org := fx.org(t, s, alice)
			// An organization another service made: member rows, no tenant.
			other := newTestID()
			fx.exec(t, `INSERT INTO organization (id, name, slug, "createdAt") VALUES ($1, 'Other', $1, now())`, other)
			fx.exec(t, `INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ($1, $2, $3, 'owner', now())`,
				newTestID(), other, string(bob))

			id, err := res.Resolve(cookieRequest(session(t, fx, alice, string(org.ID), false)))
			require.NoError(t, err)
			assert.Equal(t, org.TenantID, id)

			id, err = res.Resolve(cookieRequest(session(t, fx, bob, other, false)))
			require.NoError(t, err, "adopted")
			if root {
				assert.Equal(t, tenant.ID(other), id)
			} else {
				assert.Equal(t, 1, fx.count(t, `SELECT count(*) FROM tenants WHERE id = $1 AND org_id = $2`, string(id), other))
			}

			_, err = res.Resolve(cookieRequest(session(t, fx, bob, string(org.ID), false)))
			assert.ErrorIs(t, err, tenant.ErrForbidden, "not a member")
			_, err = res.Resolve(cookieRequest(session(t, fx, bob, newTestID(), false)))
			assert.ErrorIs(t, err, tenant.ErrForbidden, "an organization that does not exist")
			_, err = res.Resolve(cookieRequest(session(t, fx, alice, "", false)))
			assert.ErrorIs(t, err, tenant.ErrNoMatch, "no active organization")
			_, err = res.Resolve(cookieRequest(session(t, fx, alice, string(org.ID), true)))
			assert.ErrorIs(t, err, tenant.ErrUnauthenticated, "expired")
			_, err = res.Resolve(cookieRequest("better-auth.session_token=" + url.QueryEscape(tenant.SignBetterAuthToken(sessionSecret, "nosuchtoken"))))
			assert.ErrorIs(t, err, tenant.ErrUnauthenticated, "unknown")

			// Through the middleware: the handler gets the tenant and the user;
			// the session also serves tenant.Header, which checks the
			// organization the request names.
			var gotUser string
			var gotTenant tenant.ID
			mw := &tenant.Middleware{
				Resolvers: []tenant.Resolver{
					tenant.Header("X-Organization", res, tenant.MembershipQuery(fx.System,
						`SELECT m."organizationId" FROM member m WHERE m."userId" = $1 AND m."organizationId" = $2`)),
					res,
				},
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			}
			h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotUser, _ = tenant.UserFrom(r.Context())
				gotTenant, _ = tenant.IDFrom(r.Context())
			}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, cookieRequest(session(t, fx, alice, string(org.ID), false)))
			require.Equal(t, http.StatusOK, w.Code)
			assert.Equal(t, string(alice), gotUser)
			assert.Equal(t, org.TenantID, gotTenant)

			r := cookieRequest(session(t, fx, alice, "", false))
			r.Header.Set("X-Organization", other) // bob's
			w = httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, http.StatusForbidden, w.Code, "Header checked the session's user (alice) against bob's organization")
		})
	}
}

func TestSessionQueryConfig(t *testing.T) {
	_, err := BetterAuth().SessionQuery(SessionsTable{})
	assert.Error(t, err)
	q, err := BetterAuth().SessionQuery(BetterAuthSessions())
	require.NoError(t, err)
	assert.Contains(t, q, `FROM "session" s`)
	assert.Contains(t, q, `WHERE s."token" = $1`)
}
