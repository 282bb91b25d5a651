package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors of resolvers. Wrap them (fmt.Errorf("…: %w", ErrForbidden))
// to add detail for logs; the middleware matches them with errors.Is and
// never sends the detail to the client.
var (
	// ErrNoMatch: this resolver does not apply to the request (it carries
	// no API key, no such header…); the next resolver is tried.
	ErrNoMatch = errors.New("tenant: resolver does not apply")
	// ErrUnauthenticated: the request's credentials are missing, unknown or
	// expired. The middleware answers 401.
	ErrUnauthenticated = errors.New("tenant: unauthenticated")
	// ErrForbidden: the caller is known but may not act for the tenant it
	// asks for. The middleware answers 403.
	ErrForbidden = errors.New("tenant: forbidden")
)

// Resolver finds the tenant of a request. It returns the tenant, or
// [ErrNoMatch] to pass the request to the next resolver, or another error to
// end the search: [ErrUnauthenticated] (401), [ErrForbidden] (403), an
// error matching [ErrInvalidID] for a malformed id (400), anything else
// (500). See [Middleware] for the whole mapping and how refusals are logged.
type Resolver interface {
	Resolve(r *http.Request) (ID, error)
}

// ContextResolver is a [Resolver] that also learns something the handler
// needs, such as the signed-in user ([WithUser]): [Middleware] calls
// ResolveContext instead of Resolve and passes the returned context (with
// the tenant added) to the handler. On success the context must derive from
// r.Context(); on failure it is ignored.
type ContextResolver interface {
	Resolver
	ResolveContext(r *http.Request) (context.Context, ID, error)
}

// ResolverFunc adapts a function to [Resolver].
type ResolverFunc func(r *http.Request) (ID, error)

// Resolve calls f(r).
func (f ResolverFunc) Resolve(r *http.Request) (ID, error) { return f(r) }

// Middleware resolves each request's tenant through Resolvers, in order, the
// first match winning, and calls the next handler with the tenant in the
// request's context ([WithID]). It fails closed: when no resolver matches
// the request is refused with 401, and a resolver returning the zero ID is
// a 500, never a request without a tenant.
//
// A refusal's status says whose fault it is:
//   - 401: no credentials, or invalid ones ([ErrUnauthenticated]).
//   - 403: not a member ([ErrForbidden]), or a claim PostgreSQL cannot read
//     as its key's type (SQLSTATE 22P02 for "acme"::uuid, 22003, …) from a
//     [Members] of the app's own: like [MembershipQuery], it names no
//     organization, and answering as for a non-member tells nothing more.
//   - 400: a tenant id not in canonical form ([ErrInvalidID]): a resolver
//     that returns a header or path value as it came ("AAAA…", "{aaaa…}",
//     "042"), or that returns [ParseUUID]'s or [ParseInt]'s error for one
//     that is no id at all. The client sent something malformed; it can fix
//     it, and no lookup took place.
//   - 500: anything else — the database down, a broken query, a resolver
//     returning the zero ID. Only these are the service's fault.
//
// Every refusal is logged to Logger before Refuse runs, with the request's
// method and path and the full error (which never reaches the client): 500s
// at level Error, so a failing membership query cannot go unnoticed; 400s and
// 403s from malformed input at Warn, since a resolver that returns ids in the
// wrong form is a bug that shows itself only this way; plain 401s and 403s
// at Debug, as they are what clients routinely cause.
//
// Order matters only where several resolvers could match: put the ones that
// read what the request itself names (APIKey, Header, Subdomain, PathValue)
// before ActiveOrganization or BetterAuthSession, the session's default, so
// that naming another organization is checked rather than ignored. A
// [ContextResolver]'s context (the signed-in user: [UserFrom]) reaches the
// handler.
type Middleware struct {
	Resolvers []Resolver

	// Refuse writes the response to a refused request; err says why (the
	// middleware has logged it; don't send it). Nil writes just the status
	// text, so no lookup detail (which organizations exist, why a key
	// failed) reaches the client.
	Refuse func(w http.ResponseWriter, r *http.Request, status int, err error)

	// Logger receives every refusal (see above). Nil means [slog.Default],
	// read at each refusal, so a later slog.SetDefault applies.
	Logger *slog.Logger
}

// Handler wraps next.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, id, err := m.resolve(r)
		if err == nil {
			next.ServeHTTP(w, r.WithContext(WithID(ctx, id)))
			return
		}
		status, level := refusal(err)
		m.logger().LogAttrs(r.Context(), level, "tenant: request refused",
			slog.Int("status", status),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("error", err.Error()))
		if m != nil && m.Refuse != nil {
			m.Refuse(w, r, status, err)
			return
		}
		http.Error(w, http.StatusText(status), status)
	})
}

