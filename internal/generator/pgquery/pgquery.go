// Package pgquery is the generator's one way into PostgreSQL's parser
// (libpg_query). It links the same build of the parser that sqlc links, chosen
// by the same build constraints as sqlc's internal/engine/postgresql, so that
// the tenantc binary holds one copy of it:
//
//   - with cgo (and not on Windows): github.com/pganalyze/pg_query_go/v6, the
//     C library compiled by cgo;
//   - without cgo (CGO_ENABLED=0, or no C compiler), and on Windows:
//     github.com/wasilibs/go-pgquery, the C library compiled to WebAssembly and
//     run by wazero, a pure Go runtime.
//
// Both return pg_query_go's parse-tree types, so the rest of the generator
// imports github.com/pganalyze/pg_query_go/v6 for the types only and calls
// the parser through this package. Calling pg_query_go's own Parse instead
// does not build without cgo, and with cgo would do so through a parser sqlc
// does not use there.
//
// The two builds are not the same release of libpg_query (17-6.2 with cgo,
// 17-6.1 in go-pgquery); the tests of this package and the golden suite, run
// both ways in CI, fail when they parse or deparse anything tenantc reads
// differently.
package pgquery
