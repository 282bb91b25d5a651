package generator_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/output"
)

// TestScopedMethodsTakeNoTenant generates every golden case and checks the
// promise of the repositories whatever sqlc options a case sets: no method of
// a scoped repository takes a connection, nor the tenant, neither as a
// parameter nor as a field of the struct it takes — typed tenant.ID or named
// after the tenant column (a cast or an override retypes it). A case may be
// refused instead.
func TestScopedMethodsTakeNoTenant(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	checked := 0
	for _, c := range cases {
		dir := t.TempDir()
		require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", c.Name(), "input"))))
		res, err := generator.Run(t.Context(), goldenOptions(filepath.Join("testdata", c.Name()), dir))
		if err != nil {
			continue // refused: nothing a caller could misuse
		}
		tenantName := strings.ReplaceAll(res.Config.Tenant.Column, "_", "")
		for _, f := range res.Files {
			if !strings.HasSuffix(f.Path, "/tenantc_repositories.go") {
				continue
			}
			checked++
			pkg := parsePackage(t, res.Files, filepath.ToSlash(filepath.Dir(f.Path)))
			for _, bad := range tenantTakers(pkg, tenantName) {
				t.Errorf("%s: %s takes the tenant from its caller", c.Name(), bad)
			}
		}
	}
	require.NotZero(t, checked, "no case generated repositories")
}

type goPackage struct {
	files   []*ast.File
	structs map[string]*ast.StructType
}

func parsePackage(t *testing.T, files []output.File, dir string) goPackage {
	pkg := goPackage{structs: map[string]*ast.StructType{}}
	fset := token.NewFileSet()
	for _, f := range files {
		if filepath.ToSlash(filepath.Dir(f.Path)) != dir || !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		af, err := parser.ParseFile(fset, f.Path, f.Content, 0)
		require.NoError(t, err)
		pkg.files = append(pkg.files, af)
		ast.Inspect(af, func(n ast.Node) bool {
			if ts, ok := n.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					pkg.structs[ts.Name.Name] = st
				}
			}
			return true
		})
	}
	return pkg
}

// tenantTakers lists the methods of scoped repositories (those holding a
// scope) that take a tenant value.
func tenantTakers(pkg goPackage, tenantName string) []string {
	isTenant := func(name string, typ ast.Expr) bool {
		s := strings.TrimPrefix(exprString(typ), "[]") // a batch's slice
		return s == "tenant.ID" || strings.EqualFold(name, tenantName)
	}
	var bad []string
	for _, f := range pkg.files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || !pkg.scoped(fn.Recv.List[0].Type) {
				continue
			}
			for _, p := range fn.Type.Params.List {
				for _, n := range p.Names {
					if isTenant(n.Name, p.Type) || isConn(p.Type) {
						bad = append(bad, fn.Name.Name+"("+n.Name+")")
					}
				}
				if st := pkg.structs[strings.TrimLeft(exprString(p.Type), "[]*")]; st != nil {
					for _, fld := range st.Fields.List {
						for _, n := range fld.Names {
							if isTenant(n.Name, fld.Type) {
								bad = append(bad, fn.Name.Name+"(arg."+n.Name+")")
							}
						}
					}
				}
			}
		}
	}
	return bad
}

// isConn reports whether a parameter's type is a connection: under
// emit_methods_with_db_argument sqlc's methods take a DBTX, which the scoped
// repositories fill from the scope, so a caller cannot pass one of its own
// (and with it another tenant, or none).
func isConn(typ ast.Expr) bool {
	switch exprString(typ) {
	case "DBTX", "tenant.Querier", "*pgx.Conn", "pgx.Tx", "*pgxpool.Pool", "*sql.DB", "*sql.Tx", "*sql.Conn":
		return true
	}
	return false
}

// scoped reports whether a receiver type is a repository holding a scope.
func (pkg goPackage) scoped(recv ast.Expr) bool {
	st := pkg.structs[strings.TrimPrefix(exprString(recv), "*")]
	if st == nil {
		return false
	}
	for _, fld := range st.Fields.List {
		if t := exprString(fld.Type); t == "*tenant.Scope" || t == "*tenant.SQLScope" {
			return true
		}
	}
	return false
}

func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.StarExpr:
		return "*" + exprString(e.X)
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	case *ast.ArrayType:
		if e.Len == nil {
			return "[]" + exprString(e.Elt)
		}
	}
	return ""
}