// refusal maps a resolver's error to the status answered and the level it
// is logged at (see [Middleware]).
func refusal(err error) (int, slog.Level) {
	switch {
	case errors.Is(err, ErrInvalidID):
		return http.StatusBadRequest, slog.LevelWarn
	case errors.Is(err, ErrForbidden) && invalidInput(err):
		// MembershipQuery's refusal of a malformed organization id.
		return http.StatusForbidden, slog.LevelWarn
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden, slog.LevelDebug
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized, slog.LevelDebug
	case invalidInput(err):
		return http.StatusForbidden, slog.LevelWarn
	}
	return http.StatusInternalServerError, slog.LevelError
}

func (m *Middleware) logger() *slog.Logger {
	if m == nil || m.Logger == nil {
		return slog.Default()
	}
	return m.Logger
}

func (m *Middleware) resolve(r *http.Request) (context.Context, ID, error) {
	if m == nil {
		return nil, "", errors.New("tenant: nil *Middleware")
	}
	for i, res := range m.Resolvers {
		if res == nil {
			continue
		}
		ctx := r.Context()
		var id ID
		var err error
		if cr, ok := res.(ContextResolver); ok {
			var c context.Context
			c, id, err = cr.ResolveContext(r)
			if c != nil {
				ctx = c
			}
		} else {
			id, err = res.Resolve(r)
		}
		switch {
		case errors.Is(err, ErrNoMatch):
			continue
		case err != nil:
			return nil, "", err
		case id == "":
			return nil, "", fmt.Errorf("tenant: resolver %d (%T) returned the zero ID and no error", i, res)
		}
		// A resolver's ID is compared in Go from here on (caches, logs,
		// Scope.TenantID): one tenant must have one spelling.
		if err := ValidID(id); err != nil {
			return nil, "", fmt.Errorf("tenant: resolver %d (%T): %w", i, res, err)
		}
		return ctx, id, nil
	}
	return nil, "", fmt.Errorf("%w: no resolver identified a tenant", ErrUnauthenticated)
}

// Keys looks up API keys, the credential of agents and integrations: a key
// belongs to exactly one tenant.
type Keys interface {
	// TenantOfKey returns the tenant key belongs to. It returns
	// ErrUnauthenticated for an unknown, revoked or expired key, and
	// ErrNoMatch for a value that is no API key at all (say, a session
	// token in the same header), so that the next resolver may try it.
	TenantOfKey(ctx context.Context, key string) (ID, error)
}

// APIKey resolves requests that carry an API key in header. For
// "Authorization" the value must use the Bearer scheme. A request without
// the header does not match; an unknown key is 401.
func APIKey(header string, keys Keys) Resolver {
	return ResolverFunc(func(r *http.Request) (ID, error) {
		v := strings.TrimSpace(r.Header.Get(header))
		if http.CanonicalHeaderKey(header) == "Authorization" {
			scheme, token, ok := strings.Cut(v, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") {
				return "", ErrNoMatch
			}
			v = strings.TrimSpace(token)
		}
		if v == "" {
			return "", ErrNoMatch
		}
		if keys == nil {
			return "", errors.New("tenant: APIKey: nil Keys")
		}
		id, err := keys.TenantOfKey(r.Context(), v)
		if err == nil && id == "" {
			err = fmt.Errorf("%w: unknown API key", ErrUnauthenticated)
		}
		return id, err
	})
}

// Sessions identifies the person behind a request: the app's own session
// or token check (Better Auth, a JWT verifier, a session cookie).
type Sessions interface {
	// Session returns the signed-in user and the organization active in
	// their session ("" if none). It returns ErrNoMatch when the request
	// carries no session and ErrUnauthenticated when it carries an invalid
	// or expired one.
	Session(r *http.Request) (user, activeOrg string, err error)
}

// Members is the membership check between a user and an organization, and
// the bridge from the organization to its tenant: the organization's id (or
// slug) need not be the tenant's id.
type Members interface {
	// Member returns the tenant behind org when user is a member of it, and
	// ErrForbidden when not — also when org does not exist, so a refusal
	// does not tell which organizations exist.
	Member(ctx context.Context, user, org string) (ID, error)
}

// ActiveOrganization resolves a signed-in user's request to the tenant of
// the organization active in their session, after checking that they are
// still a member: an active organization stored in a session outlives a
// removal from it. No session, or no active organization, does not match.
func ActiveOrganization(s Sessions, m Members) Resolver {
	return ResolverFunc(func(r *http.Request) (ID, error) {
		if s == nil || m == nil {
			return "", errors.New("tenant: ActiveOrganization: nil Sessions or Members")
		}
		user, org, err := s.Session(r)
		if err != nil {
			return "", err
		}
		if org == "" {
			return "", ErrNoMatch
		}
		return member(r, m, user, org)
	})
}

// Header resolves a request whose header names the organization or tenant,
// as sent by a client that lets its user switch. The header is a claim, not
// a credential: the request must also carry a session whose user is a
// member (401 without one, 403 if not a member).
func Header(name string, s Sessions, m Members) Resolver {
	return named(func(r *http.Request) string { return strings.TrimSpace(r.Header.Get(name)) }, s, m)
}

