package tenant

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrInvalidID is matched (errors.Is) by the error returned for a tenant id
// that is not in canonical form: one PostgreSQL reads as a uuid or an
// integer but writes differently ("AAAA…" or "{aaaa…}" for "aaaa…", "042"
// or "+42" for "42"). Like [ErrNoTenant] it is returned before any SQL is
// sent. (Text PostgreSQL cannot hold, such as invalid UTF-8, is no such
// ambiguity: set_config refuses it, and the statement after it never runs.)
//
// Such an id names the same tenant to the database as its canonical form
// but not to Go, where a comparison, a map key or a cache key would take
// the two for different tenants. Rewriting it is not safe either: for a
// text key "AAAA" and "aaaa" are two tenants, and this package does not
// know the key's type. So it is refused; [ParseUUID] and [ParseInt] turn
// input into the canonical form.
var ErrInvalidID = errors.New("tenant: tenant id not in canonical form")

// ValidID returns nil when id can name a tenant: it is not "" and, if
// PostgreSQL would read it as a uuid or an integer, it is already written
// the way PostgreSQL writes that value. It returns [ErrNoTenant] for "" and
// an error matching [ErrInvalidID] otherwise.
//
// Text keys that look like numbers or uuids must therefore be canonical
// too: a text tenant "042" is refused, as it could be the bigint 42.
func ValidID(id ID) error {
	s := string(id)
	if s == "" {
		return ErrNoTenant
	}
	if canonicalUUID(s) { // the common case, checked without allocating
		return nil
	}
	if u, ok := parseUUID(s); ok {
		return fmt.Errorf("%w: %q is the uuid %s; use that form (tenant.ParseUUID)", ErrInvalidID, s, u)
	}
	if readsAsInteger(s) && !canonicalInteger(s) {
		return fmt.Errorf("%w: %q reads as an integer, written otherwise; use its plain decimal form (tenant.ParseInt)", ErrInvalidID, s)
	}
	return nil
}

// ParseUUID returns the tenant id of a uuid in any form PostgreSQL accepts
// (upper or lower case, with or without hyphens, in braces), written as
// PostgreSQL writes it: lower case, 8-4-4-4-12. Use it in resolvers that
// read a uuid tenant key from a request.
func ParseUUID(s string) (ID, error) {
	u, ok := parseUUID(s)
	if !ok {
		return "", fmt.Errorf("%w: %q is not a uuid", ErrInvalidID, s)
	}
	return ID(u), nil
}

// ParseInt returns the tenant id of a decimal integer that fits in a
// bigint, as PostgreSQL writes it: no sign for positives, no leading zeros,
// no spaces. Use it in resolvers that read an integer tenant key.
func ParseInt(s string) (ID, error) {
	n, err := strconv.ParseInt(strings.Trim(s, pgSpace), 10, 64)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not a bigint", ErrInvalidID, s)
	}
	return ID(strconv.FormatInt(n, 10)), nil
}

// idFrom returns ctx's tenant, or why there is none to use.
func idFrom(ctx context.Context) (ID, error) {
	if ctx == nil {
		return "", ErrNoTenant
	}
	id, _ := ctx.Value(ctxKey{}).(ID)
	if err := ValidID(id); err != nil {
		return "", err
	}
	return id, nil
}

// pgSpace is what PostgreSQL's integer input skips around a number (C's
// isspace).
const pgSpace = " \t\n\v\f\r"

// parseUUID reads s as PostgreSQL's uuid_in does (string_to_uuid): an
// optional pair of braces around 32 hex digits, with an optional hyphen
// after any group of four but the last. It returns the canonical form.
func parseUUID(s string) (string, bool) {
	if strings.HasPrefix(s, "{") {
		if !strings.HasSuffix(s, "}") || len(s) < 2 {
			return "", false
		}
		s = s[1 : len(s)-1]
	}
	var hex [32]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' {
			// After an even, non-zero number of hex pairs: digits 4, 8, …, 28.
			if n == 0 || n%4 != 0 || n == 32 || i > 0 && s[i-1] == '-' {
				return "", false
			}
			continue
		}
		if n == 32 || !isHex(c) {
			return "", false
		}
		hex[n] = lowerHex(c)
		n++
	}
	if n != 32 || strings.HasSuffix(s, "-") {
		return "", false
	}
	h := string(hex[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], true
}

// canonicalUUID reports whether s is a uuid as PostgreSQL writes it.
func canonicalUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func lowerHex(c byte) byte {
	if c >= 'A' && c <= 'F' {
		return c + 'a' - 'A'
	}
	return c
}

// readsAsInteger reports whether some PostgreSQL version's integer input
// could read s: spaces around, a sign, then decimal digits, or 0x, 0o, 0b
// and their digits (PostgreSQL 16), with underscores between digits
// (PostgreSQL 16). It errs towards yes: a yes only makes ValidID insist on
// the canonical form.
func readsAsInteger(s string) bool {
	s = strings.Trim(s, pgSpace)
	s = strings.TrimLeft(s, "+-")
	digits := "0123456789"
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X':
			digits, s = "0123456789abcdefABCDEF", s[2:]
		case 'o', 'O':
			digits, s = "01234567", s[2:]
		case 'b', 'B':
			digits, s = "01", s[2:]
		}
	}
	hasDigit := false
	for i := 0; i < len(s); i++ {
		switch {
		case strings.IndexByte(digits, s[i]) >= 0:
			hasDigit = true
		case s[i] != '_':
			return false
		}
	}
	return hasDigit
}

// canonicalInteger reports whether s is written as PostgreSQL writes an
// integer: 0, or an optional minus and digits without a leading zero.
func canonicalInteger(s string) bool {
	if s == "0" {
		return true
	}
	s = strings.TrimPrefix(s, "-")
	if s == "" || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
