package sqlexpr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

// PolicyFacts reads what a policy expression does with the tenant column and the
// tenant setting: expr is a policy's USING or WITH CHECK clause as SQL (the
// catalog's normalized form, or pg_policies' text), column the tenant column
// (the key column for the tenant root) and setting the tenant setting, e.g.
// "app.tenant_id". An empty expr has no facts but the vacuous ones. The error
// says expr is not one SQL expression.
func PolicyFacts(expr, column, setting string) (catalog.PolicyFacts, error) {
	f := catalog.PolicyFacts{InitPlan: true, MissingOK: true, EmptyGuard: true}
	if strings.TrimSpace(expr) == "" {
		return f, nil
	}
	n := Parse(expr)
	if n == nil {
		return f, fmt.Errorf("not a single SQL expression: %s", expr)
	}
	p := &factFinder{column: column, setting: setting, facts: &f}
	p.reads(n, false, false)
	p.compare(n, true)
	p.topOr(n)
	if v, ok := constValue(n); ok && v.kind == kindBool && v.b {
		f.AlwaysTrue = true
	}
	if f.ColumnCast && p.otherCast {
		f.ColumnCastType = ""
	}
	return f, nil
}

type factFinder struct {
	column, setting string
	facts           *catalog.PolicyFacts
	// otherCast: some tenant equality's column side is more than column::type.
	otherCast bool
}

// reads records every read of the setting: whether a sub-select encloses it and
// whether it is NULLIF's first argument (guarded: the parent is such a NULLIF,
// through casts).
func (p *factFinder) reads(m proto.Message, inSub, guarded bool) {
	switch n := m.(type) {
	case nil:
		return
	case *pg_query.Node:
		p.reads(Unwrap(n), inSub, guarded)
		return
	case *pg_query.FuncCall:
		p.otherSettingRead(n)
		if p.isSettingRead(n) {
			f := p.facts
			f.ReadsSetting = true
			f.InitPlan = f.InitPlan && inSub
			f.EmptyGuard = f.EmptyGuard && guarded
			f.MissingOK = f.MissingOK && missingOK(n)
			return
		}
	case *pg_query.SubLink:
		inSub = true
	case *pg_query.TypeCast:
		p.reads(n.GetArg(), inSub, guarded)
		return
	case *pg_query.CollateClause:
		p.reads(n.GetArg(), inSub, guarded)
		return
	case *pg_query.A_Expr:
		if n.GetKind() == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			p.reads(n.GetLexpr(), inSub, isEmptyString(n.GetRexpr()))
			p.reads(n.GetRexpr(), inSub, false)
			return
		}
	}
	Children(m, func(_ string, c proto.Message) { p.reads(c, inSub, false) })
}

// compare finds the tenant equalities; required says every node above n is an
// AND (or n is the root).
func (p *factFinder) compare(n *pg_query.Node, required bool) {
	switch x := Unwrap(n).(type) {
	case nil:
		return
	case *pg_query.SubLink:
		return // a sub-select compares its own rows
	case *pg_query.BoolExpr:
		and := x.GetBoolop() == pg_query.BoolExprType_AND_EXPR
		for _, a := range x.GetArgs() {
			p.compare(a, required && and)
		}
		return
	case *pg_query.A_Expr:
		if x.GetKind() == pg_query.A_Expr_Kind_AEXPR_OP && opName(x) == "=" {
			if p.failOpen(x.GetLexpr(), x.GetRexpr()) || p.failOpen(x.GetRexpr(), x.GetLexpr()) {
				p.facts.ComparesTenant, p.facts.FailOpen = true, true // never required: see FailOpen
				return
			}
			if p.equality(x.GetLexpr(), x.GetRexpr()) || p.equality(x.GetRexpr(), x.GetLexpr()) {
				p.facts.ComparesTenant = true
				p.facts.TenantRequired = p.facts.TenantRequired || required
				return
			}
		}
	}
	Children(Unwrap(n), func(_ string, c proto.Message) {
		if cn, ok := c.(*pg_query.Node); ok {
			p.compare(cn, false)
		} else {
			p.compareMsg(c)
		}
	})
}

// compareMsg continues compare below a message that is not a Node (lists of
// CaseWhen and the like hold Nodes further down).
func (p *factFinder) compareMsg(m proto.Message) {
	if _, ok := m.(*pg_query.SubLink); ok {
		return
	}
	Children(m, func(_ string, c proto.Message) {
		if cn, ok := c.(*pg_query.Node); ok {
			p.compare(cn, false)
		} else {
			p.compareMsg(c)
		}
	})
}

