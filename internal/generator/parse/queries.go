package parse

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// Queries reads sqlc query files: every statement with its "-- name: X :cmd"
// annotation and the facts the tenancy checks need. It reports, located, a
// syntax error (which skips the rest of that file, as Files does), a statement
// without an annotation, a malformed annotation or one no statement follows, an
// unknown command, and a query name used twice (at the second use). A statement
// with such an error is left out of the result.
//
// The files are read on every core at once (a file's reading depends on that
// file alone, and pg_query's parser is thread-safe), then the names are
// checked across files, in the files' order: the result does not depend on
// which file was read first. At 500 tables reading the queries took longer
// than every schema stage before them together.
func Queries(files []*source.File) ([]*catalog.Query, diag.List) {
	type read struct {
		queries []*catalog.Query
		diags   diag.List
	}
	reads := make([]read, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				if f := files[i]; f != nil {
					r := &queryReader{f: f, diags: &reads[i].diags}
					reads[i].queries = r.read()
				}
			}
		})
	}
	wg.Wait()
	var (
		out   []*catalog.Query
		diags diag.List
		first = map[string]source.Pos{}
	)
	for _, r := range reads {
		diags = append(diags, r.diags...)
		for _, q := range r.queries {
			if p, dup := first[q.Name]; dup {
				diags.Errorf(q.Pos, "query name %s is already used at %s; sqlc needs every name to be unique", q.Name, p)
				continue
			}
			first[q.Name] = q.Pos
			out = append(out, q)
		}
	}
	return out, diags
}

// queryReader reads one query file.
type queryReader struct {
	f     *source.File
	diags *diag.List
}

// read parses the file whole; statement boundaries come from the parser, so
// semicolons inside strings, comments and function bodies are no problem.
func (r *queryReader) read() []*catalog.Query {
	f := r.f
	sql := rewriteNamedParams(f.SQL)
	tree, err := parseFile(f, sql, r.diags)
	if err != nil {
		return nil
	}
	var out []*catalog.Query
	tail := 0 // where the last statement ends
	for _, raw := range tree.GetStmts() {
		loc := int(raw.GetStmtLocation())
		start := firstToken(f.SQL, loc)
		stop := len(f.SQL)
		if n := int(raw.GetStmtLen()); n > 0 {
			stop = loc + n
		}
		tail = stop
		ann, ok := r.annotation(loc, start)
		if !ok {
			continue
		}
		if ann == nil {
			r.diags.Errorf(f.Pos(start), "statement has no name annotation; sqlc needs one on the line before it, e.g. -- name: GetTask :one")
			continue
		}
		q := &catalog.Query{
			Name: ann.name,
			Cmd:  ann.cmd,
			SQL:  f.SQL[start:lastTokenEnd(f.SQL, start, stop)],
			Pos:  ann.pos,
		}
		analyzeQuery(q, f, start, raw.GetStmt())
		out = append(out, q)
	}
	// An annotation after the last statement has lost its statement.
	for _, a := range r.annotations(tail, len(f.SQL)) {
		r.diags.Errorf(a.pos, "no statement follows the annotation of %s", a.name)
	}
	return out
}

// queryAnnotation is a well-formed "-- name: X :cmd" comment.
type queryAnnotation struct {
	name, cmd string
	pos       source.Pos
}

// annotation returns the annotation of the statement starting at start; the text
// from loc (just after the previous statement) to start holds only whitespace and
// comments. Of several annotations the last names the statement and the others
// are reported: sqlc would take the first, and both tools must agree on every
// name. ok is false when something was reported.
func (r *queryReader) annotation(loc, start int) (ann *queryAnnotation, ok bool) {
	before := len(*r.diags)
	found := r.annotations(loc, start)
	for _, a := range found[:max(len(found)-1, 0)] {
		r.diags.Errorf(a.pos, "no statement follows the annotation of %s before the next annotation (sqlc would give %s the statement below); remove one of them", a.name, a.name)
	}
	if len(found) > 0 {
		ann = found[len(found)-1]
	}
	return ann, len(*r.diags) == before
}

// annotations reads the annotations among the comments between from and to,
// reporting malformed ones.
func (r *queryReader) annotations(from, to int) []*queryAnnotation {
	var out []*queryAnnotation
	for _, c := range comments(r.f.SQL, from, to) {
		if a := r.readAnnotation(c); a != nil {
			out = append(out, a)
		}
	}
	return out
}

