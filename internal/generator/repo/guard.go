package repo

import (
	"go/ast"

	"github.com/dave/jennifer/jen"

	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// guardComment ends each line of genGuards: the compiler's error points at
// the line, so the line says what happened and what to do.
const guardComment = "plain sqlc generate overwrote tenantc's code: run go tool tenantc generate (or align sqlc.yaml, see README)"

// genGuards asserts at compile time that sqlc's code still types the tenant
// as tenant.ID: one line per scoped repository. Plain `sqlc generate` on a
// sqlc.yaml that lacks tenantc's overrides rewrites models.go (and the code of
// the query files it reads) with pgtype.UUID, or the key's own type, while the
// standard queries' code it does not read stays as tenantc wrote it: the
// package may even still compile, with the tenant typed two ways. These lines
// make it fail, first and at lines that say why. Each asserts the tenant field
// of the first struct a method of the repository returns (by method name: a
// table's model, from its standard queries); a repository whose methods
// return none asserts a method that takes the tenant, by its signature.
func genGuards(f *jen.File, code *sqlcCode, tables []*tenancy.Table, repos map[*tenancy.Table]*repoType) {
	var defs []jen.Code
	for _, t := range tables {
		r := repos[t]
		if r == nil || !r.scoped {
			continue
		}
		var d *jen.Statement
		for _, name := range sortedNames(r.queries) {
			if d = resultGuard(code, code.methods[name]); d != nil {
				break
			}
		}
		for _, name := range sortedNames(r.queries) {
			if d != nil {
				break
			}
			d = paramGuard(code, code.methods[name])
		}
		if d != nil {
			defs = append(defs, d.Comment(guardComment))
		}
	}
	if len(defs) == 0 {
		return
	}
	f.Comment("sqlc's code must type every tenant column tenant.ID, as tenantc runs sqlc.")
	f.Var().Defs(defs...)
}

// resultGuard asserts the tenant field of the struct m returns (or returns a
// slice of); nil when that struct has none.
func resultGuard(code *sqlcCode, m *method) *jen.Statement {
	if len(m.Results) == 0 {
		return nil
	}
	t := m.Results[0].Type
	if a, ok := t.(*ast.ArrayType); ok && a.Len == nil {
		t = a.Elt
	}
	id, ok := t.(*ast.Ident)
	if !ok || code.structs[id.Name] == nil {
		return nil
	}
	st := code.structs[id.Name]
	for _, fld := range st.Fields.List {
		if len(fld.Names) > 0 && code.files[st].isTenantID(fld.Type) {
			return jen.Id("_").Qual(RuntimePath, "ID").Op("=").Id(id.Name).Values().Dot(fld.Names[0].Name)
		}
	}
	return nil
}

// paramGuard asserts the tenant m takes: a Params field by its type, a
// positional parameter through m's whole signature; nil when m takes none.
func paramGuard(code *sqlcCode, m *method) *jen.Statement {
	sig := signatureOf(code, m, true)
	if !sig.hasTenant() {
		return nil
	}
	if sig.structName != "" {
		for _, v := range sig.values {
			if v.tenant {
				return jen.Id("_").Qual(RuntimePath, "ID").Op("=").Id(sig.structName).Values().Dot(v.name)
			}
		}
	}
	gf := m.file
	params := []jen.Code{jen.Op("*").Id("Queries"), jen.Qual("context", "Context")}
	for _, p := range m.Params {
		for range p.Names {
			params = append(params, gf.typeCode(p.Type))
		}
	}
	var results []jen.Code
	for _, r := range m.Results {
		results = append(results, gf.typeCode(r.Type))
	}
	return jen.Id("_").Func().Params(params...).Params(results...).Op("=").Parens(jen.Op("*").Id("Queries")).Dot(m.Name)
}
