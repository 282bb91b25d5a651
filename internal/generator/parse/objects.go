package parse

import (
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
)

// createSchema applies CREATE SCHEMA. Its elements (CREATE SCHEMA s CREATE
// TABLE t …) are created in the new schema, as PostgreSQL puts it first on the
// search path while running them.
func (b *builder) createSchema(s *pg_query.CreateSchemaStmt) {
	name := s.GetSchemaname()
	if name == "" {
		name = roleName(s.GetAuthrole()) // CREATE SCHEMA AUTHORIZATION bob names it bob
	}
	if name == "" {
		return
	}
	if !slices.Contains(b.cat.Schemas, name) {
		b.cat.Schemas = append(b.cat.Schemas, name)
	}
	outer := b.schema
	b.schema = name
	for _, e := range s.GetSchemaElts() {
		b.apply(e)
	}
	b.schema = outer
}

// createIndex applies CREATE INDEX.
func (b *builder) createIndex(s *pg_query.IndexStmt) {
	rv := s.GetRelation()
	tn := b.relName(rv)
	t := b.cat.Table(tn)
	if t == nil {
		if v := b.view(tn); v == nil {
			b.missingRelation(rv, tn)
		}
		return // an index on a materialized view is not modelled
	}
	var cols, naming []string
	for _, p := range s.GetIndexParams() {
		e := p.GetIndexElem()
		switch {
		case e == nil:
		case e.GetName() != "":
			cols = append(cols, e.GetName())
			naming = append(naming, e.GetName())
		default:
			cols = append(cols, "("+b.expr(e.GetExpr())+")")
			naming = append(naming, indexElemName(e.GetExpr()))
		}
		if e != nil && e.GetIndexcolname() != "" {
			naming[len(naming)-1] = e.GetIndexcolname()
		}
	}
	name := s.GetIdxname()
	if name == "" {
		name = b.chooseName(t.Name.Schema, t.Name.Name, nameAddition(indexColumnNames(naming)), "idx")
	} else if b.nameTaken(t.Name.Schema, name) {
		if !s.GetIfNotExists() {
			b.exists(b.stmtPos(), "relation", t.Name.Schema+"."+name)
		}
		return
	}
	ix := &catalog.Index{
		Name:    name,
		Unique:  s.GetUnique(),
		Columns: cols,
		Where:   b.expr(s.GetWhereClause()),
		Pos:     b.stmtPos(),
	}
	b.addIndex(t, ix, rv.GetInh())
}

// policyTable finds the table of a policy statement, reporting it when missing.
func (b *builder) policyTable(rv *pg_query.RangeVar) *catalog.Table {
	n := b.relName(rv)
	t := b.cat.Table(n)
	if t == nil {
		b.missingRelation(rv, n)
	}
	return t
}

// createPolicy applies CREATE POLICY.
func (b *builder) createPolicy(s *pg_query.CreatePolicyStmt) {
	t := b.policyTable(s.GetTable())
	if t == nil {
		return
	}
	if t.Policy(s.GetPolicyName()) != nil {
		b.exists(b.stmtPos(), "policy", s.GetPolicyName())
		return
	}
	cmd := strings.ToLower(s.GetCmdName())
	if cmd == "" {
		cmd = "all"
	}
	t.Policies = append(t.Policies, &catalog.Policy{
		Name:       s.GetPolicyName(),
		Command:    cmd,
		Permissive: s.GetPermissive(),
		Roles:      roles(s.GetRoles()),
		Using:      b.expr(s.GetQual()),
		Check:      b.expr(s.GetWithCheck()),
		Pos:        b.stmtPos(),
	})
}

