package sqlexpr

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/pgquery"
)

// FunctionBody reads what a function or procedure does to settings and which
// functions it calls from def, one CREATE [OR REPLACE] FUNCTION or PROCEDURE
// statement: the form pg_get_functiondef prints, so tenantc check reads a live
// function as tenantc vet reads its SQL. SET clauses are read for every
// language; the body for SQL (quoted, BEGIN ATOMIC and RETURN bodies) and
// PL/pgSQL (with pg_query's PL/pgSQL parser). The error says def is not such a
// statement or its body does not parse.
func FunctionBody(def string) (catalog.FunctionBody, error) {
	tree, err := pgquery.Parse(def)
	if err != nil {
		return catalog.FunctionBody{}, err
	}
	stmts := tree.GetStmts()
	if len(stmts) != 1 || stmts[0].GetStmt().GetCreateFunctionStmt() == nil {
		return catalog.FunctionBody{}, fmt.Errorf("not one CREATE FUNCTION or CREATE PROCEDURE statement")
	}
	s := stmts[0].GetStmt().GetCreateFunctionStmt()
	var body catalog.FunctionBody
	for _, o := range s.GetOptions() {
		if d := o.GetDefElem(); d != nil && d.GetDefname() == "set" {
			ApplySetClause(&body, d.GetArg().GetVariableSetStmt())
		}
	}
	err = ReadFunctionBody(&body, s, def)
	return body, err
}

// ApplySetClause applies a SET or RESET clause of CREATE or ALTER FUNCTION
// other than search_path's to body: while the function runs, the setting has
// the clause's value.
func ApplySetClause(body *catalog.FunctionBody, set *pg_query.VariableSetStmt) {
	name := set.GetName()
	if name == "search_path" {
		return
	}
	isClause := func(c catalog.SettingChange) bool {
		return c.Via == "SET clause" && (set.GetKind() == pg_query.VariableSetKind_VAR_RESET_ALL || strings.EqualFold(c.Setting, name))
	}
	body.Sets = slices.DeleteFunc(body.Sets, isClause)
	switch set.GetKind() {
	case pg_query.VariableSetKind_VAR_SET_VALUE, pg_query.VariableSetKind_VAR_SET_CURRENT:
		body.Sets = append(body.Sets, catalog.SettingChange{Setting: name, Via: "SET clause"})
	}
}

// ReadFunctionBody adds what the body of s does to body (FunctionBody without
// the SET clauses, which the caller applies with ApplySetClause as it reads
// the options); def is the statement's text, which the PL/pgSQL parser reads
// whole. The error says the body does not parse.
func ReadFunctionBody(body *catalog.FunctionBody, s *pg_query.CreateFunctionStmt, def string) error {
	r := &bodyReader{body: body}
	if sb := s.GetSqlBody(); sb != nil {
		r.sql(sb)
		return nil
	}
	lang, text, hasBody := "sql", "", false
	for _, o := range s.GetOptions() {
		d := o.GetDefElem()
		switch d.GetDefname() {
		case "language":
			lang = strings.ToLower(d.GetArg().GetString_().GetSval())
		case "as":
			if items := d.GetArg().GetList().GetItems(); len(items) == 1 {
				text, hasBody = items[0].GetString_().GetSval(), true
			}
		}
	}
	switch {
	case lang != "sql" && lang != "plpgsql":
		return nil // C, internal, PL/Python …: nothing tenantc can read
	case !hasBody:
		// PostgreSQL refuses it ("no function body specified"); pg_query's
		// PL/pgSQL parser would abort the process on it.
		return fmt.Errorf("no function body specified")
	case lang == "sql":
		return r.sqlText(text)
	}
	return r.plpgsql(def)
}

// bodyReader collects the facts of one function body.
type bodyReader struct {
	body *catalog.FunctionBody
}

// sqlText reads SQL statements given as text.
func (r *bodyReader) sqlText(sql string) error {
	tree, err := pgquery.Parse(sql)
	if err != nil {
		return err
	}
	for _, s := range tree.GetStmts() {
		r.sql(s.GetStmt())
	}
	return nil
}

// sql records the setting changes and calls in a parsed statement or
// expression.
func (r *bodyReader) sql(n proto.Message) {
	Walk(n, func(m proto.Message) bool {
		switch x := m.(type) {
		case *pg_query.FuncCall:
			r.call(x)
		case *pg_query.VariableSetStmt:
			r.set(x)
		case *pg_query.UpdateStmt:
			if rel := x.GetRelation(); rel.GetRelname() == "pg_settings" && (rel.GetSchemaname() == "" || rel.GetSchemaname() == "pg_catalog") {
				r.change("", "UPDATE pg_settings")
			}
		case *pg_query.DoStmt:
			r.change("", "DO") // a PL/pgSQL block given as text: it may run anything
		}
		return true
	})
}

func (r *bodyReader) change(setting, via string) {
	r.body.Sets = append(r.body.Sets, catalog.SettingChange{Setting: setting, Via: via})
}