// failOpen reports whether col = val compares the tenant column with a value
// read from the setting that can also be the column itself:
// COALESCE(<setting>, tenant_id), CASE … THEN tenant_id …, which compares the
// tenant only when the setting's branch is taken.
func (p *factFinder) failOpen(col, val *pg_query.Node) bool {
	return p.mentionsColumn(col) && !p.readsSettingDirectly(col) && p.readsSettingDirectly(val) && p.mentionsColumn(val)
}

// equality reports whether col = val is a tenant equality, and records how the
// column side is written.
func (p *factFinder) equality(col, val *pg_query.Node) bool {
	if !p.mentionsColumn(col) || p.readsSettingDirectly(col) || !p.readsSettingDirectly(val) || p.mentionsColumn(val) {
		return false
	}
	if col.GetColumnRef() != nil {
		return true
	}
	p.facts.ColumnCast = true
	if tc := col.GetTypeCast(); tc != nil && tc.GetArg().GetColumnRef() != nil {
		if p.facts.ColumnCastType == "" {
			p.facts.ColumnCastType = Type(tc.GetTypeName()).String()
		}
	} else {
		p.otherCast = true
	}
	return true
}

// topOr looks for an OR reached from the root through AND and OR alone.
func (p *factFinder) topOr(n *pg_query.Node) {
	be := n.GetBoolExpr()
	if be == nil {
		return
	}
	switch be.GetBoolop() {
	case pg_query.BoolExprType_OR_EXPR:
		p.facts.TopLevelOr = true
	case pg_query.BoolExprType_AND_EXPR:
		for _, a := range be.GetArgs() {
			p.topOr(a)
		}
	}
}

// mentionsColumn reports whether n refers to the tenant column of the
// policy's table. Outside sub-selects every reference to the column does;
// inside one, a correlated reference does: qualified with a name no enclosing
// sub-select's FROM makes visible (a policy expression has one outer
// relation, its table), or unqualified where no enclosing sub-select has a
// FROM at all. (SELECT CASE WHEN … THEN projects.tenant_id … END) names it.
func (p *factFinder) mentionsColumn(n *pg_query.Node) bool {
	found := false
	var visit func(m proto.Message, scopes []subScope)
	visit = func(m proto.Message, scopes []subScope) {
		switch x := m.(type) {
		case *pg_query.SelectStmt:
			scopes = append(scopes, fromScope(x))
		case *pg_query.ColumnRef:
			f := Strings(x.GetFields())
			if len(f) == len(x.GetFields()) && len(f) > 0 && f[len(f)-1] == p.column && outerReference(f, scopes) {
				found = true
			}
			return
		}
		Children(m, func(_ string, c proto.Message) { visit(c, scopes) })
	}
	visit(n, nil)
	return found
}

// subScope is what one sub-select level of a policy expression makes visible.
type subScope struct {
	hasFrom bool
	names   []string // the visible names of its FROM items: aliases or relation names
}

// fromScope lists the names a SELECT's FROM makes visible.
func fromScope(s *pg_query.SelectStmt) subScope {
	sc := subScope{hasFrom: len(s.GetFromClause()) > 0}
	var add func(n *pg_query.Node)
	add = func(n *pg_query.Node) {
		switch x := Unwrap(n).(type) {
		case *pg_query.RangeVar:
			if a := x.GetAlias(); a != nil {
				sc.names = append(sc.names, a.GetAliasname())
			} else {
				sc.names = append(sc.names, x.GetRelname())
			}
		case *pg_query.JoinExpr:
			add(x.GetLarg())
			add(x.GetRarg())
			if a := x.GetAlias(); a != nil {
				sc.names = append(sc.names, a.GetAliasname())
			}
		case *pg_query.RangeSubselect:
			sc.names = append(sc.names, x.GetAlias().GetAliasname())
		case *pg_query.RangeFunction:
			sc.names = append(sc.names, x.GetAlias().GetAliasname())
		}
	}
	for _, n := range s.GetFromClause() {
		add(n)
	}
	return sc
}

// outerReference reports whether a column reference (its name parts) inside
// the given sub-select levels reaches past them to the policy's table.
func outerReference(fields []string, scopes []subScope) bool {
	if len(fields) == 1 {
		for _, sc := range scopes {
			if sc.hasFrom {
				return false // most likely a column of the sub-select's own tables
			}
		}
		return true
	}
	qual := fields[len(fields)-2]
	for _, sc := range scopes {
		if slices.Contains(sc.names, qual) {
			return false
		}
	}
	return true
}

