package tenant_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// poolMembers is a Members of the app's own, written the way the middleware
// used to hide: a raw query that casts the organization id to uuid, so an
// organization named "acme" fails in PostgreSQL with 22P02.
type poolMembers struct {
	pool  *pgxpool.Pool
	query string
}

func (m poolMembers) Member(ctx context.Context, user, org string) (tenant.ID, error) {
	var id string
	if err := m.pool.QueryRow(ctx, m.query, user, org).Scan(&id); err != nil {
		return "", fmt.Errorf("membership of %s in %s: %w", user, org, err)
	}
	return tenant.ID(id), nil
}

// rawHeader is the resolver a hurried app writes: the tenant id straight
// from a header, trusted as sent.
var rawHeader = tenant.ResolverFunc(func(r *http.Request) (tenant.ID, error) {
	v := r.Header.Get("X-Tenant")
	if v == "" {
		return "", tenant.ErrNoMatch
	}
	return tenant.ID(v), nil
})

// parsedHeader reads the same header through tenant.ParseUUID, as the
// package documentation advises.
var parsedHeader = tenant.ResolverFunc(func(r *http.Request) (tenant.ID, error) {
	v := r.Header.Get("X-Tenant")
	if v == "" {
		return "", tenant.ErrNoMatch
	}
	return tenant.ParseUUID(v)
})

// TestMiddlewareRefusals: what a client sends decides a 4xx, only the
// service's own failures are a 500, and every refusal reaches the log with
// its cause — a membership query failing on every request used to answer a
// bare 500 and log nothing.
func TestMiddlewareRefusals(t *testing.T) {
	pdb := newDatabase(t)
	pdb.Exec(t, pdb.OwnerURL, `CREATE TABLE org_members (org_id uuid NOT NULL, user_id text NOT NULL);`)
	pdb.Exec(t, pdb.AdminURL, fmt.Sprintf(`INSERT INTO org_members VALUES ('%s', 'alice');`, tenantA))
	sysURL := newRole(t, pdb, "sys", "BYPASSRLS")
	sysPool := newPool(t, sysURL, pgx.QueryExecModeCacheStatement, 2, nil)
	castingMembers := poolMembers{sysPool, `SELECT org_id::text FROM org_members WHERE user_id = $1 AND org_id = $2::uuid`}
	brokenMembers := tenant.MembershipQuery(tenant.NewSystemDB(sysPool),
		`SELECT org_id FROM no_such_table WHERE user_id = $1 AND org_id = $2::uuid`)
	var s testSessions

	for _, tc := range []struct {
		name     string
		resolver tenant.Resolver
		headers  map[string]string
		status   int
		level    string // of the log record; "" for none
		logged   string // a part of the logged error
	}{
		{"canonical id from a header", rawHeader, map[string]string{"X-Tenant": string(tenantA)}, 200, "", ""},
		{"upper-case uuid from a header", rawHeader, map[string]string{"X-Tenant": "AAAAAAAA-0000-4000-8000-000000000001"}, 400, "WARN", "not in canonical form"},
		{"braced uuid from a header", rawHeader, map[string]string{"X-Tenant": "{" + string(tenantA) + "}"}, 400, "WARN", "not in canonical form"},
		{"integer with a leading zero", rawHeader, map[string]string{"X-Tenant": "042"}, 400, "WARN", "reads as an integer"},
		{"no uuid at all, through ParseUUID", parsedHeader, map[string]string{"X-Tenant": "acme"}, 400, "WARN", "is not a uuid"},
		{"own Members: uuid cast of a slug", tenant.Header("X-Organization", s, castingMembers),
			map[string]string{"X-Session": "alice", "X-Organization": "acme"}, 403, "WARN", "22P02"},
		{"own Members: member", tenant.Header("X-Organization", s, castingMembers),
			map[string]string{"X-Session": "alice", "X-Organization": string(tenantA)}, 200, "", ""},
		{"MembershipQuery: malformed uuid", tenant.Header("X-Organization", s, tenant.MembershipQuery(tenant.NewSystemDB(sysPool), castingMembers.query)),
			map[string]string{"X-Session": "alice", "X-Organization": "acme"}, 403, "WARN", "22P02"},
		{"missing table in the membership query", tenant.Header("X-Organization", s, brokenMembers),
			map[string]string{"X-Session": "alice", "X-Organization": string(tenantA)}, 500, "ERROR", "does not exist (SQLSTATE 42P01)"},
		{"zero ID from a resolver", tenant.ResolverFunc(func(*http.Request) (tenant.ID, error) { return "", nil }),
			nil, 500, "ERROR", "returned the zero ID"},
		{"no credentials", rawHeader, nil, 401, "DEBUG", "no resolver identified a tenant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			mw := &tenant.Middleware{
				Resolvers: []tenant.Resolver{tc.resolver},
				Logger:    slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})),
			}
			rec := serveRefusal(mw, "/things/1", tc.headers)
			assert.Equal(t, tc.status, rec.Code, log.String())
			if tc.status == 200 {
				assert.Empty(t, log.String())
				return
			}
			// The client learns the status, never the cause.
			assert.Equal(t, http.StatusText(tc.status)+"\n", rec.Body.String())
			assert.Contains(t, log.String(), "level="+tc.level+" ")
			assert.Contains(t, log.String(), fmt.Sprintf("status=%d method=GET path=/things/1", tc.status))
			assert.Contains(t, log.String(), tc.logged)
		})
	}
}

// TestMiddlewareLogsToDefault: without a Logger the refusal goes to
// slog.Default, and a custom Refuse does not swallow it.
func TestMiddlewareLogsToDefault(t *testing.T) {
	var log bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	var refused int
	mw := &tenant.Middleware{
		Resolvers: []tenant.Resolver{tenant.ResolverFunc(func(*http.Request) (tenant.ID, error) {
			return "", fmt.Errorf("session store: connection refused")
		})},
		Refuse: func(w http.ResponseWriter, _ *http.Request, status int, _ error) {
			refused = status
			w.WriteHeader(status)
		},
	}
	rec := serveRefusal(mw, "/", nil)
	require.Equal(t, 500, rec.Code)
	assert.Equal(t, 500, refused)
	assert.Contains(t, log.String(), "level=ERROR")
	assert.Contains(t, log.String(), "session store: connection refused")
}

func serveRefusal(mw *tenant.Middleware, target string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", target, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := tenant.IDFrom(r.Context())
		fmt.Fprint(w, id)
	})).ServeHTTP(rec, req)
	return rec
}