// Subdomain resolves a request to acme.example.com (parent "example.com")
// from the label "acme", with the same membership check as [Header]. Hosts
// that are not exactly one label below parent do not match.
func Subdomain(parent string, s Sessions, m Members) Resolver {
	suffix := "." + strings.ToLower(strings.Trim(parent, "."))
	return named(func(r *http.Request) string {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.ToLower(strings.TrimSuffix(host, "."))
		label, ok := strings.CutSuffix(host, suffix)
		if !ok || label == "" || strings.Contains(label, ".") {
			return ""
		}
		return label
	}, s, m)
}

// PathValue resolves a request from its path wildcard name, as in the
// [http.ServeMux] pattern "/orgs/{org}/…", with the same membership check as
// [Header]. The wildcard is only set once the mux has routed the request, so
// wrap the handler you register, not the mux.
func PathValue(name string, s Sessions, m Members) Resolver {
	return named(func(r *http.Request) string { return r.PathValue(name) }, s, m)
}

// named is the resolver for a request that names its organization itself.
func named(key func(*http.Request) string, s Sessions, m Members) Resolver {
	return ResolverFunc(func(r *http.Request) (ID, error) {
		if s == nil || m == nil {
			return "", errors.New("tenant: nil Sessions or Members")
		}
		org := key(r)
		if org == "" {
			return "", ErrNoMatch
		}
		user, _, err := s.Session(r)
		if errors.Is(err, ErrNoMatch) {
			// Naming a tenant proves nothing: someone must be signed in.
			return "", fmt.Errorf("%w: the request names an organization but carries no session", ErrUnauthenticated)
		}
		if err != nil {
			return "", err
		}
		return member(r, m, user, org)
	})
}

func member(r *http.Request, m Members, user, org string) (ID, error) {
	if user == "" {
		return "", fmt.Errorf("%w: session without a user", ErrUnauthenticated)
	}
	id, err := m.Member(r.Context(), user, org)
	if err == nil && id == "" {
		err = ErrForbidden
	}
	return id, err
}

// MembershipQuery returns [Members] that runs query on db with $1 = user and
// $2 = organization (id, slug or tenant id: whatever your resolvers pass)
// and reads the tenant id (uuid, bigint or text) from the first column of
// the first row; no row means [ErrForbidden], and so does a value the query
// cannot read as its type (SQLSTATE 22P02 for "x"::uuid, 22003 for a bigint
// out of range, …): it names no organization. Other errors (the database
// unreachable, a missing table) stay errors, answered 500. For example, with Better
// Auth's member table and a tenants table bridged to organizations:
//
//	SELECT t.id FROM member m JOIN tenants t ON t.org_id = m."organizationId"
//	WHERE m."userId" = $1 AND m."organizationId" = $2 LIMIT 1
//
// It runs on a [SystemDB], the bypass path, as one statement (one round
// trip, no transaction). Why not a tenant scope: the check runs before the
// tenant is known — it is what finds the tenant — and it reads rows across
// tenants by nature. If the membership or tenants tables are protected by
// RLS, a role without BYPASSRLS would see none of them and refuse everyone;
// tenantc protects the tenants table itself. The query text is fixed by the
// app at start-up and takes the request's values only as parameters.
func MembershipQuery(db *SystemDB, query string) Members {
	return membershipQuery{db, query}
}

type membershipQuery struct {
	db    *SystemDB
	query string
}

func (q membershipQuery) Member(ctx context.Context, user, org string) (ID, error) {
	if err := q.db.check(ctx); err != nil {
		return "", err
	}
	var id *string
	err := q.db.pool.QueryRow(ctx, q.query, user, org).Scan(&id)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return "", ErrForbidden
	case invalidInput(err):
		// "not-a-uuid" for a uuid column names no organization: a refusal
		// like any other non-member's, not a failure of the service.
		return "", fmt.Errorf("%w: membership query: %w", ErrForbidden, err)
	case err != nil:
		return "", fmt.Errorf("tenant: membership query: %w", err)
	case id == nil || *id == "":
		return "", ErrForbidden
	}
	return ID(*id), nil
}

// invalidInputCodes are the SQLSTATEs of a value the query cannot read as
// its column's type: the request named something that cannot exist.
var invalidInputCodes = map[string]bool{
	"22P02": true, // invalid_text_representation: "x"::uuid, "x"::bigint
	"22003": true, // numeric_value_out_of_range: a bigint too large
	"22021": true, // character_not_in_repertoire: invalid UTF-8, NUL
	"22P05": true, // untranslatable_character
	"22001": true, // string_data_right_truncation: longer than varchar(n)
	"22007": true, // invalid_datetime_format
	"22008": true, // datetime_field_overflow
}

// invalidInput reports whether err is PostgreSQL refusing a value as input,
// or pgx refusing a tenant.ID argument for its parameter's type before
// sending it (ErrKeyType), as opposed to an outage, a missing table or a
// broken query.
func invalidInput(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && invalidInputCodes[pgErr.Code] || errors.Is(err, ErrKeyType)
}
