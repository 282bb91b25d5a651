package sqlexpr

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/pgquery"
)

// NormalizeStored is Normalize for an expression as PostgreSQL prints
// one it has stored (pg_get_expr of a default, policy, index predicate, …):
// it first undoes what the server adds to what was written, so the result
// equals the catalog's form of the original text. tenantc check reads a live
// database through it.
//
// What the server adds, and how it is undone:
//   - a type on every literal ('x'::text, '{}'::jsonb, 'todo'::status,
//     '10'::bigint): dropped, numbers become plain numbers again. Casts to the
//     reg* types (nextval('s'::regclass)) stay, as the parse stage writes them for
//     serial columns. A literal written with an explicit cast loses it too:
//     the server stores both spellings alike.
//   - an alias on every computed column of a sub-select
//     (SELECT … AS "nullif"): dropped when it is the name PostgreSQL would
//     derive anyway.
//   - IN lists as = ANY (ARRAY[…]) and NOT IN as <> ALL (ARRAY[…]): turned back.
//   - LIKE and ILIKE as the operators ~~ and ~~*: turned back.
//
// Parentheses and whitespace need nothing: deparsing normalizes them.
func NormalizeStored(sql string) (string, error) {
	n := Parse(sql)
	if n == nil {
		return "", fmt.Errorf("not a single SQL expression: %s", sql)
	}
	unstore(n)
	return Deparse(n)
}

// unstore rewrites, in place, the decorations of a server-printed expression.
func unstore(root *pg_query.Node) {
	Walk(root, func(m proto.Message) bool {
		switch x := m.(type) {
		case *pg_query.Node:
			for {
				c := x.GetTypeCast()
				if c == nil {
					break
				}
				k := c.GetArg().GetAConst()
				if k == nil || isRegType(c.GetTypeName()) {
					break
				}
				x.Node = &pg_query.Node_AConst{AConst: untypedConst(k, c.GetTypeName())}
			}
		case *pg_query.ResTarget:
			if x.GetName() != "" && x.GetVal() != nil {
				if name, strength := figureColname(x.GetVal()); strength > 0 && name == x.GetName() {
					x.Name = ""
				}
			}
		case *pg_query.A_Expr:
			unstoreAExpr(x)
		}
		return true
	})
}

// unstoreAExpr turns = ANY (ARRAY[…]) back into IN (…) and the LIKE operators
// back into LIKE / ILIKE.
func unstoreAExpr(x *pg_query.A_Expr) {
	op := ""
	if names := Strings(x.GetName()); len(names) == 1 {
		op = names[0]
	}
	switch x.GetKind() {
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		arr := x.GetRexpr().GetAArrayExpr()
		if arr == nil || len(arr.GetElements()) == 0 {
			return
		}
		if x.GetKind() == pg_query.A_Expr_Kind_AEXPR_OP_ANY && op == "=" || x.GetKind() == pg_query.A_Expr_Kind_AEXPR_OP_ALL && op == "<>" {
			x.Kind = pg_query.A_Expr_Kind_AEXPR_IN
			x.Rexpr = pg_query.MakeListNode(arr.GetElements())
		}
	case pg_query.A_Expr_Kind_AEXPR_OP:
		switch op {
		case "~~", "!~~":
			x.Kind = pg_query.A_Expr_Kind_AEXPR_LIKE
		case "~~*", "!~~*":
			x.Kind = pg_query.A_Expr_Kind_AEXPR_ILIKE
		}
	}
}

// isRegType reports whether a cast is to one of the reg* object identifier
// types, whose casts the parser's own forms keep.
func isRegType(tn *pg_query.TypeName) bool {
	names := Strings(tn.GetNames())
	return len(names) > 0 && strings.HasPrefix(names[len(names)-1], "reg") && len(tn.GetArrayBounds()) == 0
}

// numericTypes are the internal names of the types whose literals PostgreSQL
// prints quoted and cast when they do not read back as the same type.
var numericTypes = map[string]bool{"int2": true, "int4": true, "int8": true, "numeric": true, "float4": true, "float8": true}

// untypedConst returns the literal of a cast literal without its type: a number
// for a numeric type, else the literal itself.
func untypedConst(k *pg_query.A_Const, tn *pg_query.TypeName) *pg_query.A_Const {
	names := Strings(tn.GetNames())
	s := k.GetSval()
	if k.GetIsnull() || s == nil || len(names) == 0 || !numericTypes[names[len(names)-1]] || len(tn.GetArrayBounds()) > 0 {
		return k
	}
	v := s.GetSval()
	if i, err := strconv.ParseInt(v, 10, 32); err == nil {
		return &pg_query.A_Const{Val: &pg_query.A_Const_Ival{Ival: &pg_query.Integer{Ival: int32(i)}}, Location: k.GetLocation()}
	}
	if _, err := strconv.ParseFloat(v, 64); err == nil && !strings.ContainsAny(v, "xXnN") { // not hex, NaN, Infinity
		return &pg_query.A_Const{Val: &pg_query.A_Const_Fval{Fval: &pg_query.Float{Fval: v}}, Location: k.GetLocation()}
	}
	return k
}

// NormalizeStoredList is NormalizeStored for a comma-separated list of
// expressions, as pg_get_expr prints a list (a partition key's expressions).
func NormalizeStoredList(sql string) ([]string, error) {
	tree, err := pgquery.Parse("SELECT " + sql)
	if err != nil || len(tree.GetStmts()) != 1 {
		return nil, fmt.Errorf("not a list of SQL expressions: %s", sql)
	}
	var out []string
	for _, target := range tree.GetStmts()[0].GetStmt().GetSelectStmt().GetTargetList() {
		n := target.GetResTarget().GetVal()
		if n == nil || target.GetResTarget().GetName() != "" {
			return nil, fmt.Errorf("not a list of SQL expressions: %s", sql)
		}
		unstore(n)
		s, err := Deparse(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
