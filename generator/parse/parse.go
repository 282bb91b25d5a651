// Package parse turns schema SQL into a catalog with pg_query_go, the parser sqlc
// links. It is the only package that sees parse trees.
package parse

import (
	"github.com/tenantc/tenantc/generator/catalog"
	"github.com/tenantc/tenantc/generator/diag"
	"github.com/tenantc/tenantc/generator/source"
)

// Files applies every statement of files, in order, to an empty catalog.
// Statements tenantc does not model are skipped. A syntax error is reported at its
// place and skips the rest of that file; every file is still read.
func Files(files []*source.File) (*catalog.Catalog, diag.List) {
	panic("TODO")
}