// readsSettingDirectly reports whether n computes its value from a read of the
// setting without reading a table: sub-selects count only without a FROM.
func (p *factFinder) readsSettingDirectly(n *pg_query.Node) bool {
	found := false
	var visit func(m proto.Message)
	visit = func(m proto.Message) {
		switch x := m.(type) {
		case *pg_query.SelectStmt:
			if len(x.GetFromClause()) > 0 {
				return
			}
		case *pg_query.FuncCall:
			if p.isSettingRead(x) {
				found = true
				return
			}
		}
		Children(m, func(_ string, c proto.Message) { visit(c) })
	}
	visit(n)
	return found
}

// otherSettingRead records a current_setting call of another setting than
// the tenant's, or of a name that is not a constant.
func (p *factFinder) otherSettingRead(f *pg_query.FuncCall) {
	if p.facts.OtherSetting != "" || !isCurrentSetting(f) {
		return
	}
	args := f.GetArgs()
	if len(args) == 0 {
		return
	}
	v, ok := constValue(args[0])
	switch {
	case !ok || v.kind != kindString:
		p.facts.OtherSetting = "(computed)"
	case !strings.EqualFold(v.s, p.setting):
		p.facts.OtherSetting = v.s
	}
}

// isCurrentSetting reports whether f calls current_setting, unqualified or in
// pg_catalog.
func isCurrentSetting(f *pg_query.FuncCall) bool {
	name := Strings(f.GetFuncname())
	return len(name) > 0 && name[len(name)-1] == "current_setting" && (len(name) == 1 || len(name) == 2 && name[0] == "pg_catalog")
}

// isSettingRead reports whether f is current_setting of the tenant setting.
func (p *factFinder) isSettingRead(f *pg_query.FuncCall) bool {
	if !isCurrentSetting(f) {
		return false
	}
	args := f.GetArgs()
	if len(args) == 0 {
		return false
	}
	v, ok := constValue(args[0])
	return ok && v.kind == kindString && strings.EqualFold(v.s, p.setting)
}

// missingOK reports whether a current_setting call passes missing_ok; an
// argument that is not a constant is given the benefit of the doubt.
func missingOK(f *pg_query.FuncCall) bool {
	args := f.GetArgs()
	if len(args) < 2 {
		return false
	}
	v, ok := constValue(args[1])
	if !ok {
		return true
	}
	b, ok := v.bool()
	return !ok || b
}

func isEmptyString(n *pg_query.Node) bool {
	v, ok := constValue(n)
	return ok && v.kind == kindString && v.s == ""
}

func opName(e *pg_query.A_Expr) string {
	name := Strings(e.GetName())
	if len(name) == 0 {
		return ""
	}
	return name[len(name)-1]
}

// ---- constant folding, as far as telling "always true" needs ----

type valueKind int

const (
	kindNull valueKind = iota + 1
	kindBool
	kindNumber
	kindString
)

type value struct {
	kind valueKind
	b    bool
	f    float64
	s    string
}

// bool reads v as a boolean the way PostgreSQL reads a boolean literal.
func (v value) bool() (bool, bool) {
	switch v.kind {
	case kindBool:
		return v.b, true
	case kindString:
		switch strings.ToLower(strings.TrimSpace(v.s)) {
		case "t", "tr", "tru", "true", "y", "ye", "yes", "on", "1":
			return true, true
		case "f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0":
			return false, true
		}
	}
	return false, false
}

var boolTypes = map[string]bool{"bool": true, "boolean": true}

