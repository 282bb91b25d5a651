package tenant

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// BetterAuthSessionConfig configures [BetterAuthSession]. Better Auth's own
// options it must mirror are named in each field.
type BetterAuthSessionConfig struct {
	// Secret is Better Auth's secret (`secret`, BETTER_AUTH_SECRET or
	// AUTH_SECRET); required. With Better Auth's secret rotation
	// (`secrets`, BETTER_AUTH_SECRETS="2:new,1:old") it is the current,
	// first entry's value: Better Auth 1.7.25 signs and verifies the session
	// cookie with that one only (the older ones decrypt JWE cookie caches and
	// tokens), so a cookie signed with an older secret is refused by Better
	// Auth too, and accepting it here would let the two services disagree.
	Secret string

	// CookiePrefix is Better Auth's advanced.cookiePrefix; "" means
	// "better-auth". The cookie is "<prefix>.session_token".
	CookiePrefix string
	// CookieName is Better Auth's advanced.cookies.session_token.name, which
	// replaces "<prefix>.session_token"; "" for none.
	CookieName string
	// SecureCookies adds the "__Secure-" prefix to the name, as Better Auth
	// does when advanced.useSecureCookies is set, or else when its baseURL
	// is https, or else in production (NODE_ENV=production). Only the one
	// name is read, as Better Auth reads only one.
	SecureCookies bool

	// Bearer accepts "Authorization: Bearer <token>.<signature>" (the value
	// of Better Auth's set-auth-token header, URL-encoded or not), as Better
	// Auth's bearer plugin does; without that plugin Better Auth reads
	// cookies only, and so does this resolver. A bearer of that shape is
	// used instead of the cookie, as the plugin does; one whose signature
	// fails is 401 (the plugin ignores it and reads the cookie: a request
	// presenting a forged credential is refused here). A bearer of another
	// shape (an API key, a JWT: no '.', or no 44-character signature after
	// the last one) does not match, so it never shadows an API key.
	Bearer bool
	// UnsignedBearer also accepts a bare session token ("Bearer <token>",
	// no '.'), as the bearer plugin does unless requireSignature is set.
	// Then every bearer without a '.' is taken for a session token, and an
	// unknown one is 401: put [APIKey] first (see [BetterAuthSession]).
	UnsignedBearer bool

	// Query looks the session up, in one statement, with $1 the session
	// token, and returns at most one row of five columns: the session's
	// user (text), its active organization (text, NULL for none), whether
	// it has expired (bool), whether the user is a member of the active
	// organization (bool), and that organization's tenant (text, NULL when
	// it has none yet). orgstore builds it from the store's schema
	// (orgstore.Schema.SessionQuery, or the generated store's
	// BetterAuthSession, which fills this in).
	Query string

	// Adopt is called when the active organization's member has no tenant
	// yet (an organization another service made): it returns the tenant,
	// creating it, after checking membership again. The generated store's
	// ResolveTenant. Nil makes such a request a 500 that says so. It runs
	// once per organization: from then on the bridge row exists and the
	// request takes the one query.
	Adopt func(ctx context.Context, user, org string) (ID, error)
}

// BetterAuthSessions is the resolver [BetterAuthSession] returns: a
// [Resolver] of the active organization's tenant, and [Sessions] for the
// resolvers that take a session ([Header], [PathValue], [Subdomain]).
type BetterAuthSessions struct {
	db     *SystemDB
	cfg    BetterAuthSessionConfig
	cookie string
}

