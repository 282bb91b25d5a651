package tenant

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The vectors were made by better-call 1.7.25's own serializeSignedCookie
// (the function Better Auth sets its session cookie with):
//
//	await serializeSignedCookie("x", "tok3", parseSecret, {})
const (
	parseSecret = "tenantc-unit-secret-0123456789abcdef0123"
	// Its signature holds a '+', URL-encoded as %2B: decodeURIComponent
	// semantics (PathUnescape), not form decoding, which reads '+' as ' '.
	tok3Cookie = "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXs%3D"
	tok5Cookie = "tok5.%2FKgKdDAx7WCHqaCO7yJeYpv5DfamnUDfipevOPuLn%2FI%3D"
	longCookie = "AbCdEfGhIjKlMnOpQrStUvWxYz012345.cFpCppoZ8mjGyJvjhVrkERPBHXxpLjbndfY69w3scuk%3D"
)

func parser(t *testing.T, cfg BetterAuthSessionConfig) *BetterAuthSessions {
	t.Helper()
	if cfg.Secret == "" {
		cfg.Secret = parseSecret
	}
	cfg.Query = "SELECT 1"
	b, err := BetterAuthSession(NewSystemDB(nil), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func request(cookie, authorization string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

func TestBetterAuthSessionToken(t *testing.T) {
	plain := BetterAuthSessionConfig{}
	secure := BetterAuthSessionConfig{SecureCookies: true}
	bearer := BetterAuthSessionConfig{Bearer: true}
	unsigned := BetterAuthSessionConfig{Bearer: true, UnsignedBearer: true}
	const name = "better-auth.session_token="
	for _, c := range []struct {
		name          string
		cfg           BetterAuthSessionConfig
		cookie, authz string
		want          string
		err           error // nil: want the token
	}{
		{"no cookie", plain, "", "", "", ErrNoMatch},
		{"other cookies only", plain, "theme=dark; better-auth.session_data=eyJ4Ijoxfq", "", "", ErrNoMatch},
		{"valid, URL-encoded as Better Auth sends it", plain, name + tok3Cookie, "", "tok3", nil},
		{"valid, 32-character token", plain, "a=b; " + name + longCookie + "; c=d", "", "AbCdEfGhIjKlMnOpQrStUvWxYz012345", nil},
		{"valid, '/' encoded", plain, name + tok5Cookie, "", "tok5", nil},
		{"valid, not URL-encoded", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP+JbZdnqsrkXs=", "", "tok3", nil},
		{"valid, quoted", plain, name + `"` + tok3Cookie + `"`, "", "tok3", nil},
		{"'+' read as a space", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP JbZdnqsrkXs%3D", "", "", ErrUnauthenticated},
		{"no '.'", plain, name + "tok3", "", "", ErrUnauthenticated},
		{"only a signature", plain, name + ".IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXs%3D", "", "", ErrUnauthenticated},
		{"signature too short", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkX%3D", "", "", ErrUnauthenticated},
		{"signature unpadded (base64url of the same bytes)", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP-JbZdnqsrkXs", "", "", ErrUnauthenticated},
		{"signature of another token", plain, name + "tok4.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXs%3D", "", "", ErrUnauthenticated},
		{"signature tampered", plain, name + "tok3.JWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXs%3D", "", "", ErrUnauthenticated},
		// The last character's two low bits carry no data: "…kXt=" decodes to
		// the same 32 bytes, and better-call's verifySignature (atob) accepts
		// it too (checked against node). Not a forgery: the bytes are the MAC.
		{"signature, non-canonical last character", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXt%3D", "", "tok3", nil},
		{"not base64", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrk!s%3D", "", "", ErrUnauthenticated},
		{"other secret", BetterAuthSessionConfig{Secret: parseSecret + "x"}, name + tok3Cookie, "", "", ErrUnauthenticated},
		{"bad URL-encoding", plain, name + "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP%ZZJbZdnqsrkXs%3D", "", "", ErrUnauthenticated},
		{"duplicate, same value", plain, name + tok3Cookie + "; " + name + tok3Cookie, "", "tok3", nil},
		{"duplicate, different values (a tossed cookie)", plain, name + tok3Cookie + "; " + name + tok5Cookie, "", "", ErrUnauthenticated},
		{"duplicate, the second malformed", plain, name + tok3Cookie + "; " + name + "x", "", "", ErrUnauthenticated},
		{"__Secure- prefix", secure, "__Secure-" + name + tok3Cookie, "", "tok3", nil},
		{"__Secure- expected, plain cookie sent", secure, name + tok3Cookie, "", "", ErrNoMatch},
		{"plain expected, __Secure- cookie sent", plain, "__Secure-" + name + tok3Cookie, "", "", ErrNoMatch},
		{"cookie prefix", BetterAuthSessionConfig{CookiePrefix: "acme"}, "acme.session_token=" + tok3Cookie + "; " + name + tok5Cookie, "", "tok3", nil},
		{"cookie name", BetterAuthSessionConfig{CookieName: "sid", SecureCookies: true}, "__Secure-sid=" + tok3Cookie, "", "tok3", nil},
		{"bearer ignored without Bearer", plain, "", "Bearer " + tok3Cookie, "", ErrNoMatch},
		{"bearer, URL-encoded", bearer, "", "Bearer " + tok3Cookie, "tok3", nil},
		{"bearer, scheme any case", bearer, "", "bEaReR   tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP+JbZdnqsrkXs=", "tok3", nil},
		{"bearer wins over the cookie", bearer, name + tok5Cookie, "Bearer " + tok3Cookie, "tok3", nil},
		{"bearer tampered", bearer, name + tok5Cookie, "Bearer tok3.JWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXs%3D", "", ErrUnauthenticated},
		{"bearer, a JWT: not ours, the cookie is read", bearer, name + tok5Cookie, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "tok5", nil},
		{"bearer, an API key: not ours", bearer, "", "Bearer tk_live_0123456789", "", ErrNoMatch},
		{"bearer, stray '%': not ours", bearer, "", "Bearer a.b%zz", "", ErrNoMatch},
		{"bearer, Basic scheme", bearer, "", "Basic " + tok3Cookie, "", ErrNoMatch},
		{"bearer, empty", bearer, "", "Bearer   ", "", ErrNoMatch},
		{"unsigned bearer", unsigned, "", "Bearer AbCdEfGhIjKlMnOpQrStUvWxYz012345", "AbCdEfGhIjKlMnOpQrStUvWxYz012345", nil},
		{"unsigned bearer, signed still verified", unsigned, "", "Bearer tok3.JWZt2yLSHXd5kJGeo11jXM2J91jR5HP%2BJbZdnqsrkXs%3D", "", ErrUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parser(t, c.cfg).token(request(c.cookie, c.authz))
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("token: %q, %v; want %v", got, err, c.err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("token: %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestBetterAuthSessionConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  BetterAuthSessionConfig
	}{
		{"no secret", BetterAuthSessionConfig{Query: "SELECT 1"}},
		{"no query", BetterAuthSessionConfig{Secret: "s"}},
		{"unsigned without bearer", BetterAuthSessionConfig{Secret: "s", Query: "SELECT 1", UnsignedBearer: true}},
	} {
		if _, err := BetterAuthSession(NewSystemDB(nil), c.cfg); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	if _, err := BetterAuthSession(nil, BetterAuthSessionConfig{Secret: "s", Query: "SELECT 1"}); err == nil {
		t.Error("nil SystemDB: no error")
	}
	for _, c := range []struct {
		cfg  BetterAuthSessionConfig
		want string
	}{
		{BetterAuthSessionConfig{}, "better-auth.session_token"},
		{BetterAuthSessionConfig{SecureCookies: true}, "__Secure-better-auth.session_token"},
		{BetterAuthSessionConfig{CookiePrefix: "acme"}, "acme.session_token"},
		{BetterAuthSessionConfig{CookiePrefix: "acme", CookieName: "sid"}, "sid"},
	} {
		if got := parser(t, c.cfg).CookieName(); got != c.want {
			t.Errorf("CookieName %+v = %q, want %q", c.cfg, got, c.want)
		}
	}
	if got := SignBetterAuthToken(parseSecret, "tok3"); got != "tok3.IWZt2yLSHXd5kJGeo11jXM2J91jR5HP+JbZdnqsrkXs=" {
		t.Errorf("SignBetterAuthToken = %q, want better-call's", got)
	}
}

// ctxResolver is a ContextResolver with a fixed answer.
type ctxResolver struct {
	user string
	id   ID
	err  error
}

func (c ctxResolver) Resolve(r *http.Request) (ID, error) { return c.id, c.err }
func (c ctxResolver) ResolveContext(r *http.Request) (context.Context, ID, error) {
	return WithUser(r.Context(), c.user), c.id, c.err
}

// TestMiddlewareContextResolver: the context a ContextResolver returns
// reaches the handler, with the tenant; one that did not match leaves no
// trace for the resolver that did.
func TestMiddlewareContextResolver(t *testing.T) {
	const tid = ID("4b0e6f5c-8d0a-4c1e-9f3b-2a7d6c5e4f10")
	var user string
	var hasUser bool
	var got ID
	mw := &Middleware{
		Resolvers: []Resolver{ctxResolver{user: "mallory", err: ErrNoMatch}, ctxResolver{user: "u1", id: tid}},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, hasUser = UserFrom(r.Context())
		got, _ = IDFrom(r.Context())
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusOK || user != "u1" || !hasUser || got != tid {
		t.Fatalf("status %d, user %q (%v), tenant %q", w.Code, user, hasUser, got)
	}
	if _, ok := UserFrom(context.Background()); ok {
		t.Error("UserFrom of an empty context")
	}
	if _, ok := UserFrom(WithUser(context.Background(), "")); ok {
		t.Error("UserFrom of the empty user")
	}
}
