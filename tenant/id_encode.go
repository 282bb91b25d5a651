package tenant

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgtype"
)

// UUIDValue and Int64Value let pgx send an ID bound to a uuid or an integer
// parameter — the "tenant_id = $1" of every generated query — in binary.
// pgx prefers the binary format for those types, and for a string type it
// has no binary plan: without these methods it tried one, failed, formatted
// the encode error (fmt.Errorf with the value and type names), and fell back
// to text, on every call. That was about a fifth of the allocations of a
// generated GetByID and 6% of its client CPU (go test ./bench -bench
// GetByID/tenantc -memprofile, pgx v5.12). Text parameters are unchanged:
// pgx's text codec does not look for either method.
//
// An ID that is not a uuid, or not an integer, is an error before anything
// is sent, as the server would have refused it; "" is one too, never NULL.

// ErrKeyType is matched (errors.Is) by the error of a statement one of whose
// tenant.ID arguments cannot be read as its parameter's type: a uuid or an
// integer. pgx finds it before sending anything; it means what SQLSTATE
// 22P02 from the server means: the value names no row.
var ErrKeyType = errors.New("tenant: the ID cannot be read as the parameter's type")

// UUIDValue returns id as a uuid, read the way PostgreSQL reads one. It
// implements pgtype.UUIDValuer.
func (id ID) UUIDValue() (pgtype.UUID, error) {
	s := string(id)
	if !canonicalUUID(s) {
		c, ok := parseUUID(s)
		if !ok {
			return pgtype.UUID{}, fmt.Errorf("%w: ID %q is not a uuid", ErrKeyType, s)
		}
		s = c
	}
	var u pgtype.UUID
	j := 0
	for i := 0; i < len(s); i += 2 {
		if s[i] == '-' {
			i--
			continue
		}
		u.Bytes[j] = unhex(s[i])<<4 | unhex(s[i+1])
		j++
	}
	u.Valid = true
	return u, nil
}

// Int64Value returns id as a 64-bit integer. It implements
// pgtype.Int64Valuer, which pgx's int2, int4 and int8 codecs read.
func (id ID) Int64Value() (pgtype.Int8, error) {
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return pgtype.Int8{}, fmt.Errorf("%w: ID %q is not a 64-bit integer", ErrKeyType, string(id))
	}
	return pgtype.Int8{Int64: n, Valid: true}, nil
}

// unhex is the value of a lower-case hex digit (canonicalUUID's).
func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'a' + 10
}
