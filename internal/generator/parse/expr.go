package parse

import (
	"cmp"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// expr renders an expression as normalized SQL. Deparsing the tree instead of
// copying the source text makes two spellings of one expression (whitespace,
// case, redundant parentheses) compare equal, which later stages rely on when
// they compare a policy or default with the one they would generate.
func (b *builder) expr(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	s, err := deparseExpr(n)
	if err != nil {
		// Cannot happen for trees the parser made; say so rather than store an
		// empty expression that would read as "none".
		b.diags.Errorf(b.stmtPos(), "cannot normalize expression: %v", err)
		return ""
	}
	return s
}

// deparseExpr deparses n as the only target of a SELECT and strips the SELECT.
func deparseExpr(n *pg_query.Node) (string, error) {
	sel := &pg_query.SelectStmt{
		TargetList:  []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}}},
		Op:          pg_query.SetOperation_SETOP_NONE,
		LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT,
	}
	tree := &pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{
		Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}},
	}}}
	out, err := pg_query.Deparse(tree)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(out, "SELECT "), nil
}

// parseExpr reads back an expression expr produced, for the edits PostgreSQL
// makes to stored expressions (a renamed column) and to find what they mention.
func parseExpr(sql string) *pg_query.Node {
	tree, err := pg_query.Parse("SELECT " + sql)
	if err != nil || len(tree.GetStmts()) != 1 {
		return nil
	}
	targets := tree.GetStmts()[0].GetStmt().GetSelectStmt().GetTargetList()
	if len(targets) != 1 {
		return nil
	}
	return targets[0].GetResTarget().GetVal()
}

// walk calls visit for m and, when visit returns true, for every message below
// it, fields in declaration order. pg_query's nodes are protobuf messages, so
// reflection reaches every node type without a switch that would silently miss
// the ones added by the next PostgreSQL version.
func walk(m protoreflect.Message, visit func(proto.Message) bool) {
	if m == nil || !m.IsValid() || !visit(m.Interface()) {
		return
	}
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Message() == nil || fd.IsMap() {
			continue
		}
		if fd.IsList() {
			list := m.Get(fd).List()
			for j := 0; j < list.Len(); j++ {
				walk(list.Get(j).Message(), visit)
			}
		} else if m.Has(fd) {
			walk(m.Get(fd).Message(), visit)
		}
	}
}

// viewReads lists the relations a view's query names, in source order without
// repeats. An unqualified name that is a CTE of the query is not a relation.
func (b *builder) viewReads(query *pg_query.Node) []catalog.Name {
	if query == nil {
		return nil
	}
	type ref struct {
		loc  int32
		name catalog.Name
		bare bool
	}
	var refs []ref
	ctes := map[string]bool{}
	walk(query.ProtoReflect(), func(m proto.Message) bool {
		switch n := m.(type) {
		case *pg_query.RangeVar:
			refs = append(refs, ref{n.GetLocation(), b.relName(n), n.GetSchemaname() == ""})
		case *pg_query.CommonTableExpr:
			ctes[n.GetCtename()] = true
		case *pg_query.LockingClause:
			return false // FOR UPDATE OF names aliases, not relations
		}
		return true
	})
	// Reflection visits fields in declaration order (a SELECT's WITH after its
	// FROM); the locations give the order the user wrote.
	slices.SortStableFunc(refs, func(a, b ref) int { return cmp.Compare(a.loc, b.loc) })
	var out []catalog.Name
	for _, r := range refs {
		if (r.bare && ctes[r.name.Name]) || slices.Contains(out, r.name) {
			continue
		}
		out = append(out, r.name)
	}
	return out
}

// columnRefs visits the column references of a stored expression that can name
// a column of table: every reference outside sub-selects, and inside them only
// references qualified with the table's name (an unqualified one there most
// likely names a column of the sub-select's own tables). visit gets the
// reference's fields; it may change the last one.
func columnRefs(expr *pg_query.Node, table string, visit func(fields []*pg_query.Node)) {
	var inner func(m proto.Message, nested bool) bool
	inner = func(m proto.Message, nested bool) bool {
		switch n := m.(type) {
		case *pg_query.SelectStmt:
			walk(n.ProtoReflect(), func(m proto.Message) bool {
				if m == proto.Message(n) {
					return true
				}
				return inner(m, true)
			})
			return false
		case *pg_query.ColumnRef:
			f := strs(n.GetFields())
			if len(f) != len(n.GetFields()) {
				return false // t.* and the like
			}
			if !nested && len(f) == 1 || len(f) >= 2 && f[len(f)-2] == table {
				visit(n.GetFields())
			}
			return false
		}
		return true
	}
	walk(expr.ProtoReflect(), func(m proto.Message) bool { return inner(m, false) })
}

// mentionsColumn reports whether a stored expression of table uses col.
func mentionsColumn(sql, table, col string) bool {
	n := parseExpr(sql)
	if n == nil {
		return false
	}
	found := false
	columnRefs(n, table, func(fields []*pg_query.Node) {
		if last := strs(fields); last[len(last)-1] == col {
			found = true
		}
	})
	return found
}

// renameColumnIn rewrites a stored expression of table after a column rename.
// PostgreSQL stores expressions by column number, so it shows the new name.
func renameColumnIn(sql, table, from, to string) string {
	n := parseExpr(sql)
	if n == nil {
		return sql
	}
	changed := false
	columnRefs(n, table, func(fields []*pg_query.Node) {
		if s := fields[len(fields)-1].GetString_(); s != nil && s.GetSval() == from {
			s.Sval = to
			changed = true
		}
	})
	if !changed {
		return sql
	}
	out, err := deparseExpr(n)
	if err != nil {
		return sql
	}
	return out
}

// indexElemName is FigureIndexColname: the name PostgreSQL derives from an index
// expression to name the index, "expr" when nothing better is found.
func indexElemName(n *pg_query.Node) string {
	if name, _ := figureColname(n); name != "" {
		return name
	}
	return "expr"
}

// figureColname follows FigureColnameInternal for the common node types; the
// strength says how good the guess is (2: a real name, 1: a fallback).
func figureColname(n *pg_query.Node) (string, int) {
	switch x := n.GetNode().(type) {
	case *pg_query.Node_ColumnRef:
		if f := x.ColumnRef.GetFields(); len(f) > 0 {
			if s := f[len(f)-1].GetString_(); s != nil {
				return s.GetSval(), 2
			}
		}
	case *pg_query.Node_FuncCall:
		if f := strs(x.FuncCall.GetFuncname()); len(f) > 0 {
			return f[len(f)-1], 2
		}
	case *pg_query.Node_TypeCast:
		name, strength := figureColname(x.TypeCast.GetArg())
		if strength <= 1 {
			if f := strs(x.TypeCast.GetTypeName().GetNames()); len(f) > 0 {
				return f[len(f)-1], 1
			}
		}
		return name, strength
	case *pg_query.Node_CollateClause:
		return figureColname(x.CollateClause.GetArg())
	case *pg_query.Node_AExpr:
		if x.AExpr.GetKind() == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	case *pg_query.Node_CaseExpr:
		name, strength := figureColname(x.CaseExpr.GetDefresult())
		if strength <= 1 {
			return "case", 1
		}
		return name, strength
	case *pg_query.Node_AArrayExpr:
		return "array", 2
	case *pg_query.Node_RowExpr:
		return "row", 2
	case *pg_query.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg_query.Node_MinMaxExpr:
		if x.MinMaxExpr.GetOp() == pg_query.MinMaxOp_IS_LEAST {
			return "least", 2
		}
		return "greatest", 2
	}
	return "", 0
}
