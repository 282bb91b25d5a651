//go:build windows || !cgo

package pgquery

import (
	pgquery "github.com/wasilibs/go-pgquery"
	"github.com/wasilibs/go-pgquery/parser"
)

// Backend names the parser this binary links: "cgo" or "wasm".
const Backend = "wasm"

// Error is the parser's error: Message, and Cursorpos, the 1-based character
// offset of the error in the parsed text (0 when it has none).
type Error = parser.Error

var (
	// Parse parses SQL text into a parse tree.
	Parse = pgquery.Parse
	// Deparse renders a parse tree as SQL text.
	Deparse = pgquery.Deparse
	// ParsePlPgSQLToJSON parses a CREATE FUNCTION … LANGUAGE plpgsql statement
	// into the JSON form of its PL/pgSQL tree.
	ParsePlPgSQLToJSON = pgquery.ParsePlPgSqlToJSON
	// Scan splits SQL text into tokens, with their keyword kinds.
	Scan = pgquery.Scan
)