// BetterAuthSession returns the resolver of requests signed in through
// Better Auth: it reads Better Auth's session cookie (or, with
// cfg.Bearer, its bearer token), verifies the cookie's HMAC-SHA256
// signature with cfg.Secret in constant time, and in one query on db (the
// bypass path, as for [MembershipQuery]) reads the session, its active
// organization, the user's membership of it and the organization's
// tenant. The database is the only source of the session and of
// membership: Better Auth's cookie cache (the session_data cookie) is
// never read, since it outlives a removal from the organization.
//
//   - no session cookie (or bearer) → [ErrNoMatch], the next resolver is tried;
//   - a malformed cookie, a bad signature, an unknown or expired session →
//     [ErrUnauthenticated] (401); also two session cookies of different
//     values, which a cookie tossed from a sibling subdomain makes (Better
//     Auth would take the first);
//   - a session without an active organization → [ErrNoMatch], so that
//     [Header] or [PathValue] after it may still name one;
//   - an active organization the user is not a member of (removed while
//     the session still names it) → [ErrForbidden] (403);
//   - a member whose organization has no tenant yet → cfg.Adopt.
//
// The handler finds the signed-in user with [UserFrom].
//
// It only reads: it neither extends a session nor deletes an expired one,
// and sets no cookie. Better Auth extends a session (and re-sets its cookie,
// whose Max-Age is the session's lifetime) when its own getSession runs past
// session.updateAge, so a client that talks to the Go service only is signed
// out when session.expiresIn (7 days by default) has passed since sign-in or
// the last refresh by Better Auth. Expiry is judged by the database's clock.
//
// With [APIKey] on the same Authorization header, put APIKey first: its
// [Keys] returns ErrNoMatch for a value that is not one of its keys, and
// this resolver then reads the value as a session token. The reverse order
// also works for signed tokens (another value does not match here), but
// not with UnsignedBearer, which takes every bare value for a session.
func BetterAuthSession(db *SystemDB, cfg BetterAuthSessionConfig) (*BetterAuthSessions, error) {
	switch {
	case db == nil:
		return nil, errors.New("tenant: BetterAuthSession: nil SystemDB")
	case cfg.Secret == "":
		return nil, errors.New("tenant: BetterAuthSession: empty Secret (Better Auth's BETTER_AUTH_SECRET)")
	case strings.TrimSpace(cfg.Query) == "":
		return nil, errors.New("tenant: BetterAuthSession: empty Query (use the generated store's BetterAuthSession, or orgstore.Schema.SessionQuery)")
	case cfg.UnsignedBearer && !cfg.Bearer:
		return nil, errors.New("tenant: BetterAuthSession: UnsignedBearer without Bearer")
	}
	return &BetterAuthSessions{db: db, cfg: cfg, cookie: cfg.cookieName()}, nil
}

// cookieName is the session cookie's name, as Better Auth's
// createCookieGetter makes it.
func (c BetterAuthSessionConfig) cookieName() string {
	name := c.CookieName
	if name == "" {
		prefix := c.CookiePrefix
		if prefix == "" {
			prefix = "better-auth"
		}
		name = prefix + ".session_token"
	}
	if c.SecureCookies {
		name = "__Secure-" + name
	}
	return name
}

// CookieName returns the name of the session cookie read.
func (b *BetterAuthSessions) CookieName() string { return b.cookie }

// Resolve implements [Resolver].
func (b *BetterAuthSessions) Resolve(r *http.Request) (ID, error) {
	_, id, err := b.ResolveContext(r)
	return id, err
}

// ResolveContext implements [ContextResolver]: the context carries the
// session's user ([UserFrom]).
func (b *BetterAuthSessions) ResolveContext(r *http.Request) (context.Context, ID, error) {
	s, err := b.lookup(r)
	if err != nil {
		return nil, "", err
	}
	if s.org == nil || *s.org == "" {
		return nil, "", ErrNoMatch
	}
	if !s.member {
		return nil, "", fmt.Errorf("%w: user %s is not a member of the session's active organization %s", ErrForbidden, s.user, *s.org)
	}
	ctx := WithUser(r.Context(), s.user)
	if s.tenant != nil && *s.tenant != "" {
		return ctx, ID(*s.tenant), nil
	}
	if b.cfg.Adopt == nil {
		return nil, "", fmt.Errorf("tenant: BetterAuthSession: organization %s has no tenant and no Adopt is configured", *s.org)
	}
	id, err := b.cfg.Adopt(r.Context(), s.user, *s.org)
	if err != nil {
		return nil, "", err
	}
	if id == "" {
		return nil, "", fmt.Errorf("%w: no tenant for organization %s", ErrForbidden, *s.org)
	}
	return ctx, id, nil
}

// Session implements [Sessions]: the session's user and active
// organization ("" if none), for [Header], [PathValue] and [Subdomain].
func (b *BetterAuthSessions) Session(r *http.Request) (user, activeOrg string, err error) {
	s, err := b.lookup(r)
	if err != nil {
		return "", "", err
	}
	if s.org != nil {
		activeOrg = *s.org
	}
	return s.user, activeOrg, nil
}

type baSession struct {
	user   string
	org    *string
	member bool
	tenant *string
}

// lookup reads the request's token and its session, refusing what Better
// Auth would not sign in with.
func (b *BetterAuthSessions) lookup(r *http.Request) (baSession, error) {
	token, err := b.token(r)
	if err != nil {
		return baSession{}, err
	}
	if err := b.db.check(r.Context()); err != nil {
		return baSession{}, err
	}
	var s baSession
	var expired bool
	err = b.db.pool.QueryRow(r.Context(), b.cfg.Query, token).Scan(&s.user, &s.org, &expired, &s.member, &s.tenant)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return baSession{}, fmt.Errorf("%w: unknown Better Auth session", ErrUnauthenticated)
	case err != nil:
		return baSession{}, fmt.Errorf("tenant: Better Auth session query: %w", err)
	case expired:
		return baSession{}, fmt.Errorf("%w: expired Better Auth session", ErrUnauthenticated)
	case s.user == "":
		return baSession{}, fmt.Errorf("%w: Better Auth session without a user", ErrUnauthenticated)
	}
	return s, nil
}