// comment is the byte range of a comment, delimiters included.
type comment struct{ start, end int }

// comments lists the comments between from and to.
func comments(sql string, from, to int) []comment {
	var out []comment
	scanSQL(sql[:to], from, func(kind spanKind, start, end int) {
		if kind == spanComment {
			out = append(out, comment{start, end})
		}
	})
	return out
}

// readAnnotation reads a comment the way sqlc's metadata parser does: a comment
// whose text starts with "name:" is an annotation, and must then be exactly
// "-- name: <Name> <:cmd>" (or "/* name: <Name> <:cmd> */") at the start of its
// line. It returns nil for other comments and, after reporting it, for a
// malformed annotation.
func (r *queryReader) readAnnotation(c comment) *queryAnnotation {
	text := r.f.SQL[c.start:c.end]
	body, block := strings.CutPrefix(text, "/*")
	if block {
		body = strings.TrimSuffix(body, "*/")
	} else {
		body = strings.TrimPrefix(body, "--")
	}
	if !strings.HasPrefix(strings.TrimSpace(body), "name:") {
		return nil
	}
	pos := r.f.Pos(c.start)
	if lineStart := strings.LastIndexByte(r.f.SQL[:c.start], '\n') + 1; lineStart != c.start {
		r.diags.Errorf(pos, "the annotation must start its line: sqlc ignores one that does not")
		return nil
	}
	if strings.Contains(body, "\n") {
		r.diags.Errorf(pos, "the annotation must fit on one line")
		return nil
	}
	parts := strings.Split(strings.TrimSpace(body), " ")
	if !strings.HasPrefix(body, " name: ") || len(parts) > 3 {
		r.diags.Errorf(pos, "malformed annotation; sqlc reads exactly \"-- name: <Name> <:cmd>\", single spaces")
		return nil
	}
	if len(parts) < 2 {
		r.diags.Errorf(pos, "the annotation has no name; write \"-- name: <Name> <:cmd>\"")
		return nil
	}
	if len(parts) < 3 {
		r.diags.Errorf(pos, "the annotation of %s has no command; add one of %s", parts[1], strings.Join(catalog.QueryCmds, " "))
		return nil
	}
	name, cmd := parts[1], parts[2]
	if !validQueryName(name) {
		r.diags.Errorf(pos, "query name %q is not a Go identifier, as sqlc requires", name)
		return nil
	}
	if !slices.Contains(catalog.QueryCmds, cmd) {
		r.diags.Errorf(r.f.Pos(c.start+strings.LastIndex(text, cmd)), "unknown query command %s for %s; sqlc knows %s", cmd, name, strings.Join(catalog.QueryCmds, " "))
		return nil
	}
	return &queryAnnotation{name: name, cmd: cmd, pos: pos}
}

