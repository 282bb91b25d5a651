//go:build !windows && cgo

package pgquery

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"
)

// Backend names the parser this binary links: "cgo" or "wasm".
const Backend = "cgo"

// Error is the parser's error: Message, and Cursorpos, the 1-based character
// offset of the error in the parsed text (0 when it has none).
type Error = parser.Error

var (
	// Parse parses SQL text into a parse tree.
	Parse = pg_query.Parse
	// Deparse renders a parse tree as SQL text.
	Deparse = pg_query.Deparse
	// ParsePlPgSQLToJSON parses a CREATE FUNCTION … LANGUAGE plpgsql statement
	// into the JSON form of its PL/pgSQL tree.
	ParsePlPgSQLToJSON = pg_query.ParsePlPgSqlToJSON
	// Scan splits SQL text into tokens, with their keyword kinds.
	Scan = pg_query.Scan
)
