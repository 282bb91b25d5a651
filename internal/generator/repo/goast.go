package repo

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/tenantc/tenantc/internal/generator/output"
)

// method is one method sqlc generated on *Queries.
type method struct {
	Name    string
	Params  []*ast.Field // after ctx
	Results []*ast.Field
	file    *goFile
}

// goFile is one parsed file of sqlc's output, with its imports by name so types
// can be re-rendered with jennifer.
type goFile struct {
	imports map[string]string // local name → path
	err     error             // the first type typeCode could not render
}

// sqlcCode is sqlc's generated package, read back for what repositories wrap.
type sqlcCode struct {
	all     []*goFile
	methods map[string]*method
	structs map[string]*ast.StructType
	files   map[*ast.StructType]*goFile
}

// readSQLC parses sqlc's Go output. Reading the code sqlc wrote — instead of
// re-deriving its naming and type rules — keeps the repositories in step with
// whatever options the project gives sqlc.
func readSQLC(files []output.File) (*sqlcCode, error) {
	code := &sqlcCode{methods: map[string]*method{}, structs: map[string]*ast.StructType{}, files: map[*ast.StructType]*goFile{}}
	fset := token.NewFileSet()
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		af, err := parser.ParseFile(fset, f.Path, f.Content, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("reading sqlc's output: %w", err)
		}
		gf := &goFile{imports: map[string]string{}}
		code.all = append(code.all, gf)
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := p[strings.LastIndex(p, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			} else if strings.HasPrefix(name, "v") && strings.Count(p, "/") > 1 {
				if _, err := strconv.Atoi(name[1:]); err == nil { // .../pgx/v5
					parts := strings.Split(p, "/")
					name = parts[len(parts)-2]
				}
			}
			gf.imports[name] = p
		}
		for _, d := range af.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil || len(d.Recv.List) != 1 || !isQueriesRecv(d.Recv.List[0].Type) {
					continue
				}
				params := d.Type.Params.List
				if len(params) == 0 || len(params[0].Names) > 1 {
					continue // not a query method: every one starts with ctx alone
				}
				var rs []*ast.Field
				if d.Type.Results != nil {
					rs = d.Type.Results.List
				}
				code.methods[d.Name.Name] = &method{Name: d.Name.Name, Params: params[1:], Results: rs, file: gf}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if st, ok := ts.Type.(*ast.StructType); ok {
							code.structs[ts.Name.Name] = st
							code.files[st] = gf
						}
					}
				}
			}
		}
	}
	return code, nil
}

func isQueriesRecv(e ast.Expr) bool {
	star, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && id.Name == "Queries"
}

// typeCode renders a type expression of sqlc's output as jennifer code, with
// package-qualified names resolved through the file's imports.
func (gf *goFile) typeCode(e ast.Expr) jen.Code {
	switch e := e.(type) {
	case *ast.Ident:
		return jen.Id(e.Name)
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return jen.Qual(gf.imports[x.Name], e.Sel.Name)
		}
	case *ast.StarExpr:
		return jen.Op("*").Add(gf.typeCode(e.X))
	case *ast.ArrayType:
		if e.Len == nil {
			return jen.Index().Add(gf.typeCode(e.Elt))
		}
		if lit, ok := e.Len.(*ast.BasicLit); ok {
			return jen.Index(jen.Lit(mustAtoi(lit.Value))).Add(gf.typeCode(e.Elt))
		}
	case *ast.MapType:
		return jen.Map(gf.typeCode(e.Key)).Add(gf.typeCode(e.Value))
	case *ast.InterfaceType:
		return jen.Interface()
	}
	if gf.err == nil {
		gf.err = fmt.Errorf("sqlc's output has a type tenantc cannot re-render (%T); please report it", e)
	}
	return jen.Id("any")
}

// isTenantID reports whether e is the runtime's tenant.ID type.
func (gf *goFile) isTenantID(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && sel.Sel.Name == "ID" && gf.imports[x.Name] == RuntimePath
}

func mustAtoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
