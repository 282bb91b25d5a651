// Package sqlexpr reads SQL on its own, without a schema: it normalizes
// expressions so two spellings of one compare equal (Normalize), undoes what
// the server adds when it prints a stored expression (NormalizeStored), tells
// what a policy expression does with the tenant column and setting
// (PolicyFacts) and what a function body does to settings (FunctionBody).
//
// It is a library, not a stage: the parse stage builds the catalog with it,
// and the analysis and emit stages (tenancy, rls) and the live catalog reader
// (livecat) call it directly, so none of them depends on the parse stage. The
// generator's one generic walk over pg_query trees is here too (tree.go).
package sqlexpr

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/pgquery"
)

// Normalize returns sql, an SQL expression, in the normalized form the catalog
// stores expressions in, so a caller can compare what it would generate with what
// the schema holds.
func Normalize(sql string) (string, error) {
	n := Parse(sql)
	if n == nil {
		return "", fmt.Errorf("not a single SQL expression: %s", sql)
	}
	return Deparse(n)
}

// Deparse renders an expression as normalized SQL: it deparses n as the only
// target of a SELECT and strips the SELECT. Deparsing the tree instead of
// copying the source text makes two spellings of one expression (whitespace,
// case, redundant parentheses) compare equal, which the stages rely on when
// they compare a policy or default with the one they would generate.
func Deparse(n *pg_query.Node) (string, error) {
	sel := &pg_query.SelectStmt{
		TargetList:  []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}}},
		Op:          pg_query.SetOperation_SETOP_NONE,
		LimitOption: pg_query.LimitOption_LIMIT_OPTION_DEFAULT,
	}
	tree := &pg_query.ParseResult{Stmts: []*pg_query.RawStmt{{
		Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel}},
	}}}
	out, err := pgquery.Deparse(tree)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(out, "SELECT "), nil
}

// Parse reads one SQL expression, such as one Deparse produced, to edit it (a
// renamed column) or find what it mentions; nil when sql is not exactly one
// expression.
func Parse(sql string) *pg_query.Node {
	tree, err := pgquery.Parse("SELECT " + sql)
	if err != nil || len(tree.GetStmts()) != 1 {
		return nil
	}
	targets := tree.GetStmts()[0].GetStmt().GetSelectStmt().GetTargetList()
	if len(targets) != 1 {
		return nil
	}
	return targets[0].GetResTarget().GetVal()
}

// ColumnName is the name PostgreSQL derives for a column computed by n
// (FigureColname: the column's name, the function's, "case", "coalesce" …),
// "" where it would fall back to ?column?.
func ColumnName(n *pg_query.Node) string {
	name, _ := figureColname(n)
	return name
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
		if f := Strings(x.FuncCall.GetFuncname()); len(f) > 0 {
			return f[len(f)-1], 2
		}
	case *pg_query.Node_TypeCast:
		name, strength := figureColname(x.TypeCast.GetArg())
		if strength <= 1 {
			if f := Strings(x.TypeCast.GetTypeName().GetNames()); len(f) > 0 {
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

// LiteralString returns the value of a string constant, possibly cast, or "".
func LiteralString(n *pg_query.Node) string {
	for n.GetTypeCast() != nil {
		n = n.GetTypeCast().GetArg()
	}
	if c := n.GetAConst(); c != nil && c.GetSval() != nil {
		return c.GetSval().GetSval()
	}
	return ""
}

// ConstText renders a constant as the text it holds: 10, 1.5, abc.
func ConstText(c *pg_query.A_Const) string {
	switch {
	case c.GetIval() != nil:
		return strconv.Itoa(int(c.GetIval().GetIval()))
	case c.GetFval() != nil:
		return c.GetFval().GetFval()
	case c.GetSval() != nil:
		return c.GetSval().GetSval()
	}
	return ""
}

// builtinNames maps the internal names PostgreSQL's grammar produces for SQL
// standard types to the spelling format_type prints.
var builtinNames = map[string]string{
	"int8":        "bigint",
	"int4":        "integer",
	"int2":        "smallint",
	"bool":        "boolean",
	"float8":      "double precision",
	"float4":      "real",
	"varchar":     "character varying",
	"bpchar":      "character",
	"timestamptz": "timestamp with time zone",
	"timestamp":   "timestamp without time zone",
	"timetz":      "time with time zone",
	"time":        "time without time zone",
	"varbit":      "bit varying",
}

// Type converts a type name. Built-in types come out unqualified under their
// documented names; a user type keeps its schema only when written with one.
// A table.column%TYPE name (function arguments) needs the schema to know the
// column's type: of it, Type keeps only whether it is an array.
func Type(tn *pg_query.TypeName) catalog.Type {
	var t catalog.Type
	names := Strings(tn.GetNames())
	switch {
	case len(names) == 0:
		return t
	case tn.GetPctType():
		t.Array = len(tn.GetArrayBounds()) > 0
		return t
	case len(names) == 1 || names[len(names)-2] == "pg_catalog":
		t.Name = names[len(names)-1]
		if canon, ok := builtinNames[t.Name]; ok {
			t.Name = canon
		}
	default:
		t.Schema, t.Name = names[len(names)-2], names[len(names)-1]
	}
	if t.Schema == "" && t.Name == "interval" {
		t.Mods = intervalMods(tn.GetTypmods())
	} else {
		t.Mods = typmods(tn.GetTypmods())
	}
	t.Array = len(tn.GetArrayBounds()) > 0
	return t
}

// typmods renders type modifiers as "(10,2)".
func typmods(mods []*pg_query.Node) string {
	if len(mods) == 0 {
		return ""
	}
	parts := make([]string, 0, len(mods))
	for _, m := range mods {
		switch {
		case m.GetAConst() != nil:
			parts = append(parts, ConstText(m.GetAConst()))
		case m.GetColumnRef() != nil:
			parts = append(parts, strings.Join(Strings(m.GetColumnRef().GetFields()), "."))
		}
	}
	return "(" + strings.Join(parts, ",") + ")"
}

// intervalMods renders interval's modifiers. The grammar encodes the fields
// (DAY TO SECOND …) as a bit mask in the first modifier and the precision in the
// second, so "(32767,3)" becomes "(3)" and a day mask " day".
func intervalMods(mods []*pg_query.Node) string {
	if len(mods) == 0 {
		return ""
	}
	const fullRange = 0x7FFF
	mask := int(mods[0].GetAConst().GetIval().GetIval())
	out := ""
	if mask != fullRange {
		out = " " + intervalFields[mask]
	}
	if len(mods) > 1 {
		out += "(" + ConstText(mods[1].GetAConst()) + ")"
	}
	return strings.TrimRight(out, " ")
}

// intervalFields names the field masks of datetime.h (MONTH=1, YEAR=2, DAY=3,
// HOUR=10, MINUTE=11, SECOND=12 are bit numbers).
var intervalFields = func() map[int]string {
	const (
		month  = 1 << 1
		year   = 1 << 2
		day    = 1 << 3
		hour   = 1 << 10
		minute = 1 << 11
		second = 1 << 12
	)
	return map[int]string{
		year: "year", month: "month", day: "day", hour: "hour", minute: "minute", second: "second",
		year | month:                 "year to month",
		day | hour:                   "day to hour",
		day | hour | minute:          "day to minute",
		day | hour | minute | second: "day to second",
		hour | minute:                "hour to minute",
		hour | minute | second:       "hour to second",
		minute | second:              "minute to second",
	}
}()
