package catalog

import (
	"fmt"
	"strings"
)

// QuoteIdent quotes an identifier the way PostgreSQL's quote_ident does: only when
// it is not a plain lower-case identifier or is a keyword that cannot stand alone.
func QuoteIdent(s string) string {
	if !needsQuote(s) {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r == '_':
		case (r >= '0' && r <= '9') || r == '$':
			if i == 0 {
				return true
			}
		default:
			return true
		}
	}
	return reservedKeywords[s]
}

// reservedKeywords are PostgreSQL 17's RESERVED_KEYWORD and TYPE_FUNC_NAME_KEYWORD
// entries of kwlist.h (the parser pg_query_go and sqlc use): the ones that must
// be quoted to name a table or column. quote_test.go checks the list against
// that parser's own keyword table.
var reservedKeywords = wordSet(`all analyse analyze and any array as asc asymmetric both case cast
check collate column constraint create current_catalog current_date current_role current_time
current_timestamp current_user default deferrable desc distinct do else end except false fetch
for foreign from grant group having in initially intersect into lateral leading limit localtime
localtimestamp not null offset on only or order placing primary references returning select
session_user some symmetric system_user table then to trailing true union unique user using variadic when
where window with
authorization binary collation concurrently cross current_schema freeze full ilike inner is
isnull join left like natural notnull outer overlaps right similar tablesample verbose`)

// wordSet is the set of the space-separated words of s.
func wordSet(s string) map[string]bool {
	set := map[string]bool{}
	for _, w := range strings.Fields(s) {
		set[w] = true
	}
	return set
}

// ParseName reads a possibly schema-qualified name as SQL would: unquoted parts are
// folded to lower case (A-Z only, as PostgreSQL does in a UTF-8 database), quoted
// parts kept, and a missing schema means public.
func ParseName(s string) (Name, error) {
	var parts []string
	for rest := strings.TrimSpace(s); ; {
		var part string
		if strings.HasPrefix(rest, `"`) {
			end := 1
			var b strings.Builder
			for {
				i := strings.IndexByte(rest[end:], '"')
				if i < 0 {
					return Name{}, fmt.Errorf("name %q: unterminated quoted identifier", s)
				}
				b.WriteString(rest[end : end+i])
				end += i + 1
				if strings.HasPrefix(rest[end:], `"`) { // doubled quote
					b.WriteByte('"')
					end++
					continue
				}
				break
			}
			part, rest = b.String(), rest[end:]
		} else {
			i := strings.IndexByte(rest, '.')
			if i < 0 {
				i = len(rest)
			}
			part, rest = foldASCII(rest[:i]), rest[i:]
		}
		if part == "" {
			return Name{}, fmt.Errorf("name %q: empty identifier", s)
		}
		parts = append(parts, part)
		if rest == "" {
			break
		}
		if rest[0] != '.' {
			return Name{}, fmt.Errorf("name %q: unexpected %q", s, rest)
		}
		rest = rest[1:]
	}
	switch len(parts) {
	case 1:
		return Name{Schema: "public", Name: parts[0]}, nil
	case 2:
		return Name{Schema: parts[0], Name: parts[1]}, nil
	}
	return Name{}, fmt.Errorf("name %q: want table or schema.table", s)
}

// foldASCII lower-cases A-Z and leaves every other character alone, as
// PostgreSQL's downcase_identifier does in a multibyte encoding: unquoted
// GRÖSSE names the table grÖsse.
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}
