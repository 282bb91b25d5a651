package repo

import (
	"fmt"
	"go/ast"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tenantc/tenantc/internal/generator/diag"
)

// Batch and COPY queries. sqlc's method of a :batchexec, :batchmany,
// :batchone or :copyfrom query takes a slice — of its Params struct, or of its
// one parameter — and queues one statement (or copies one row) per element.
// A scoped repository takes the same slice without the tenant and fills the
// tenant of every element from the scope.

// IsBatch reports whether cmd is a sqlc command whose method takes a slice of
// parameter sets: :batchexec, :batchmany, :batchone or :copyfrom.
func IsBatch(cmd string) bool {
	return strings.HasPrefix(cmd, ":batch") || cmd == ":copyfrom"
}

// needsBatchRuntime reports whether any query needs SendBatch or CopyFrom on
// the runtime's Querier.
func needsBatchRuntime(queries []Query) bool {
	for _, q := range queries {
		if IsBatch(q.Cmd) {
			return true
		}
	}
	return false
}

// batchSignature reads the one slice parameter of a batch method: its element
// is a Params struct (or a pointer to one), or the query's one parameter.
func batchSignature(code *sqlcCode, m *method, scoped bool) (sig signature, ok bool) {
	if len(m.Params) != 1 || len(m.Params[0].Names) != 1 {
		return signature{}, false
	}
	arr, isSlice := m.Params[0].Type.(*ast.ArrayType)
	if !isSlice || arr.Len != nil {
		return signature{}, false
	}
	elem := arr.Elt
	t, pointer := elem, false
	if star, isStar := t.(*ast.StarExpr); isStar {
		t, pointer = star.X, true
	}
	if id, isIdent := t.(*ast.Ident); isIdent && code.structs[id.Name] != nil {
		st := code.structs[id.Name]
		sf := code.files[st]
		sig = signature{structName: id.Name, pointer: pointer}
		for _, fld := range st.Fields.List {
			for _, n := range fld.Names {
				sig.values = append(sig.values, value{name: n.Name, typ: fld.Type, file: sf, tenant: scoped && sf.isTenantID(fld.Type)})
			}
		}
		return sig, true
	}
	name := m.Params[0].Names[0].Name
	sig.values = []value{{name: name, typ: elem, file: m.file, tenant: scoped && m.file.isTenantID(elem)}}
	return sig, true
}

// checkBatchParams refuses a scoped batch or COPY query whose every
// parameter is the tenant: its method would take a slice of tenants, whose
// only use is its length, so the scope could fill every element with its
// own tenant and the caller's slice would decide nothing but how often the
// statement runs — almost certainly not what the query meant.
func checkBatchParams(code *sqlcCode, queries []Query) diag.List {
	var diags diag.List
	for _, q := range queries {
		m := code.methods[q.Name]
		if !q.Scoped || m == nil || !IsBatch(q.Cmd) {
			continue
		}
		sig, ok := batchSignature(code, m, true)
		if !ok || !sig.hasTenant() {
			continue
		}
		others := 0
		for _, v := range sig.values {
			if !v.tenant {
				others++
			}
		}
		if others == 0 {
			diags.Add(diag.Diagnostic{Pos: q.Pos, Severity: diag.Error,
				Message: fmt.Sprintf("query %s (%s): its only parameter is the tenant, which the scope fills, so each element of the batch would be the same statement", q.Name, q.Cmd),
				Fix:     "give the query a parameter of its own (the rows to insert, the ids to delete), or run it once with :exec"})
		}
	}
	return diags
}