// constValue evaluates n when it is a constant expression of the kinds policies
// use; ok is false for anything that depends on a row, a setting or a function.
func constValue(n *pg_query.Node) (value, bool) {
	switch x := Unwrap(n).(type) {
	case *pg_query.A_Const:
		switch {
		case x.GetIsnull():
			return value{kind: kindNull}, true
		case x.GetBoolval() != nil:
			return value{kind: kindBool, b: x.GetBoolval().GetBoolval()}, true
		case x.GetIval() != nil:
			return value{kind: kindNumber, f: float64(x.GetIval().GetIval())}, true
		case x.GetFval() != nil:
			f, err := strconv.ParseFloat(x.GetFval().GetFval(), 64)
			return value{kind: kindNumber, f: f}, err == nil
		case x.GetSval() != nil:
			return value{kind: kindString, s: x.GetSval().GetSval()}, true
		}
		// An A_Const with no value set is integer 0 (protobuf drops the zero).
		return value{kind: kindNumber}, true
	case *pg_query.TypeCast:
		v, ok := constValue(x.GetArg())
		if !ok {
			return v, false
		}
		names := Strings(x.GetTypeName().GetNames())
		if len(names) > 0 && boolTypes[names[len(names)-1]] {
			b, ok := v.bool()
			return value{kind: kindBool, b: b}, ok
		}
		return v, true // '1'::int stays a string: compared with 1 it is unknown
	case *pg_query.BoolExpr:
		args := x.GetArgs()
		switch x.GetBoolop() {
		case pg_query.BoolExprType_NOT_EXPR:
			if len(args) == 1 {
				if v, ok := constValue(args[0]); ok && v.kind == kindBool {
					return value{kind: kindBool, b: !v.b}, true
				}
			}
			return value{}, false
		case pg_query.BoolExprType_AND_EXPR, pg_query.BoolExprType_OR_EXPR:
			or := x.GetBoolop() == pg_query.BoolExprType_OR_EXPR
			all := true
			for _, a := range args {
				v, ok := constValue(a)
				if ok && v.kind == kindBool && v.b == or {
					return value{kind: kindBool, b: or}, true // x OR true, x AND false
				}
				if !ok || v.kind != kindBool {
					all = false
				}
			}
			if all {
				return value{kind: kindBool, b: !or}, true
			}
		}
		return value{}, false
	case *pg_query.NullTest:
		v, ok := constValue(x.GetArg())
		if !ok {
			return v, false
		}
		isNull := v.kind == kindNull
		if x.GetNulltesttype() == pg_query.NullTestType_IS_NOT_NULL {
			isNull = !isNull
		}
		return value{kind: kindBool, b: isNull}, true
	case *pg_query.BooleanTest:
		v, ok := constValue(x.GetArg())
		if !ok || (v.kind != kindBool && v.kind != kindNull) {
			return value{}, false
		}
		var r bool
		switch x.GetBooltesttype() {
		case pg_query.BoolTestType_IS_TRUE:
			r = v.kind == kindBool && v.b
		case pg_query.BoolTestType_IS_NOT_TRUE:
			r = !(v.kind == kindBool && v.b)
		case pg_query.BoolTestType_IS_FALSE:
			r = v.kind == kindBool && !v.b
		case pg_query.BoolTestType_IS_NOT_FALSE:
			r = !(v.kind == kindBool && !v.b)
		case pg_query.BoolTestType_IS_UNKNOWN:
			r = v.kind == kindNull
		case pg_query.BoolTestType_IS_NOT_UNKNOWN:
			r = v.kind != kindNull
		default:
			return value{}, false
		}
		return value{kind: kindBool, b: r}, true
	case *pg_query.A_Expr:
		if x.GetKind() != pg_query.A_Expr_Kind_AEXPR_OP {
			return value{}, false
		}
		op := opName(x)
		// A column compared with itself: true for every row where it is not NULL.
		if l, r := x.GetLexpr().GetColumnRef(), x.GetRexpr().GetColumnRef(); l != nil && r != nil &&
			(op == "=" || op == "<=" || op == ">=") && sameColumn(l, r) {
			return value{kind: kindBool, b: true}, true
		}
		l, lok := constValue(x.GetLexpr())
		r, rok := constValue(x.GetRexpr())
		if !lok || !rok {
			return value{}, false
		}
		if l.kind == kindNull || r.kind == kindNull {
			return value{kind: kindNull}, true
		}
		if l.kind != r.kind {
			return value{}, false
		}
		c := 0
		switch l.kind {
		case kindNumber:
			c = cmpFloat(l.f, r.f)
		case kindString:
			c = strings.Compare(l.s, r.s)
		case kindBool:
			c = cmpBool(l.b, r.b)
		}
		switch op {
		case "=":
			return value{kind: kindBool, b: c == 0}, true
		case "<>", "!=":
			return value{kind: kindBool, b: c != 0}, true
		case "<":
			return value{kind: kindBool, b: c < 0}, true
		case "<=":
			return value{kind: kindBool, b: c <= 0}, true
		case ">":
			return value{kind: kindBool, b: c > 0}, true
		case ">=":
			return value{kind: kindBool, b: c >= 0}, true
		}
	}
	return value{}, false
}

func sameColumn(a, b *pg_query.ColumnRef) bool {
	fa, fb := Strings(a.GetFields()), Strings(b.GetFields())
	if len(fa) != len(a.GetFields()) || len(fb) != len(b.GetFields()) || len(fa) == 0 || len(fb) == 0 {
		return false
	}
	// t.tenant_id and tenant_id name the same column of a policy's table.
	return fa[len(fa)-1] == fb[len(fb)-1] && (len(fa) == 1 || len(fb) == 1 || strings.Join(fa, ".") == strings.Join(fb, "."))
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}
