package adversarial_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/tenant"
)

// headerSessions is a session store that trusts the X-User header: the
// tests are about what comes after authentication.
type headerSessions struct{}

func (headerSessions) Session(r *http.Request) (string, string, error) {
	if u := r.Header.Get("X-User"); u != "" {
		return u, r.Header.Get("X-Org"), nil
	}
	return "", "", tenant.ErrNoMatch
}

// serve runs req through mw and returns the status and the tenant the
// handler saw.
func serve(mw *tenant.Middleware, req *http.Request) (int, string) {
	rec := httptest.NewRecorder()
	mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := tenant.IDFrom(r.Context())
		_, _ = w.Write([]byte(id))
	})).ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// Item 9: the smaller leaks.
func TestSmallerLeaksAreClosed(t *testing.T) {
	t.Run("serial keys count other tenants' inserts", func(t *testing.T) {
		dir := project(t, map[string]string{"schema/099_notes.sql": `CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        bigserial,
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
`})
		var warned bool
		for _, d := range vet(t, dir) {
			warned = warned || strings.HasSuffix(d.Pos.File, "099_notes.sql") && d.Severity == diag.Warning && d.Pos.Line == 3
		}
		assert.True(t, warned, "no warning on notes.id bigserial")
	})

	t.Run("one tenant, several spellings", func(t *testing.T) {
		const id = "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
		for _, spelling := range []string{strings.ToUpper(id), "{" + id + "}", strings.ReplaceAll(id, "-", ""), "042", "+42"} {
			got, ok := tenant.IDFrom(tenant.WithID(context.Background(), tenant.ID(spelling)))
			if ok {
				assert.Contains(t, []tenant.ID{id, "42"}, got, "%q is kept as a second name of one tenant", spelling)
			}
		}
	})

	w := newWorld(t)
	ctx := context.Background()
	t.Run("subdomain with the generated store.MembersBySlug", func(t *testing.T) {
		mw := &tenant.Middleware{Resolvers: []tenant.Resolver{tenant.Subdomain("example.test", headerSessions{}, store.MembersBySlug(w.orgs))}}
		req := httptest.NewRequest("GET", "http://acme.example.test/", nil)
		req.Header.Set("X-User", "alice")
		code, body := serve(mw, req)
		require.Equal(t, http.StatusOK, code, "a real member of acme is refused on acme's subdomain")
		assert.Equal(t, string(w.acme.TenantID), body)
		req.Header.Set("X-User", "bob")
		code, _ = serve(mw, req)
		assert.Equal(t, http.StatusForbidden, code)
	})

	t.Run("malformed organization id", func(t *testing.T) {
		members := tenant.MembershipQuery(w.sys, `SELECT t.id FROM members m JOIN tenants t ON t.org_id = m.organization_id
			WHERE m.user_id = $1 AND m.organization_id = $2::uuid`)
		mw := &tenant.Middleware{Resolvers: []tenant.Resolver{tenant.Header("X-Org", headerSessions{}, members)}}
		req := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
		req.Header.Set("X-User", "alice")
		req.Header.Set("X-Org", "not-a-uuid")
		code, _ := serve(mw, req)
		assert.Equal(t, http.StatusForbidden, code)
		req.Header.Set("X-Org", string(w.acme.ID))
		code, body := serve(mw, req)
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, string(w.acme.TenantID), body)
	})
}
