package tenant_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// spellings are texts PostgreSQL may read as one uuid or one bigint, and
// texts that are neither.
var spellings = []string{
	string(tenantB),
	strings.ToUpper(string(tenantB)),
	"{" + string(tenantB) + "}",
	"{" + strings.ToUpper(string(tenantB)) + "}",
	strings.ReplaceAll(string(tenantB), "-", ""),
	"bbbb-bbbb-0000-4000-8000-0000-0000-0002",
	"bbbbbbbb-0000-4000-8000-000000000002-",
	"bbbbbbbb--0000-4000-8000-000000000002",
	" " + string(tenantB),
	"{" + string(tenantB),
	"42", "042", "+42", " 42", "42 ", "\t42\n", "-42", "-042", "0", "-0", "+0", "00",
	"9223372036854775807", "09223372036854775807", "9223372036854775808",
	"4_2", "0x2A", "0X2a", "0o52", "0b101010",
	"acme", "org_a1", "AAAA", "aaaa", "42abc", "4.2", "1e3", "", "a\x00b", "\xff",
}

// TestValidIDMatchesPostgreSQL asks PostgreSQL how it reads every spelling
// as a uuid and as a bigint and checks the rule that makes Go comparisons
// safe: of all spellings of one value, ValidID accepts at most one, the one
// PostgreSQL writes; ParseUUID and ParseInt return exactly that.
func TestValidIDMatchesPostgreSQL(t *testing.T) {
	pdb := newDatabase(t)
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeSimpleProtocol, 1, nil)
	ctx := context.Background()
	// cast returns how PostgreSQL writes s read as typ, or false if it
	// refuses s.
	cast := func(s, typ string) (string, bool) {
		var out string
		err := pool.QueryRow(ctx, "SELECT $1::text::"+typ+"::text", s).Scan(&out)
		return out, err == nil
	}
	accepted := map[string]string{} // value as PostgreSQL writes it → the spelling ValidID accepted
	for _, s := range spellings {
		valid := tenant.ValidID(tenant.ID(s)) == nil
		if s == "" {
			assert.ErrorIs(t, tenant.ValidID(""), tenant.ErrNoTenant)
		} else if !valid {
			assert.ErrorIs(t, tenant.ValidID(tenant.ID(s)), tenant.ErrInvalidID, "%q", s)
		}
		for _, typ := range []string{"uuid", "bigint"} {
			canonical, ok := cast(s, typ)
			if !ok {
				continue
			}
			assert.Equal(t, canonical == s, valid, "%q read as %s %s: ValidID must accept it exactly when it is written so", s, typ, canonical)
			if valid {
				key := typ + " " + canonical
				assert.Empty(t, accepted[key], "two accepted spellings of %s: %q and %q", key, accepted[key], s)
				accepted[key] = s
			}
			parse := tenant.ParseInt
			if typ == "uuid" {
				parse = tenant.ParseUUID
			}
			if strings.ContainsAny(s, "_xXoObB") { // PostgreSQL 16 syntax: ParseInt need not accept it
				continue
			}
			got, err := parse(s)
			require.NoError(t, err, "%s(%q)", typ, s)
			assert.Equal(t, tenant.ID(canonical), got, "%s(%q)", typ, s)
		}
	}
	for _, s := range []string{"acme", "org_a1", "AAAA", "aaaa", "42abc", "4.2"} {
		assert.NoError(t, tenant.ValidID(tenant.ID(s)), "text that is no uuid or integer: %q", s)
	}
	_, err := tenant.ParseUUID("acme")
	assert.ErrorIs(t, err, tenant.ErrInvalidID)
	_, err = tenant.ParseInt("9223372036854775808")
	assert.ErrorIs(t, err, tenant.ErrInvalidID)
}

// TestNonCanonicalID is the attack: a Go-side rule about a tenant (here,
// "tenant B is suspended", as a handler or cache would check it) is skipped
// by spelling B's id in upper case or in braces, which PostgreSQL still
// reads as B. Every entry point must refuse such an id before sending SQL.
func TestNonCanonicalID(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, &c)
	db := tenant.NewDB(pool)

	for _, spelling := range []tenant.ID{
		tenant.ID(strings.ToUpper(string(tenantB))),
		"{" + tenantB + "}",
		tenant.ID(strings.ReplaceAll(string(tenantB), "-", "")),
	} {
		t.Run(string(spelling), func(t *testing.T) {
			ctx := tenant.WithID(context.Background(), spelling)
			// A check like `id == tenantB` would not match it: it must name no tenant.
			id, ok := tenant.IDFrom(ctx)
			assert.False(t, ok, "IDFrom returned %q", id)
			c.reset()
			_, err := db.Scope().TenantID(ctx)
			assert.ErrorIs(t, err, tenant.ErrInvalidID)
			_, err = db.Scope().Querier().Query(ctx, "SELECT body FROM items")
			assert.ErrorIs(t, err, tenant.ErrInvalidID)
			_, err = db.Scope().Querier().Exec(ctx, "DELETE FROM items")
			assert.ErrorIs(t, err, tenant.ErrInvalidID)
			called := false
			err = tenant.Run(ctx, db, func(context.Context, *tenant.Scope) error { called = true; return nil })
			assert.ErrorIs(t, err, tenant.ErrInvalidID)
			assert.False(t, called)
			assert.Zero(t, c.statements.Load(), "nothing is sent for a non-canonical id")

			// Inside Run, a statement's ctx with such an id is refused too.
			err = tenant.Run(tenant.WithID(context.Background(), tenantB), db, func(_ context.Context, s *tenant.Scope) error {
				_, err := s.Querier().Exec(ctx, "SELECT 1")
				assert.ErrorIs(t, err, tenant.ErrInvalidID)
				return nil
			})
			assert.NoError(t, err)
		})
	}

	t.Run("the middleware refuses a resolver's non-canonical id", func(t *testing.T) {
		var gotErr error
		mw := &tenant.Middleware{
			Resolvers: []tenant.Resolver{tenant.ResolverFunc(func(*http.Request) (tenant.ID, error) {
				return tenant.ID(strings.ToUpper(string(tenantB))), nil
			})},
			Refuse: func(w http.ResponseWriter, _ *http.Request, status int, err error) {
				gotErr = err
				w.WriteHeader(status)
			},
		}
		rec := httptest.NewRecorder()
		mw.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			t.Error("the handler ran")
		})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		// The id came from the request's side of the resolver: the client
		// can fix it, so 400, not the service's 500.
		assert.Equal(t, http.StatusBadRequest, rec.Code)
		assert.ErrorIs(t, gotErr, tenant.ErrInvalidID)
	})
}
