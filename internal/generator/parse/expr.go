package parse

import (
	"cmp"
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// expr renders an expression as normalized SQL. Deparsing the tree instead of
// copying the source text makes two spellings of one expression (whitespace,
// case, redundant parentheses) compare equal, which later stages rely on when
// they compare a policy or default with the one they would generate.
func (b *builder) expr(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	s, err := sqlexpr.Deparse(n)
	if err != nil {
		// Cannot happen for trees the parser made; say so rather than store an
		// empty expression that would read as "none".
		b.diags.Errorf(b.stmtPos(), "cannot normalize expression: %v", err)
		return ""
	}
	return s
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
	sqlexpr.Walk(query, func(m proto.Message) bool {
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
			sqlexpr.Walk(n, func(m proto.Message) bool {
				if m == proto.Message(n) {
					return true
				}
				return inner(m, true)
			})
			return false
		case *pg_query.ColumnRef:
			f := sqlexpr.Strings(n.GetFields())
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
	sqlexpr.Walk(expr, func(m proto.Message) bool { return inner(m, false) })
}

// mentionsColumn reports whether a stored expression of table uses col.
func mentionsColumn(sql, table, col string) bool {
	n := sqlexpr.Parse(sql)
	if n == nil {
		return false
	}
	found := false
	columnRefs(n, table, func(fields []*pg_query.Node) {
		if last := sqlexpr.Strings(fields); last[len(last)-1] == col {
			found = true
		}
	})
	return found
}

// renameColumnIn rewrites a stored expression of table after a column rename.
// PostgreSQL stores expressions by column number, so it shows the new name.
func renameColumnIn(sql, table, from, to string) string {
	n := sqlexpr.Parse(sql)
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
	out, err := sqlexpr.Deparse(n)
	if err != nil {
		return sql
	}
	return out
}

// indexElemName is FigureIndexColname: the name PostgreSQL derives from an index
// expression to name the index, "expr" when nothing better is found.
func indexElemName(n *pg_query.Node) string {
	if name := sqlexpr.ColumnName(n); name != "" {
		return name
	}
	return "expr"
}