// roles lists policy roles; PUBLIC is the absence of roles. PostgreSQL ignores
// the other roles when PUBLIC is among them, as every role is a member of PUBLIC.
func roles(nodes []*pg_query.Node) []string {
	var out []string
	for _, n := range nodes {
		spec := n.GetRoleSpec()
		if spec.GetRoletype() == pg_query.RoleSpecType_ROLESPEC_PUBLIC {
			return nil
		}
		if r := roleName(spec); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// alterPolicy applies ALTER POLICY; each clause given replaces the old one.
func (b *builder) alterPolicy(s *pg_query.AlterPolicyStmt) {
	t := b.policyTable(s.GetTable())
	if t == nil {
		return
	}
	p := t.Policy(s.GetPolicyName())
	if p == nil {
		return
	}
	if len(s.GetRoles()) > 0 {
		p.Roles = roles(s.GetRoles())
	}
	if s.GetQual() != nil {
		p.Using = b.expr(s.GetQual())
	}
	if s.GetWithCheck() != nil {
		p.Check = b.expr(s.GetWithCheck())
	}
}

// view finds a view or materialized view by name, or returns nil.
func (b *builder) view(n catalog.Name) *catalog.View {
	for _, v := range b.cat.Views {
		if v.Name == n {
			return v
		}
	}
	return nil
}

// createView applies CREATE [OR REPLACE] VIEW.
func (b *builder) createView(s *pg_query.ViewStmt) {
	rv := s.GetView()
	name := b.relName(rv)
	v := &catalog.View{
		Name:  name,
		Reads: b.viewReads(s.GetQuery()),
		Pos:   b.pos(rv.GetLocation()),
	}
	// OR REPLACE replaces the view's options too, so an omitted
	// security_invoker is false again.
	for _, o := range s.GetOptions() {
		if d := o.GetDefElem(); d != nil && d.GetDefname() == "security_invoker" {
			v.SecurityInvoker = defBool(d.GetArg())
		}
	}
	if old := b.view(name); old != nil && !old.Materialized && s.GetReplace() {
		*old = *v
		return
	}
	if b.relationExists(name) {
		b.exists(v.Pos, "relation", name.Schema+"."+name.Name)
		return
	}
	b.cat.Views = append(b.cat.Views, v)
}

// defBool reads a boolean option value the way PostgreSQL's parse_bool does; a
// bare option name (WITH (security_invoker)) means true.
func defBool(arg *pg_query.Node) bool {
	switch a := arg.GetNode().(type) {
	case nil:
		return true
	case *pg_query.Node_Boolean:
		return a.Boolean.GetBoolval()
	case *pg_query.Node_Integer:
		return a.Integer.GetIval() != 0
	case *pg_query.Node_String_:
		switch strings.ToLower(a.String_.GetSval()) {
		case "true", "t", "on", "yes", "y", "1":
			return true
		}
	}
	return false
}

// createFunction applies CREATE [OR REPLACE] FUNCTION / PROCEDURE.
func (b *builder) createFunction(s *pg_query.CreateFunctionStmt) {
	f := &catalog.Function{Name: b.listName(s.GetFuncname()), Pos: b.stmtPos()}
	for _, o := range s.GetOptions() {
		b.functionOption(f, o.GetDefElem())
	}
	if f.Language == "" && s.GetSqlBody() != nil {
		f.Language = "sql" // BEGIN ATOMIC … END / RETURN bodies are SQL
	}
	b.functionBody(f, s)
	sig := b.signature(s.GetParameters())
	for i, old := range b.cat.Functions {
		if old.Name == f.Name && b.signatures[old] == sig {
			if !s.GetReplace() {
				b.exists(f.Pos, "function", f.Name.Schema+"."+f.Name.Name+"("+sig+")")
				return
			}
			delete(b.signatures, old)
			b.cat.Functions[i] = f
			b.signatures[f] = sig
			return
		}
	}
	b.cat.Functions = append(b.cat.Functions, f)
	b.signatures[f] = sig
}

// functionOption applies one option of CREATE or ALTER FUNCTION.
func (b *builder) functionOption(f *catalog.Function, d *pg_query.DefElem) {
	switch d.GetDefname() {
	case "security":
		f.SecurityDefiner = defBool(d.GetArg())
	case "language":
		f.Language = strings.ToLower(d.GetArg().GetString_().GetSval())
	case "set":
		set := d.GetArg().GetVariableSetStmt()
		if set.GetName() != "search_path" {
			sqlexpr.ApplySetClause(&f.Body, set)
			return
		}
		switch set.GetKind() {
		case pg_query.VariableSetKind_VAR_SET_VALUE:
			f.SearchPath = searchPath(set.GetArgs())
		case pg_query.VariableSetKind_VAR_RESET, pg_query.VariableSetKind_VAR_SET_DEFAULT:
			f.SearchPath = ""
		}
	case "resetall":
		f.SearchPath = ""
		sqlexpr.ApplySetClause(&f.Body, &pg_query.VariableSetStmt{Kind: pg_query.VariableSetKind_VAR_RESET_ALL})
	}
}

// functionBody reads what the body of the function being created does to
// settings and which functions it calls. A body PostgreSQL would refuse to
// create (check_function_bodies is on by default) is reported.
func (b *builder) functionBody(f *catalog.Function, s *pg_query.CreateFunctionStmt) {
	def := b.file.SQL[b.stmt:b.stmtEnd]
	if err := sqlexpr.ReadFunctionBody(&f.Body, s, def); err != nil {
		b.diags.Errorf(f.Pos, "cannot read the body of function %s: %v", f.Name, err)
	}
}

// searchPath renders search_path values as PostgreSQL stores them: joined with
// ", ", each quoted where needed, so an empty search path stays visible as "".
func searchPath(args []*pg_query.Node) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		if c := a.GetAConst(); c != nil {
			parts = append(parts, catalog.QuoteIdent(sqlexpr.ConstText(c)))
		}
	}
	return strings.Join(parts, ", ")
}

// signature renders the input argument types of a function, which with its name
// identify it.
func (b *builder) signature(params []*pg_query.Node) string {
	var types []string
	for _, p := range params {
		fp := p.GetFunctionParameter()
		switch fp.GetMode() {
		case pg_query.FunctionParameterMode_FUNC_PARAM_OUT, pg_query.FunctionParameterMode_FUNC_PARAM_TABLE:
			continue
		}
		types = append(types, b.argType(fp.GetArgType()))
	}
	return strings.Join(types, ", ")
}