// token returns the request's session token, its signature checked, or
// ErrNoMatch when the request carries none.
func (b *BetterAuthSessions) token(r *http.Request) (string, error) {
	if b.cfg.Bearer {
		if v, ok := bearer(r); ok {
			tok, err := b.bearerToken(v)
			if !errors.Is(err, ErrNoMatch) {
				return tok, err
			}
		}
	}
	cookies := r.CookiesNamed(b.cookie)
	if len(cookies) == 0 {
		return "", ErrNoMatch
	}
	for _, c := range cookies[1:] {
		if c.Value != cookies[0].Value {
			return "", fmt.Errorf("%w: %d different %s cookies", ErrUnauthenticated, len(cookies), b.cookie)
		}
	}
	// Better Auth URL-encodes the signed value (encodeURIComponent) and
	// reads it with decodeURIComponent, which leaves '+' alone:
	// PathUnescape, not QueryUnescape.
	v, err := url.PathUnescape(cookies[0].Value)
	if err != nil {
		return "", fmt.Errorf("%w: %s cookie: %w", ErrUnauthenticated, b.cookie, err)
	}
	tok, sig, ok := splitSigned(v)
	if !ok {
		return "", fmt.Errorf("%w: %s cookie is not <token>.<signature>", ErrUnauthenticated, b.cookie)
	}
	if !verifySigned(b.cfg.Secret, tok, sig) {
		return "", fmt.Errorf("%w: %s cookie: bad signature", ErrUnauthenticated, b.cookie)
	}
	return tok, nil
}

// bearerToken reads a bearer value as Better Auth's bearer plugin does:
// "<token>.<signature>" (URL-encoded or not) is verified; a bare token is
// taken as it is with UnsignedBearer; anything else is not ours.
func (b *BetterAuthSessions) bearerToken(v string) (string, error) {
	if !strings.Contains(v, ".") {
		if b.cfg.UnsignedBearer {
			return v, nil
		}
		return "", ErrNoMatch
	}
	if strings.Contains(v, "%") {
		u, err := url.PathUnescape(v)
		if err != nil {
			return "", ErrNoMatch // not a Better Auth token: it never has a stray '%'
		}
		v = u
	}
	tok, sig, ok := splitSigned(v)
	if !ok {
		return "", ErrNoMatch // a JWT, an API key with a dot: not ours
	}
	if !verifySigned(b.cfg.Secret, tok, sig) {
		return "", fmt.Errorf("%w: Better Auth bearer token: bad signature", ErrUnauthenticated)
	}
	return tok, nil
}

// bearer returns the credentials of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	v := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, tok, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// splitSigned splits "<token>.<signature>" at the last '.', as better-call's
// getSignedCookie does, and requires its shape of signature: standard
// base64 of 32 bytes, 44 characters ending in '='.
func splitSigned(v string) (token, sig string, ok bool) {
	i := strings.LastIndexByte(v, '.')
	if i < 1 {
		return "", "", false
	}
	token, sig = v[:i], v[i+1:]
	if len(sig) != 44 || !strings.HasSuffix(sig, "=") {
		return "", "", false
	}
	return token, sig, true
}

// verifySigned checks sig, base64 of HMAC-SHA256(secret, token), in
// constant time. Like better-call's verifySignature (atob, then WebCrypto
// verify) it compares the decoded bytes.
func verifySigned(secret, token, sig string) bool {
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return hmac.Equal(got, mac.Sum(nil))
}

// SignBetterAuthToken returns token signed as Better Auth signs its session
// cookie: token + "." + base64(HMAC-SHA256(secret, token)), not yet
// URL-encoded. For tests and tools that make a cookie Better Auth accepts.
func SignBetterAuthToken(secret, token string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

type userKey struct{}

// WithUser returns a copy of ctx carrying the signed-in user's id.
// Resolvers that know the user put it there ([BetterAuthSession]).
func WithUser(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, userKey{}, user)
}

// UserFrom returns the signed-in user's id that the request's resolver
// found; false when it found none (an API key's request has no user).
func UserFrom(ctx context.Context) (string, bool) {
	u, ok := ctx.Value(userKey{}).(string)
	return u, ok && u != ""
}
