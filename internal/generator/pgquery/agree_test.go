//go:build !windows && cgo

package pgquery_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	wasm "github.com/wasilibs/go-pgquery"
	wasmparser "github.com/wasilibs/go-pgquery/parser"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/pgquery"
)

// TestBuildsAgree: the parser a CGO_ENABLED=0 binary links (go-pgquery,
// libpg_query compiled to WebAssembly) gives the same answers as the one a
// cgo binary links (pg_query_go), for everything tenantc asks of it: parse
// trees, syntax errors with their positions, deparsed SQL (which tenantc
// writes into migrations), PL/pgSQL trees and scanner tokens. A test binary
// may link both; the tenantc binary links one (TestOneParser). The inputs are
// testdata/tricky.sql, whole and statement by statement, and every .sql file
// of the repository (the golden inputs and outputs, the example app, gen/).
//
// The trees carry the PostgreSQL version of the build (170007 for 17.7);
// TestSameVersion compares it once, and the trees are compared without it, so
// that a version bump on one side alone reports what it changes.
func TestBuildsAgree(t *testing.T) {
	require.Equal(t, "cgo", pgquery.Backend)
	inputs := corpus(t)
	require.Greater(t, len(inputs), 100, "corpus")
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) { agree(t, in.sql) })
	}
}

// TestSameVersion: both builds are the same PostgreSQL release of the parser.
// go.mod requires a go-pgquery built from the C sources of the pg_query_go it
// requires; upgrade the two together.
func TestSameVersion(t *testing.T) {
	c, err := pgquery.Parse("SELECT 1")
	require.NoError(t, err)
	w, err := wasm.Parse("SELECT 1")
	require.NoError(t, err)
	assert.Equal(t, c.GetVersion(), w.GetVersion(), "PostgreSQL version of pg_query_go (cgo) and of go-pgquery (wasm)")
}

type input struct{ name, sql string }

// corpus reads testdata/tricky.sql (and each of its statements, separated by
// a "-- next" line) and every .sql file under the module root.
func corpus(t *testing.T) []input {
	t.Helper()
	tricky, err := os.ReadFile(filepath.Join("testdata", "tricky.sql"))
	require.NoError(t, err)
	inputs := []input{{"tricky.sql", string(tricky)}}
	for i, stmt := range regexp.MustCompile(`(?m)^-- next\n`).Split(string(tricky), -1) {
		inputs = append(inputs, input{fmt.Sprintf("tricky.sql#%03d", i), stmt})
	}
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".sql") {
			files = append(files, path)
		}
		return nil
	}))
	slices.Sort(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		rel, err := filepath.Rel(root, f)
		require.NoError(t, err)
		inputs = append(inputs, input{filepath.ToSlash(rel), string(b)})
	}
	return inputs
}

// agree asks both builds the same questions about sql.
func agree(t *testing.T, sql string) {
	cTree, cErr := pgquery.Parse(sql)
	wTree, wErr := wasm.Parse(sql)
	sameError(t, "Parse", cErr, wErr)
	if cErr == nil && wErr == nil {
		sameTree(t, "Parse", cTree, wTree)
		// Deparse the whole file, then every statement alone (tenantc
		// deparses single expressions and statements).
		sameDeparse(t, cTree)
		for _, s := range cTree.GetStmts() {
			sameDeparse(t, &pg_query.ParseResult{Version: cTree.GetVersion(), Stmts: []*pg_query.RawStmt{{Stmt: s.GetStmt()}}})
		}
	}

	cScan, cErr := pgquery.Scan(sql)
	wScan, wErr := wasm.Scan(sql)
	sameError(t, "Scan", cErr, wErr)
	if cErr == nil && wErr == nil {
		sameTree(t, "Scan", cScan, wScan)
	}

	if strings.Contains(strings.ToLower(sql), "plpgsql") {
		cJSON, cErr := pgquery.ParsePlPgSQLToJSON(sql)
		wJSON, wErr := wasm.ParsePlPgSqlToJSON(sql)
		sameError(t, "ParsePlPgSqlToJSON", cErr, wErr)
		assert.Equal(t, cJSON, wJSON, "ParsePlPgSqlToJSON")
	}
}

func sameDeparse(t *testing.T, tree *pg_query.ParseResult) {
	t.Helper()
	cOut, cErr := pgquery.Deparse(tree)
	wOut, wErr := wasm.Deparse(tree)
	sameError(t, "Deparse", cErr, wErr)
	assert.Equal(t, cOut, wOut, "Deparse")
}

// sameTree compares two parse or scan results, without their Version.
func sameTree[M interface {
	proto.Message
	*pg_query.ParseResult | *pg_query.ScanResult
}](t *testing.T, what string, c, w M) {
	t.Helper()
	c, w = proto.Clone(c).(M), proto.Clone(w).(M)
	for _, m := range []M{c, w} {
		switch m := any(m).(type) {
		case *pg_query.ParseResult:
			m.Version = 0
		case *pg_query.ScanResult:
			m.Version = 0
		}
	}
	if !proto.Equal(c, w) {
		assert.Equal(t, prototext.Format(c), prototext.Format(w), "%s: the two builds' trees differ", what)
	}
}

// sameError: both fail or neither does, with the same message and cursor
// position (which tenantc turns into file:line:col).
func sameError(t *testing.T, what string, c, w error) {
	t.Helper()
	if (c == nil) != (w == nil) {
		t.Errorf("%s: cgo error %v, wasm error %v", what, c, w)
		return
	}
	if c == nil {
		return
	}
	var ce *pgquery.Error
	var we *wasmparser.Error
	if errors.As(c, &ce) && errors.As(w, &we) {
		assert.Equal(t, [2]any{ce.Message, ce.Cursorpos}, [2]any{we.Message, we.Cursorpos}, "%s: error (message, cursor position)", what)
		return
	}
	assert.Equal(t, c.Error(), w.Error(), "%s: error", what)
}