// argType renders an argument type, dropping a "public." qualification so a
// type reads the same written either way.
func (b *builder) argType(tn *pg_query.TypeName) string {
	t := b.typeOf(tn)
	if t.Schema == "public" {
		t.Schema = ""
	}
	return t.String()
}

// functions returns the functions an ALTER or DROP FUNCTION names: the overload
// with the given argument types, or every overload when none are given or none
// matches.
func (b *builder) functions(o *pg_query.ObjectWithArgs) []*catalog.Function {
	name := b.listName(o.GetObjname())
	var all, exact []*catalog.Function
	var sig string
	if !o.GetArgsUnspecified() {
		if len(o.GetObjfuncargs()) > 0 {
			sig = b.signature(o.GetObjfuncargs())
		} else {
			var types []string
			for _, a := range o.GetObjargs() {
				types = append(types, b.argType(a.GetTypeName()))
			}
			sig = strings.Join(types, ", ")
		}
	}
	for _, f := range b.cat.Functions {
		if f.Name != name {
			continue
		}
		all = append(all, f)
		if !o.GetArgsUnspecified() && b.signatures[f] == sig {
			exact = append(exact, f)
		}
	}
	if len(exact) > 0 {
		return exact
	}
	return all
}

// alterFunction applies ALTER FUNCTION … SECURITY DEFINER / SET search_path ….
func (b *builder) alterFunction(s *pg_query.AlterFunctionStmt) {
	for _, f := range b.functions(s.GetFunc()) {
		for _, a := range s.GetActions() {
			b.functionOption(f, a.GetDefElem())
		}
	}
}

// createEnum applies CREATE TYPE … AS ENUM.
func (b *builder) createEnum(s *pg_query.CreateEnumStmt) {
	name := b.listName(s.GetTypeName())
	if b.cat.Enum(name) != nil {
		b.exists(b.stmtPos(), "type", name.Schema+"."+name.Name)
		return
	}
	b.cat.Enums = append(b.cat.Enums, &catalog.Enum{Name: name, Values: sqlexpr.Strings(s.GetVals()), Pos: b.stmtPos()})
}

// alterEnum applies ALTER TYPE … ADD VALUE [BEFORE|AFTER] and RENAME VALUE.
func (b *builder) alterEnum(s *pg_query.AlterEnumStmt) {
	e := b.cat.Enum(b.listName(s.GetTypeName()))
	if e == nil {
		return
	}
	if old := s.GetOldVal(); old != "" {
		if i := slices.Index(e.Values, old); i >= 0 {
			e.Values[i] = s.GetNewVal()
		}
		return
	}
	val := s.GetNewVal()
	if slices.Contains(e.Values, val) {
		return
	}
	at := len(e.Values)
	if i := slices.Index(e.Values, s.GetNewValNeighbor()); s.GetNewValNeighbor() != "" && i >= 0 {
		at = i
		if s.GetNewValIsAfter() {
			at = i + 1
		}
	}
	e.Values = slices.Insert(e.Values, at, val)
}

// createTrigger applies CREATE [OR REPLACE] [CONSTRAINT] TRIGGER.
func (b *builder) createTrigger(s *pg_query.CreateTrigStmt) {
	rv := s.GetRelation()
	tn := b.relName(rv)
	t := b.cat.Table(tn)
	if t == nil {
		if b.view(tn) == nil {
			b.missingRelation(rv, tn)
		}
		return // INSTEAD OF triggers on views are not modelled
	}
	tr := &catalog.Trigger{Name: s.GetTrigname(), Function: b.listName(s.GetFuncname()), Pos: b.stmtPos()}
	at := len(t.Triggers)
	if old := t.Trigger(tr.Name); old != nil {
		if !s.GetReplace() {
			b.exists(tr.Pos, "trigger", tr.Name)
			return
		}
		// OR REPLACE keeps the trigger's place; its clones are made anew below.
		at = slices.Index(t.Triggers, old)
		b.dropTrigger(t, old)
	}
	t.Triggers = slices.Insert(t.Triggers, at, tr)
	if !s.GetRow() {
		b.statementTriggers[tr] = true
		return // PostgreSQL clones only row triggers onto partitions
	}
	if rv.GetInh() {
		for _, p := range b.partitions(t) {
			b.cloneTrigger(p, tr)
		}
	}
}

// dropTrigger removes a trigger from t with the clones PostgreSQL made of it on
// partitions.
func (b *builder) dropTrigger(t *catalog.Table, tr *catalog.Trigger) {
	t.Triggers = slices.DeleteFunc(t.Triggers, func(x *catalog.Trigger) bool { return x == tr })
	delete(b.triggerParent, tr)
	delete(b.statementTriggers, tr)
	for _, other := range b.cat.Tables {
		for _, child := range slices.Clone(other.Triggers) {
			if b.triggerParent[child] == tr {
				b.dropTrigger(other, child)
			}
		}
	}
}