// genBatchMethod wraps a batch or COPY method whose parameters include the
// tenant: the caller's slice (of Args, or of the one other value) becomes a
// slice of sqlc's Params with the scope's tenant in every element. When the
// scope has no tenant to give, a batch is sent to tenant.ErrQuerier, so each
// of its queries reports the error to its callback; a copy returns it.
func genBatchMethod(f *jen.File, code *sqlcCode, repo string, m *method, q Query) {
	gf := m.file
	sig, _ := batchSignature(code, m, true)
	var others []value
	for _, v := range sig.values {
		if !v.tenant {
			others = append(others, v)
		}
	}
	var results []jen.Code
	for _, r := range m.Results {
		results = append(results, gf.typeCode(r.Type))
	}
	params := []jen.Code{jen.Id("ctx").Qual("context", "Context")}
	var src string                                                       // the caller's slice
	valueOf := func(v value) jen.Code { return jen.Id("v").Dot(v.name) } // an element's value
	if len(others) == 1 {
		src = batchParamName(others[0].name)
		params = append(params, jen.Id(src).Index().Add(others[0].file.typeCode(others[0].typ)))
		valueOf = func(value) jen.Code { return jen.Id("v") }
	} else {
		src = "arg"
		argsName := trimSuffix(sig.structName, "Params") + "Args"
		what := fmt.Sprintf("%s is one element of %s's batch", argsName, m.Name)
		if q.Cmd == ":copyfrom" {
			what = fmt.Sprintf("%s is one row %s inserts", argsName, m.Name)
		}
		doc(f, what+"; the tenant comes from the scope.")
		var fields []jen.Code
		for _, v := range others {
			fields = append(fields, jen.Id(v.name).Add(v.file.typeCode(v.typ)))
		}
		f.Type().Id(argsName).Struct(fields...)
		params = append(params, jen.Id(src).Index().Id(argsName))
	}
	var values []field
	for _, v := range sig.values {
		if v.tenant {
			values = append(values, field{v.name, jen.Id("tenantID")})
		} else {
			values = append(values, field{v.name, valueOf(v)})
		}
	}
	lit := jen.Id(sig.structName).Values(fieldValues(values...)...)
	elem := jen.Id(sig.structName)
	if sig.pointer {
		lit, elem = jen.Op("&").Add(lit), jen.Op("*").Id(sig.structName)
	}
	build := []jen.Code{
		jen.Id("params").Op(":=").Make(jen.Index().Add(elem), jen.Len(jen.Id(src))),
		jen.For(jen.List(jen.Id("i"), jen.Id("v")).Op(":=").Range().Id(src)).Block(
			jen.Id("params").Index(jen.Id("i")).Op("=").Add(lit),
		),
	}
	methodDoc(f, q, sig, true)
	body := []jen.Code{
		jen.List(jen.Id("tenantID"), jen.Err()).Op(":=").Id("r").Dot("scope").Dot("TenantID").Call(jen.Id("ctx")),
	}
	if q.Cmd == ":copyfrom" {
		body = append(body, jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Lit(0), jen.Err())))
		body = append(body, build...)
	} else {
		// Every query of the batch gets the error, as if the batch had failed.
		body = append(body, build...)
		failed := jen.Id("New").Call(jen.Qual(RuntimePath, "ErrQuerier").Call(jen.Err())).Dot(m.Name).Call(jen.Id("ctx"), jen.Id("params"))
		if m.dbArg { // emit_methods_with_db_argument: the failing Querier is the db argument
			failed = jen.Id("New").Call().Dot(m.Name).Call(jen.Id("ctx"), jen.Qual(RuntimePath, "ErrQuerier").Call(jen.Err()), jen.Id("params"))
		}
		body = append(body, jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(failed)))
	}
	body = append(body, jen.Return(jen.Id("r").Dot("q").Dot(m.Name).Call(append(append([]jen.Code{jen.Id("ctx")}, dbArgs(m, true)...), jen.Id("params"))...)))
	f.Func().Params(jen.Id("r").Op("*").Id(repo)).Id(m.Name).Params(params...).Params(results...).Block(body...)
}

// batchParamName is the name of the caller's slice when the batch has one
// value besides the tenant: sqlc's own name for it, unless that is one of
// the wrapper's local names.
func batchParamName(field string) string {
	name := lowerFirst(field)
	switch name {
	case "ctx", "r", "params", "i", "v", "tenantID", "err", "arg":
		return name + "s"
	}
	return name
}