// validQueryName is sqlc's rule: a Go identifier.
func validQueryName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if !unicode.IsLetter(r) && r != '_' && (i == 0 || !unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// analyzeQuery fills in what the statement does: its command, the tables it
// names and the constructs the tenancy checks look for. start is the offset of
// the statement's first token.
func analyzeQuery(q *catalog.Query, f *source.File, start int, stmt *pg_query.Node) {
	w := &queryWalker{q: q, f: f, start: start, ctes: map[string]bool{}, consumed: map[*pg_query.FuncCall]bool{}}
	sqlexpr.Walk(stmt, func(m proto.Message) bool {
		if c, ok := m.(*pg_query.CommonTableExpr); ok {
			w.ctes[c.GetCtename()] = true
		}
		return true
	})
	q.Derived = len(w.ctes) > 0
	top := sqlexpr.Unwrap(stmt)
	w.statement(top)
	if top != nil {
		w.visit(top, nil, false)
	}
	w.finish()
	q.Routing = routing(f, start, top)
}

// queryWalker collects the facts of one statement.
type queryWalker struct {
	q     *catalog.Query
	f     *source.File
	start int
	// ctes holds the names of the statement's CTEs: an unqualified relation so
	// named is the CTE, not a table.
	ctes map[string]bool
	refs []tableRef
	// consumed holds lower()/upper() calls already reported as part of a LIKE or
	// regex match on their result.
	consumed map[*pg_query.FuncCall]bool
}

type tableRef struct {
	loc     int32
	name    catalog.Name
	written bool
}

// queryScope is one query level: the relations its FROM (or UPDATE, DELETE …
// USING, MERGE … USING) makes visible, and the enclosing level.
type queryScope struct {
	parent *queryScope
	rels   []scopeRel
}

type scopeRel struct {
	visible string       // the alias, or the relation's own name
	name    catalog.Name // the relation; zero for sub-selects and functions
	aliased bool
	table   bool // a relation of the schema (table or view), not a CTE, sub-select or function
}

// resolve finds the table of a column reference given as its name parts.
func (sc *queryScope) resolve(fields []string) (table catalog.Name, candidates []catalog.Name) {
	if len(fields) == 1 {
		innermost := true
		for s := sc; s != nil; s = s.parent {
			if len(s.rels) == 0 {
				continue
			}
			if innermost && len(s.rels) == 1 && s.rels[0].table {
				table = s.rels[0].name
			}
			innermost = false
			for _, r := range s.rels {
				if r.table && !slices.Contains(candidates, r.name) {
					candidates = append(candidates, r.name)
				}
			}
		}
		return table, candidates
	}
	qual := fields[len(fields)-2]
	for s := sc; s != nil; s = s.parent {
		for _, r := range s.rels {
			var match bool
			if len(fields) >= 3 {
				match = r.table && !r.aliased && r.name == catalog.Name{Schema: fields[len(fields)-3], Name: qual}
			} else {
				match = r.visible == qual
			}
			if match {
				if r.table {
					return r.name, nil
				}
				return catalog.Name{}, nil
			}
		}
	}
	return catalog.Name{}, nil
}

func (w *queryWalker) pos(loc int32) source.Pos {
	if loc < 0 {
		return w.f.Pos(w.start)
	}
	return w.f.Pos(int(loc))
}

// statement records what the statement is as a whole.
func (w *queryWalker) statement(top proto.Message) {
	w.q.Command = "other"
	switch s := top.(type) {
	case *pg_query.SelectStmt:
		w.q.Command = "select"
		if s.GetIntoClause() != nil {
			w.q.DDL = &catalog.DDL{Statement: "SELECT … INTO", Pos: w.f.Pos(w.start)}
		}
		return
	case *pg_query.InsertStmt:
		w.q.Command = "insert"
		return
	case *pg_query.UpdateStmt:
		w.q.Command = "update"
		return
	case *pg_query.DeleteStmt:
		w.q.Command = "delete"
		return
	case *pg_query.VariableSetStmt:
		stmt, setting := sessionChange(s)
		w.q.Session = &catalog.SessionChange{Statement: stmt, Setting: setting, Pos: w.f.Pos(w.start)}
		return
	case *pg_query.DiscardStmt:
		mode := strings.TrimPrefix(s.GetTarget().String(), "DISCARD_")
		w.q.Session = &catalog.SessionChange{Statement: "DISCARD " + mode, Pos: w.f.Pos(w.start)}
		return
	case *pg_query.VariableShowStmt:
		w.q.Settings = append(w.q.Settings, catalog.SettingCall{Function: "show", Setting: s.GetName(), Pos: w.f.Pos(w.start)})
		return
	}
	if top != nil && isDDL(sqlexpr.NodeName(top)) {
		w.q.DDL = &catalog.DDL{Statement: ddlKeywords(w.f.SQL[w.start:]), Pos: w.f.Pos(w.start)}
	}
}

// sessionChange names a SET or RESET statement and the variable it changes.
func sessionChange(s *pg_query.VariableSetStmt) (stmt, setting string) {
	name := s.GetName()
	verb := "SET"
	switch s.GetKind() {
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		return "RESET ALL", ""
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		// SET TRANSACTION …, SET SESSION CHARACTERISTICS …: the name is the keywords.
		return "SET " + strings.ToUpper(name), ""
	case pg_query.VariableSetKind_VAR_RESET:
		verb = "RESET"
	default:
		if s.GetIsLocal() {
			verb = "SET LOCAL"
		}
	}
	switch name {
	case "role":
		return verb + " ROLE", name
	case "session_authorization":
		return verb + " SESSION AUTHORIZATION", name
	}
	return verb, name
}

// isDDL reports whether a statement node type changes the schema or privileges.
func isDDL(node string) bool {
	for _, p := range []string{"Create", "Alter", "Drop"} {
		if strings.HasPrefix(node, p) {
			return true
		}
	}
	switch node {
	case "DefineStmt", "IndexStmt", "ViewStmt", "RuleStmt", "CompositeTypeStmt", "TruncateStmt",
		"GrantStmt", "GrantRoleStmt", "RenameStmt", "CommentStmt", "SecLabelStmt",
		"ReassignOwnedStmt", "ImportForeignSchemaStmt":
		return true
	}
	return false
}

// ddlKeywords returns the leading keywords of a DDL statement for messages:
// "CREATE TABLE", "CREATE OR REPLACE FUNCTION", "DROP INDEX", "TRUNCATE".
func ddlKeywords(sql string) string {
	var words []string
	for len(words) < 6 {
		sql = strings.TrimLeft(sql, " \t\r\n\f\v")
		n := strings.IndexFunc(sql, func(r rune) bool { return !unicode.IsLetter(r) && r != '_' })
		if n < 0 {
			n = len(sql)
		}
		if n == 0 {
			break
		}
		words = append(words, strings.ToUpper(sql[:n]))
		sql = sql[n:]
	}
	if len(words) == 0 {
		return "DDL"
	}
	out := words[:1]
	switch words[0] {
	case "CREATE", "ALTER", "DROP":
		// Modifiers, then the kind of object.
		modifiers := []string{"OR", "REPLACE", "UNIQUE", "TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "MATERIALIZED", "FOREIGN", "DEFAULT", "RECURSIVE", "TRUSTED", "PROCEDURAL", "CONSTRAINT", "EVENT", "TEXT", "SEARCH", "OPERATOR"}
		for _, word := range words[1:] {
			out = append(out, word)
			if !slices.Contains(modifiers, word) {
				break
			}
		}
	case "SECURITY", "REASSIGN":
		out = words[:min(2, len(words))]
	case "IMPORT":
		out = words[:min(3, len(words))]
	}
	return strings.Join(out, " ")
}

// filterFields are the fields whose expressions filter rows: WHERE, HAVING,
// JOIN … ON, MERGE … ON.
var filterFields = map[string]bool{"where_clause": true, "having_clause": true, "quals": true, "join_condition": true}

// visit walks the tree below m. sc is the query level m belongs to; filter is
// true inside a filtering clause of that level.
func (w *queryWalker) visit(m proto.Message, sc *queryScope, filter bool) {
	switch n := m.(type) {
	case *pg_query.SelectStmt:
		if n.GetOp() == pg_query.SetOperation_SETOP_NONE {
			w.level(m, sc)
			return
		}
	case *pg_query.InsertStmt, *pg_query.UpdateStmt, *pg_query.DeleteStmt, *pg_query.MergeStmt:
		w.level(m, sc)
		return
	case *pg_query.RangeVar:
		w.relation(n, false)
		return
	case *pg_query.LockingClause:
		return // FOR UPDATE OF names aliases, not relations
	case *pg_query.TruncateStmt:
		for _, rel := range n.GetRelations() {
			if rv := rel.GetRangeVar(); rv != nil {
				w.relation(rv, true)
			}
		}
		return
	case *pg_query.CopyStmt:
		if rel := n.GetRelation(); rel != nil {
			w.relation(rel, n.GetIsFrom())
		}
		if q := n.GetQuery(); q != nil {
			w.visit(q, sc, false)
		}
		return
	case *pg_query.IntoClause:
		if rel := n.GetRel(); rel != nil {
			w.relation(rel, true)
		}
		return
	case *pg_query.FuncCall:
		if w.funcCall(n, sc, filter) {
			return
		}
	case *pg_query.A_Expr:
		if filter {
			w.patternMatch(n, sc)
		}
	}
	sqlexpr.Children(m, func(field string, c proto.Message) { w.visit(c, sc, filter || filterFields[field]) })
}

// level walks a statement that opens a query level: its WITH belongs to the
// enclosing level, its FROM (or target and USING) makes relations visible to the
// rest of it.
func (w *queryWalker) level(m proto.Message, parent *queryScope) {
	sc := &queryScope{parent: parent}
	_, isSelect := m.(*pg_query.SelectStmt)
	sqlexpr.Children(m, func(field string, c proto.Message) {
		if field == "with_clause" {
			w.visit(c, parent, false)
		}
	})
	sqlexpr.Children(m, func(field string, c proto.Message) {
		switch field {
		case "relation": // the target of INSERT, UPDATE, DELETE and MERGE
			w.fromItem(c, sc, !isSelect)
		case "from_clause", "using_clause", "source_relation":
			w.fromItem(c, sc, false)
		}
	})
	sqlexpr.Children(m, func(field string, c proto.Message) {
		switch field {
		case "with_clause", "relation", "from_clause", "using_clause", "source_relation":
		case "select_stmt":
			// INSERT … SELECT: the target is not visible to the SELECT.
			w.visit(c, parent, false)
		default:
			w.visit(c, sc, filterFields[field])
		}
	})
}

// fromItem adds one FROM item (a relation, join, sub-select or function) to sc.
func (w *queryWalker) fromItem(m proto.Message, sc *queryScope, written bool) {
	switch n := sqlexpr.Unwrap(m).(type) {
	case nil:
	case *pg_query.RangeVar:
		name, table := w.relation(n, written)
		rel := scopeRel{visible: n.GetRelname(), name: name, table: table}
		if a := n.GetAlias(); a != nil {
			rel.visible, rel.aliased = a.GetAliasname(), true
		}
		sc.rels = append(sc.rels, rel)
	case *pg_query.JoinExpr:
		w.fromItem(n.GetLarg(), sc, false)
		w.fromItem(n.GetRarg(), sc, false)
		if q := n.GetQuals(); q != nil {
			w.visit(q, sc, true)
		}
	case *pg_query.RangeSubselect:
		w.q.Derived = true
		w.visit(n.GetSubquery(), sc, false)
		sc.rels = append(sc.rels, scopeRel{visible: n.GetAlias().GetAliasname(), aliased: true})
	case *pg_query.RangeFunction:
		w.q.Derived = true
		w.visit(n, sc, false)
		sc.rels = append(sc.rels, scopeRel{visible: n.GetAlias().GetAliasname(), aliased: true})
	default: // XMLTABLE, JSON_TABLE, …
		w.q.Derived = true
		w.visit(n, sc, false)
		sc.rels = append(sc.rels, scopeRel{aliased: true})
	}
}

// relation records a relation the statement names and returns its name; table
// is false for the name of one of the statement's CTEs, which is not recorded.
func (w *queryWalker) relation(rv *pg_query.RangeVar, written bool) (n catalog.Name, table bool) {
	n = catalog.Name{Schema: rv.GetSchemaname(), Name: rv.GetRelname()}
	if n.Schema == "" {
		if w.ctes[n.Name] {
			return n, false
		}
		n.Schema = "public"
	}
	w.refs = append(w.refs, tableRef{rv.GetLocation(), n, written})
	return n, true
}

// funcCall records set_config, current_setting, and lower() or upper() of a
// column in a filter. It returns true for sqlc's own functions (sqlc.arg,
// sqlc.narg, sqlc.slice, sqlc.embed), whose arguments name parameters and
// tables, not columns, and must not be walked.
func (w *queryWalker) funcCall(fc *pg_query.FuncCall, sc *queryScope, filter bool) bool {
	names := sqlexpr.Strings(fc.GetFuncname())
	if len(names) == 0 {
		return false
	}
	if len(names) == 2 && names[0] == "sqlc" {
		return true
	}
	if len(names) == len(fc.GetFuncname()) {
		w.q.Calls = append(w.q.Calls, catalog.FunctionCall{Name: sqlexpr.CalledName(names), Pos: w.pos(fc.GetLocation())})
	}
	if len(names) > 1 && names[len(names)-2] != "pg_catalog" {
		return false
	}
	args := fc.GetArgs()
	switch fn := names[len(names)-1]; fn {
	case "set_config", "current_setting":
		setting := ""
		if len(args) > 0 {
			setting = sqlexpr.LiteralString(args[0])
		}
		w.q.Settings = append(w.q.Settings, catalog.SettingCall{Function: fn, Setting: setting, Pos: w.pos(fc.GetLocation())})
	case "lower", "upper":
		if filter && !w.consumed[fc] && len(args) == 1 {
			if ref, _ := columnOf(args[0], false); ref != nil {
				w.pattern(fn+"()", ref, sc, fc.GetLocation())
			}
		}
	}
	return false
}

// patternMatch records a LIKE, ILIKE, SIMILAR TO or regular-expression match
// whose left side is a column, possibly cast, collated or case-folded.
func (w *queryWalker) patternMatch(e *pg_query.A_Expr, sc *queryScope) {
	op := patternOp(e)
	if op == "" {
		return
	}
	ref, fold := columnOf(e.GetLexpr(), true)
	if ref == nil {
		return
	}
	if fold != nil {
		w.consumed[fold] = true
	}
	w.pattern(op, ref, sc, e.GetLocation())
}

func (w *queryWalker) pattern(op string, ref *pg_query.ColumnRef, sc *queryScope, loc int32) {
	fields := sqlexpr.Strings(ref.GetFields())
	if len(fields) == 0 || len(fields) != len(ref.GetFields()) {
		return // t.* and the like
	}
	table, candidates := sc.resolve(fields)
	w.q.Patterns = append(w.q.Patterns, catalog.PatternFilter{
		Op: op, Column: fields[len(fields)-1], Table: table, Candidates: candidates, Pos: w.pos(loc),
	})
}

// patternOps maps the operators LIKE, ILIKE and the regular-expression matches
// compile to onto how the user wrote them.
var patternOps = map[string]string{
	"~~": "LIKE", "!~~": "NOT LIKE", "~~*": "ILIKE", "!~~*": "NOT ILIKE",
	"~": "~", "~*": "~*", "!~": "!~", "!~*": "!~*",
}

// patternOp names the pattern match e is, or returns "".
func patternOp(e *pg_query.A_Expr) string {
	names := sqlexpr.Strings(e.GetName())
	if len(names) == 0 {
		return ""
	}
	op := names[len(names)-1]
	switch e.GetKind() {
	case pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		if op == "!~" {
			return "NOT SIMILAR TO"
		}
		return "SIMILAR TO"
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE, pg_query.A_Expr_Kind_AEXPR_OP:
		return patternOps[op]
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY:
		if s := patternOps[op]; s != "" {
			return s + " ANY"
		}
	case pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		if s := patternOps[op]; s != "" {
			return s + " ALL"
		}
	}
	return ""
}

// columnOf returns the column n is, looking through casts, COLLATE and, when
// fold is true, one lower() or upper() call, which it returns too.
func columnOf(n *pg_query.Node, fold bool) (ref *pg_query.ColumnRef, through *pg_query.FuncCall) {
	for n != nil {
		switch x := n.GetNode().(type) {
		case *pg_query.Node_TypeCast:
			n = x.TypeCast.GetArg()
		case *pg_query.Node_CollateClause:
			n = x.CollateClause.GetArg()
		case *pg_query.Node_FuncCall:
			names := sqlexpr.Strings(x.FuncCall.GetFuncname())
			if !fold || through != nil || len(x.FuncCall.GetArgs()) != 1 || len(names) == 0 ||
				(len(names) > 1 && names[len(names)-2] != "pg_catalog") ||
				(names[len(names)-1] != "lower" && names[len(names)-1] != "upper") {
				return nil, nil
			}
			through, n = x.FuncCall, x.FuncCall.GetArgs()[0]
		case *pg_query.Node_ColumnRef:
			return x.ColumnRef, through
		default:
			return nil, nil
		}
	}
	return nil, nil
}

// finish turns the relations seen into Tables: source order, no repeats, written
// when any mention writes.
func (w *queryWalker) finish() {
	slices.SortStableFunc(w.refs, func(a, b tableRef) int { return cmp.Compare(a.loc, b.loc) })
	at := map[catalog.Name]int{}
	for _, r := range w.refs {
		if i, ok := at[r.name]; ok {
			w.q.Tables[i].Written = w.q.Tables[i].Written || r.written
			continue
		}
		at[r.name] = len(w.q.Tables)
		w.q.Tables = append(w.q.Tables, catalog.QueryTable{Name: r.name, Written: r.written, Pos: w.pos(r.loc)})
	}
}

// rewriteNamedParams replaces sqlc's @name parameters, outside strings, quoted
// identifiers and comments, by positional ones of the same length ($1, $01,
// $001 …: PostgreSQL reads leading zeros), so the parser accepts them where an
// operator's operand cannot go and no offset moves. The same name gets the same
// number, in order of first use, unless the number is too long for the name.
//
// As in PostgreSQL's lexer, an @ right after another operator character is part
// of that operator: "a <@b" and "a=@b" hold no parameter, for sqlc neither.
func rewriteNamedParams(sql string) string {
	if !strings.Contains(sql, "@") {
		return sql
	}
	b := []byte(sql)
	numbers := map[string]int{}
	skip := 0
	scanSQL(sql, 0, func(kind spanKind, i, _ int) {
		if kind != spanCode || i < skip || sql[i] != '@' || i+1 >= len(sql) || !identStart(sql[i+1]) ||
			i > 0 && (identChar(sql[i-1]) || strings.IndexByte(opChars, sql[i-1]) >= 0) {
			return
		}
		j := i + 1
		for j < len(sql) && identChar(sql[j]) {
			j++
		}
		name := sql[i+1 : j]
		n, ok := numbers[name]
		if !ok {
			n = len(numbers) + 1
			numbers[name] = n
		}
		digits := strconv.Itoa(n)
		if len(digits) > len(name) {
			digits = "1"
		}
		copy(b[i:j], "$"+strings.Repeat("0", len(name)-len(digits))+digits)
		skip = j
	})
	return string(b)
}

// lastTokenEnd returns the end of the last token from start on: the last
// statement of a file, which no semicolon ends, runs to the end of the file,
// comments after it included.
func lastTokenEnd(sql string, start, stop int) int {
	end := start
	scanSQL(sql[:stop], start, func(kind spanKind, _, e int) {
		if kind == spanCode || kind == spanQuoted {
			end = e
		}
	})
	return end
}

// spanKind classifies the pieces scanSQL splits SQL text into.
type spanKind int

const (
	spanCode    spanKind = iota // one byte of anything else
	spanSpace                   // one whitespace byte
	spanComment                 // a -- or (nesting) /* */ comment
	spanQuoted                  // a string, quoted identifier or dollar-quoted string
)

// scanSQL splits sql from offset from on the way PostgreSQL's lexer does as far
// as comments and quoting go, and calls fn for each piece in order.
func scanSQL(sql string, from int, fn func(kind spanKind, start, end int)) {
	for i := from; i < len(sql); {
		kind, end := spanCode, i+1
		switch c := sql[i]; {
		case strings.HasPrefix(sql[i:], "--"):
			kind, end = spanComment, len(sql)
			if e := strings.IndexByte(sql[i:], '\n'); e >= 0 {
				end = i + e
			}
		case strings.HasPrefix(sql[i:], "/*"):
			kind, end = spanComment, skipBlockComment(sql, i)
		case strings.IndexByte(" \t\r\n\f\v", c) >= 0:
			kind = spanSpace
		case c == '\'':
			escapes := i > 0 && (sql[i-1] == 'e' || sql[i-1] == 'E') && (i == 1 || !identChar(sql[i-2]))
			kind, end = spanQuoted, skipQuoted(sql, i, '\'', escapes)
		case c == '"':
			kind, end = spanQuoted, skipQuoted(sql, i, '"', false)
		case c == '$' && (i == 0 || !identChar(sql[i-1])):
			if tag := dollarTag(sql[i:]); tag != "" {
				kind, end = spanQuoted, len(sql)
				if e := strings.Index(sql[i+len(tag):], tag); e >= 0 {
					end = i + 2*len(tag) + e
				}
			}
		}
		fn(kind, i, end)
		i = end
	}
}

// opChars are the characters PostgreSQL's lexer joins into one operator.
const opChars = "~!@#^&|`?+-*/%<>="

func identStart(c byte) bool {
	return c == '_' || c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func identChar(c byte) bool { return identStart(c) || (c >= '0' && c <= '9') || c == '$' }

// skipQuoted returns the offset after the string or quoted identifier starting at
// i; a doubled quote stands for itself, and so does a backslash-escaped one in
// an E'…' string.
func skipQuoted(sql string, i int, quote byte, backslash bool) int {
	for j := i + 1; j < len(sql); j++ {
		switch {
		case backslash && sql[j] == '\\':
			j++
		case sql[j] == quote:
			if j+1 < len(sql) && sql[j+1] == quote {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(sql)
}

// skipBlockComment returns the offset after the (nesting) block comment at i.
func skipBlockComment(sql string, i int) int {
	depth := 0
	for i < len(sql) {
		switch {
		case strings.HasPrefix(sql[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(sql[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return i
}

// dollarTag returns the dollar-quote opening s starts with ("$$", "$body$"), or
// "" when s starts with something else, such as a parameter $1.
func dollarTag(s string) string {
	if len(s) < 2 || s[0] != '$' {
		return ""
	}
	j := 1
	if identStart(s[j]) {
		for j < len(s) && identChar(s[j]) && s[j] != '$' {
			j++
		}
	}
	if j < len(s) && s[j] == '$' {
		return s[:j+1]
	}
	return ""
}