// call records a function call, and a set_config call as a setting change.
func (r *bodyReader) call(fc *pg_query.FuncCall) {
	names := Strings(fc.GetFuncname())
	if len(names) == 0 || len(names) != len(fc.GetFuncname()) {
		return
	}
	last := names[len(names)-1]
	if last == "set_config" && (len(names) == 1 || len(names) == 2 && names[0] == "pg_catalog") {
		setting := ""
		if args := fc.GetArgs(); len(args) > 0 {
			setting = LiteralString(args[0])
		}
		r.change(setting, "set_config")
	}
	if name := CalledName(names); !slices.Contains(r.body.Calls, name) {
		r.body.Calls = append(r.body.Calls, name)
	}
}

// CalledName is the name of a called function from its name parts; an
// unqualified one has no schema, as the search path decides which it is.
func CalledName(names []string) catalog.Name {
	n := catalog.Name{Name: names[len(names)-1]}
	if len(names) >= 2 {
		n.Schema = names[len(names)-2]
	}
	return n
}

// set records SET, SET LOCAL, RESET and RESET ALL; SET TRANSACTION and the
// like change no setting a policy reads.
func (r *bodyReader) set(s *pg_query.VariableSetStmt) {
	switch s.GetKind() {
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		return
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		r.change("", "RESET ALL")
	case pg_query.VariableSetKind_VAR_RESET:
		r.change(s.GetName(), "RESET")
	default:
		via := "SET"
		if s.GetIsLocal() {
			via = "SET LOCAL"
		}
		r.change(s.GetName(), via)
	}
}

// plpgsqlStatement is PL/pgSQL's parse mode (PLpgSQL_expr.parseMode, from
// PostgreSQL's RawParseMode) of a whole SQL statement.
// Every other mode is an expression or an assignment.
const plpgsqlStatement = 0

// dynamicFields are the fields of PL/pgSQL statements whose expression is a
// string run as SQL: EXECUTE, FOR … IN EXECUTE, OPEN … FOR EXECUTE, RETURN
// QUERY EXECUTE.
var dynamicFields = map[string]map[string]bool{
	"PLpgSQL_stmt_dynexecute":   {"query": true},
	"PLpgSQL_stmt_dynfors":      {"query": true},
	"PLpgSQL_stmt_open":         {"dynquery": true},
	"PLpgSQL_stmt_return_query": {"dynquery": true},
}

// plpgsql reads a PL/pgSQL function: every SQL statement and expression of
// its body, as PL/pgSQL hands them to the SQL parser. EXECUTE of a constant
// string is read as the SQL it is; of anything else it may run any SQL, the
// tenant setting's SET included, and is recorded as such.
func (r *bodyReader) plpgsql(def string) error {
	out, err := pgquery.ParsePlPgSQLToJSON(def)
	if err != nil {
		return err
	}
	var tree any
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		return err
	}
	return r.plpgsqlNode(tree, false)
}

// plpgsqlNode walks the JSON of a PL/pgSQL function; dynamic is true below a
// field that holds a string to be run as SQL.
func (r *bodyReader) plpgsqlNode(n any, dynamic bool) error {
	switch x := n.(type) {
	case []any:
		for _, c := range x {
			if err := r.plpgsqlNode(c, dynamic); err != nil {
				return err
			}
		}
	case map[string]any:
		if e, ok := x["PLpgSQL_expr"].(map[string]any); ok {
			return r.plpgsqlExpr(e, dynamic)
		}
		for _, k := range sortedKeys(x) {
			fields, isStmt := dynamicFields[k]
			if !isStmt {
				if err := r.plpgsqlNode(x[k], dynamic); err != nil {
					return err
				}
				continue
			}
			stmt, _ := x[k].(map[string]any)
			for _, f := range sortedKeys(stmt) {
				if err := r.plpgsqlNode(stmt[f], fields[f]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// plpgsqlExpr reads one PL/pgSQL expression or statement.
func (r *bodyReader) plpgsqlExpr(e map[string]any, dynamic bool) error {
	query, _ := e["query"].(string)
	mode, _ := e["parseMode"].(float64)
	if int(mode) == plpgsqlStatement && !dynamic {
		return r.sqlText(query)
	}
	tree, err := plpgsqlExpression(query)
	if err != nil {
		return err
	}
	r.sql(tree)
	if dynamic {
		if v, ok := constValue(Parse(query)); ok && v.kind == kindString && r.sqlText(v.s) == nil {
			return nil // EXECUTE 'constant SQL': read above as the SQL it is
		}
		r.change("", "EXECUTE")
	}
	return nil
}

// plpgsqlExpression parses a PL/pgSQL expression as PL/pgSQL has the SQL
// parser read it, SELECT and all; an assignment's target ("v := expr",
// "r.f[1] := expr") is dropped.
func plpgsqlExpression(query string) (*pg_query.ParseResult, error) {
	tree, err := pgquery.Parse("SELECT " + query)
	if err == nil {
		return tree, nil
	}
	if _, value, ok := strings.Cut(query, ":="); ok {
		if t, err := pgquery.Parse("SELECT " + value); err == nil {
			return t, nil
		}
	}
	return nil, err
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
