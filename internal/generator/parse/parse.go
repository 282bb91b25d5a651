// Package parse is the stage that turns schema SQL into a catalog, and the
// user's query files into queries with what they touch, with pg_query_go, the
// parser sqlc links. Only the orchestrator (package generator) imports it:
// what later stages need of SQL on its own (normalized expressions, the facts
// of a policy expression, of a function body) is package sqlexpr, which this
// package builds on too, so the stages run one way.
package parse

import (
	"errors"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/pgquery"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// Files applies every statement of files, in order, to an empty catalog.
// Statements tenantc does not model are skipped. A syntax error is reported at its
// place and skips the rest of that file; every file is still read.
func Files(files []*source.File) (*catalog.Catalog, diag.List) {
	b := newBuilder()
	for _, f := range files {
		if f != nil {
			b.applyFile(f)
		}
	}
	b.resolvePendingForeignKeys()
	return b.cat, b.diags
}

// builder applies statements to a catalog. Besides the catalog it remembers a few
// facts the catalog has no room for but PostgreSQL acts on, such as which
// partition index was cloned from which parent index (so dropping the parent's
// index drops the partitions' too).
type builder struct {
	cat   *catalog.Catalog
	diags diag.List

	// file and stmt locate the statement being applied: stmt is the byte offset of
	// its first token, the fallback position for objects whose node has no location.
	file *source.File
	stmt int
	// stmtEnd is the byte offset just after the statement being applied.
	stmtEnd int

	// schema is where unqualified names resolve: "public", or the schema a
	// CREATE SCHEMA … CREATE TABLE … element is created in.
	schema string

	// indexParent maps an index PostgreSQL cloned onto a partition to the index of
	// the partitioned table it came from.
	indexParent map[*catalog.Index]*catalog.Index
	// constraintIndexes holds the indexes made for PRIMARY KEY and UNIQUE
	// constraints, which PostgreSQL names differently when it clones them.
	constraintIndexes map[*catalog.Index]bool
	// triggerParent does the same for cloned row triggers.
	triggerParent map[*catalog.Trigger]*catalog.Trigger
	// statementTriggers holds FOR EACH STATEMENT triggers, which PostgreSQL does
	// not clone onto partitions.
	statementTriggers map[*catalog.Trigger]bool
	// signatures holds each function's argument types (e.g. "integer, text"), so
	// OR REPLACE and DROP FUNCTION f(args) pick the right overload.
	signatures map[*catalog.Function]string
}

func newBuilder() *builder {
	return &builder{
		cat:               &catalog.Catalog{},
		schema:            "public",
		indexParent:       map[*catalog.Index]*catalog.Index{},
		constraintIndexes: map[*catalog.Index]bool{},
		triggerParent:     map[*catalog.Trigger]*catalog.Trigger{},
		statementTriggers: map[*catalog.Trigger]bool{},
		signatures:        map[*catalog.Function]string{},
	}
}

// applyFile parses one file whole; PostgreSQL's own error position is kept so the
// message points where psql would.
func (b *builder) applyFile(f *source.File) {
	b.file = f
	tree, err := parseFile(f, f.SQL, &b.diags)
	if err != nil {
		return
	}
	for _, raw := range tree.GetStmts() {
		b.stmt = firstToken(f.SQL, int(raw.GetStmtLocation()))
		b.stmtEnd = len(f.SQL)
		if n := int(raw.GetStmtLen()); n > 0 {
			b.stmtEnd = int(raw.GetStmtLocation()) + n
		}
		b.apply(raw.GetStmt())
	}
}

// apply dispatches one statement. Everything not listed here (GRANT, COMMENT, DO,
// INSERT, SET, CREATE EXTENSION, sequences, domains …) does not change what
// tenantc models and is skipped.
func (b *builder) apply(n *pg_query.Node) {
	switch s := n.GetNode().(type) {
	case *pg_query.Node_CreateSchemaStmt:
		b.createSchema(s.CreateSchemaStmt)
	case *pg_query.Node_CreateStmt:
		b.createTable(s.CreateStmt)
	case *pg_query.Node_CreateTableAsStmt:
		b.createTableAs(s.CreateTableAsStmt)
	case *pg_query.Node_IndexStmt:
		b.createIndex(s.IndexStmt)
	case *pg_query.Node_CreatePolicyStmt:
		b.createPolicy(s.CreatePolicyStmt)
	case *pg_query.Node_AlterPolicyStmt:
		b.alterPolicy(s.AlterPolicyStmt)
	case *pg_query.Node_AlterTableStmt:
		b.alterTable(s.AlterTableStmt)
	case *pg_query.Node_RenameStmt:
		b.rename(s.RenameStmt)
	case *pg_query.Node_AlterObjectSchemaStmt:
		b.setSchema(s.AlterObjectSchemaStmt)
	case *pg_query.Node_DropStmt:
		b.drop(s.DropStmt)
	case *pg_query.Node_ViewStmt:
		b.createView(s.ViewStmt)
	case *pg_query.Node_CreateFunctionStmt:
		b.createFunction(s.CreateFunctionStmt)
	case *pg_query.Node_AlterFunctionStmt:
		b.alterFunction(s.AlterFunctionStmt)
	case *pg_query.Node_CreateEnumStmt:
		b.createEnum(s.CreateEnumStmt)
	case *pg_query.Node_AlterEnumStmt:
		b.alterEnum(s.AlterEnumStmt)
	case *pg_query.Node_CreateTrigStmt:
		b.createTrigger(s.CreateTrigStmt)
	case *pg_query.Node_SelectStmt:
		b.selectStmt(s.SelectStmt) // Citus' distribution calls (distribute.go)
	}
}

// parseFile parses sql, the text of f or a same-length rewrite of it, and
// reports a syntax error at its place in f: PostgreSQL counts the error cursor
// in characters of the text it parsed.
func parseFile(f *source.File, sql string, diags *diag.List) (*pg_query.ParseResult, error) {
	tree, err := pgquery.Parse(sql)
	if err == nil {
		return tree, nil
	}
	offset, msg := 0, err.Error()
	var pe *pgquery.Error
	if errors.As(err, &pe) {
		msg = pe.Message
		if pe.Cursorpos > 0 {
			offset = source.NewFile(f.Path, f.Format, sql).CharOffset(pe.Cursorpos)
		}
	}
	diags.Errorf(f.Pos(offset), "%s", msg)
	return nil, err
}

// pos converts a parse-tree location to a position. Nodes PostgreSQL builds
// itself carry -1; they are placed at the statement instead.
func (b *builder) pos(loc int32) source.Pos {
	if loc < 0 {
		return b.file.Pos(b.stmt)
	}
	return b.file.Pos(int(loc))
}

// stmtPos is the first token of the statement being applied.
func (b *builder) stmtPos() source.Pos { return b.file.Pos(b.stmt) }

// missingRelation reports a statement that needs a relation the schema never
// created, as PostgreSQL would refuse it.
func (b *builder) missingRelation(rv *pg_query.RangeVar, n catalog.Name) {
	b.diags.Errorf(b.pos(rv.GetLocation()), "relation %q does not exist", n.Schema+"."+n.Name)
}

// exists reports an object created twice, which PostgreSQL refuses.
func (b *builder) exists(p source.Pos, kind, name string) {
	b.diags.Errorf(p, "%s %q already exists", kind, name)
}

// firstToken skips whitespace and comments from offset on. RawStmt.StmtLocation
// points just after the previous statement's semicolon, so without this a
// statement would be placed on the comment above it.
func firstToken(sql string, offset int) int {
	i := max(offset, 0)
	for i < len(sql) {
		switch {
		case strings.ContainsRune(" \t\r\n\f\v", rune(sql[i])):
			i++
		case strings.HasPrefix(sql[i:], "--"):
			end := strings.IndexByte(sql[i:], '\n')
			if end < 0 {
				return len(sql)
			}
			i += end + 1
		case strings.HasPrefix(sql[i:], "/*"):
			// PostgreSQL block comments nest.
			depth := 0
			for i < len(sql) {
				if strings.HasPrefix(sql[i:], "/*") {
					depth++
					i += 2
				} else if strings.HasPrefix(sql[i:], "*/") {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		default:
			return i
		}
	}
	return min(i, len(sql))
}
