package parse

import (
	"slices"
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// routing collects the facts Citus routes a statement by (catalog.Routing):
// every mention of a relation with its query level, and the equalities the
// statement requires. It is a walk of its own, next to queryWalker's, because
// it needs each mention apart (a self-join names a table twice) and the
// operands of "=", which nothing else records. top is the statement's
// unwrapped node; nil when it reads no relation.
func routing(f *source.File, start int, top proto.Message) *catalog.Routing {
	if top == nil {
		return nil
	}
	w := &routeWalker{f: f, start: start, r: &catalog.Routing{}, ctes: map[string]bool{}}
	sqlexpr.Walk(top, func(m proto.Message) bool {
		if c, ok := m.(*pg_query.CommonTableExpr); ok {
			w.ctes[c.GetCtename()] = true
		}
		return true
	})
	w.visit(top, nil)
	if len(w.r.Rels) == 0 {
		return nil
	}
	return w.r
}

type routeWalker struct {
	f      *source.File
	start  int
	r      *catalog.Routing
	ctes   map[string]bool
	levels int
}

// routeScope is one query level: what its FROM (or target) makes visible.
type routeScope struct {
	parent *routeScope
	level  int
	items  []routeItem
}

type routeItem struct {
	visible string
	rel     int // index in Routing.Rels; -1 for a CTE, sub-select or function
}

func (w *routeWalker) pos(loc int32) source.Pos {
	if loc < 0 {
		return w.f.Pos(w.start)
	}
	return w.f.Pos(int(loc))
}

// visit walks below m, opening a level at every statement that has a FROM or
// a target.
func (w *routeWalker) visit(m proto.Message, sc *routeScope) {
	switch n := m.(type) {
	case *pg_query.SelectStmt:
		if n.GetOp() == pg_query.SetOperation_SETOP_NONE {
			w.level(m, sc)
			return
		}
	case *pg_query.InsertStmt, *pg_query.UpdateStmt, *pg_query.DeleteStmt, *pg_query.MergeStmt:
		w.level(m, sc)
		return
	case *pg_query.FuncCall:
		if names := sqlexpr.Strings(n.GetFuncname()); len(names) == 2 && names[0] == "sqlc" {
			return // sqlc.arg(name) names a parameter, not a column
		}
	}
	sqlexpr.Children(m, func(_ string, c proto.Message) { w.visit(c, sc) })
}

// level walks a statement that opens a query level, the way PostgreSQL scopes
// it: WITH belongs to the enclosing level, INSERT's SELECT does not see the
// target.
func (w *routeWalker) level(m proto.Message, parent *routeScope) {
	sc := &routeScope{parent: parent, level: w.levels}
	w.levels++
	_, insert := m.(*pg_query.InsertStmt)
	verb := "reads"
	switch m.(type) {
	case *pg_query.UpdateStmt:
		verb = "updates"
	case *pg_query.DeleteStmt:
		verb = "deletes from"
	case *pg_query.MergeStmt:
		verb = "merges into"
	}
	sqlexpr.Children(m, func(field string, c proto.Message) {
		if field == "with_clause" {
			w.visit(c, parent)
		}
	})
	sqlexpr.Children(m, func(field string, c proto.Message) {
		switch field {
		case "relation":
			w.target(c, sc, insert, verb)
		case "from_clause", "using_clause", "source_relation":
			w.fromItem(c, sc, false)
		}
	})
	sqlexpr.Children(m, func(field string, c proto.Message) {
		switch field {
		case "with_clause", "relation", "from_clause", "using_clause", "source_relation":
		case "select_stmt":
			w.visit(c, parent)
		case "where_clause", "join_condition":
			w.conjuncts(c, sc)
			w.visit(c, sc)
		default:
			w.visit(c, sc)
		}
	})
}

// target adds the target of INSERT, UPDATE, DELETE or MERGE to sc.
func (w *routeWalker) target(m proto.Message, sc *routeScope, inserted bool, verb string) {
	n := len(w.r.Rels)
	w.fromItem(m, sc, inserted)
	if len(w.r.Rels) > n {
		w.r.Rels[n].Verb = verb
	}
}

// fromItem adds one FROM item to sc; a join's ON terms are required
// equalities of the level too, and its USING columns equal on both sides.
func (w *routeWalker) fromItem(m proto.Message, sc *routeScope, inserted bool) {
	switch n := sqlexpr.Unwrap(m).(type) {
	case nil:
	case *pg_query.RangeVar:
		item := routeItem{visible: n.GetRelname(), rel: -1}
		name := catalog.Name{Schema: n.GetSchemaname(), Name: n.GetRelname()}
		if name.Schema == "" && !w.ctes[name.Name] {
			name.Schema = "public"
		}
		rel := catalog.RoutedRel{Name: name, Visible: n.GetRelname(), Level: sc.level, Inserted: inserted, Verb: "reads", Pos: w.pos(n.GetLocation())}
		if a := n.GetAlias(); a != nil {
			item.visible, rel.Visible, rel.Aliased = a.GetAliasname(), a.GetAliasname(), true
		}
		if name.Schema != "" {
			item.rel = len(w.r.Rels)
			w.r.Rels = append(w.r.Rels, rel)
		}
		sc.items = append(sc.items, item)
	case *pg_query.JoinExpr:
		before := len(sc.items)
		w.fromItem(n.GetLarg(), sc, false)
		middle := len(sc.items)
		w.fromItem(n.GetRarg(), sc, false)
		left, right := relsOf(sc.items[before:middle]), relsOf(sc.items[middle:])
		for _, col := range sqlexpr.Strings(n.GetUsingClause()) {
			w.r.Equalities = append(w.r.Equalities, catalog.Equality{
				Left:  catalog.Operand{Column: col, Rel: -1, Candidates: [][]int{left}},
				Right: catalog.Operand{Column: col, Rel: -1, Candidates: [][]int{right}},
				Pos:   w.pos(-1),
			})
		}
		if q := n.GetQuals(); q != nil {
			w.conjuncts(q, sc)
			w.visit(q, sc)
		}
	case *pg_query.RangeSubselect:
		w.visit(n.GetSubquery(), sc)
		sc.items = append(sc.items, routeItem{visible: n.GetAlias().GetAliasname(), rel: -1})
	case *pg_query.RangeFunction:
		w.visit(n, sc)
		sc.items = append(sc.items, routeItem{visible: n.GetAlias().GetAliasname(), rel: -1})
	default:
		w.visit(n, sc)
		sc.items = append(sc.items, routeItem{rel: -1})
	}
}

func relsOf(items []routeItem) []int {
	var out []int
	for _, it := range items {
		if it.rel >= 0 {
			out = append(out, it.rel)
		}
	}
	return out
}

// conjuncts records the equalities among the top-level AND terms of e.
func (w *routeWalker) conjuncts(m proto.Message, sc *routeScope) {
	switch n := sqlexpr.Unwrap(m).(type) {
	case *pg_query.BoolExpr:
		if n.GetBoolop() == pg_query.BoolExprType_AND_EXPR {
			for _, a := range n.GetArgs() {
				w.conjuncts(a, sc)
			}
		}
	case *pg_query.A_Expr:
		names := sqlexpr.Strings(n.GetName())
		if n.GetKind() != pg_query.A_Expr_Kind_AEXPR_OP || len(names) == 0 || names[len(names)-1] != "=" ||
			(len(names) == 2 && names[0] != "pg_catalog") {
			return
		}
		l, lok := w.operand(n.GetLexpr(), sc)
		r, rok := w.operand(n.GetRexpr(), sc)
		if lok && rok {
			w.r.Equalities = append(w.r.Equalities, catalog.Equality{Left: l, Right: r, Pos: w.pos(n.GetLocation())})
		}
	}
}

// operand reads one side of "=": a column (as written: a cast on it is an
// expression Citus does not route by), or a parameter or constant, through
// casts. ok is false for anything else.
func (w *routeWalker) operand(n *pg_query.Node, sc *routeScope) (op catalog.Operand, ok bool) {
	op.Rel = -1
	if ref := n.GetColumnRef(); ref != nil {
		fields := sqlexpr.Strings(ref.GetFields())
		if len(fields) == 0 || len(fields) != len(ref.GetFields()) {
			return op, false
		}
		op.Column = fields[len(fields)-1]
		if len(fields) == 1 {
			for s := sc; s != nil; s = s.parent {
				if rels := relsOf(s.items); len(rels) > 0 {
					op.Candidates = append(op.Candidates, rels)
				}
			}
			return op, true
		}
		op.Rel, ok = w.qualified(fields, sc)
		return op, ok
	}
	for {
		switch x := n.GetNode().(type) {
		case *pg_query.Node_TypeCast:
			n = x.TypeCast.GetArg()
			continue
		case *pg_query.Node_ParamRef:
			op.Value = "$" + strconv.Itoa(int(x.ParamRef.GetNumber()))
			return op, true
		case *pg_query.Node_AConst:
			if x.AConst.GetIsnull() {
				return op, false // = NULL holds for no row: nothing to route by
			}
			op.Value = "'" + sqlexpr.ConstText(x.AConst) + "'"
			return op, true
		case *pg_query.Node_FuncCall:
			names := sqlexpr.Strings(x.FuncCall.GetFuncname())
			args := x.FuncCall.GetArgs()
			if len(names) == 2 && names[0] == "sqlc" && (names[1] == "arg" || names[1] == "narg") && len(args) == 1 {
				name := sqlexpr.LiteralString(args[0])
				if c := args[0].GetColumnRef(); c != nil {
					if s := sqlexpr.Strings(c.GetFields()); len(s) == 1 {
						name = s[0]
					}
				}
				if name != "" {
					op.Value = "@" + name
					return op, true
				}
			}
		}
		return op, false
	}
}

// qualified resolves a qualified column reference to the mention its
// qualifier names, searching the levels from the innermost out; ok is false
// when the qualifier names a CTE, sub-select or function.
func (w *routeWalker) qualified(fields []string, sc *routeScope) (rel int, ok bool) {
	qual := fields[len(fields)-2]
	for s := sc; s != nil; s = s.parent {
		for _, it := range slices.Backward(s.items) {
			var match bool
			if len(fields) >= 3 {
				match = it.rel >= 0 && !w.r.Rels[it.rel].Aliased &&
					w.r.Rels[it.rel].Name == catalog.Name{Schema: fields[len(fields)-3], Name: qual}
			} else {
				match = it.visible == qual
			}
			if match {
				return it.rel, it.rel >= 0
			}
		}
	}
	return -1, false
}
