package pgquery_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOneParser: cmd/tenantc links exactly one copy of libpg_query, the one
// sqlc's engine links for the same build: pg_query_go's C library with cgo,
// go-pgquery's WebAssembly build without cgo; and this package picks the same
// one as sqlc's internal/engine/postgresql. The exception is sqlc's own: on
// Windows with cgo its engine parses with go-pgquery, but the pg_query_go
// package it imports for the tree types is built with cgo there and brings
// the C parser along; tenantc follows sqlc's engine and adds no third copy.
func TestOneParser(t *testing.T) {
	const (
		cgoParser  = "github.com/pganalyze/pg_query_go/v6/parser"
		wasmParser = "github.com/wasilibs/go-pgquery/parser"
		sqlcEngine = "github.com/sqlc-dev/sqlc/internal/engine/postgresql"
		ours       = "github.com/tenantc/tenantc/internal/generator/pgquery"
	)
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	for _, tc := range []struct {
		goos, cgo             string
		cgoLinked, wasmLinked bool
	}{
		{"linux", "1", true, false},
		{"linux", "0", false, true},
		{"darwin", "1", true, false},
		{"windows", "0", false, true},
		{"windows", "1", true, true}, // sqlc's doing, see above
	} {
		t.Run(tc.goos+"-cgo"+tc.cgo, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .GoFiles \",\"}}", "./cmd/tenantc")
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+tc.goos, "GOARCH=amd64", "CGO_ENABLED="+tc.cgo)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
			files := map[string]string{}
			for line := range strings.Lines(string(out)) {
				pkg, gofiles, _ := strings.Cut(strings.TrimSpace(line), " ")
				files[pkg] = gofiles
			}
			_, hasCgo := files[cgoParser]
			_, hasWasm := files[wasmParser]
			assert.Equal(t, tc.cgoLinked, hasCgo, "links %s", cgoParser)
			assert.Equal(t, tc.wasmLinked, hasWasm, "links %s", wasmParser)
			for pkg := range files {
				assert.False(t, strings.HasPrefix(pkg, "github.com/sqlc-dev/oliphant"), "links %s", pkg)
			}
			sqlcFile, ourFile := "parse_wasi.go", "wasm.go"
			if !tc.wasmLinked {
				sqlcFile, ourFile = "parse_default.go", "cgo.go"
			}
			assert.Contains(t, strings.Split(files[sqlcEngine], ","), sqlcFile, "sqlc's engine files")
			assert.Contains(t, strings.Split(files[ours], ","), ourFile, "our files")
		})
	}
}
