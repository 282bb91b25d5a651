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
	Params  []*ast.Field // after ctx (and db)
	Results []*ast.Field
	file    *goFile
	// dbArg is true when the method takes its DBTX after ctx
	// (emit_methods_with_db_argument) instead of using the one New stored.
	dbArg bool
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
	// types are the package's type declarations by name, for the zero values
	// of the types methods return.
	types map[string]typeDecl
	// dbArg is true when sqlc's methods take their DBTX as an argument
	// (emit_methods_with_db_argument): New then takes none.
	dbArg bool
}

// scopeType is the runtime's scope for the sql_package sqlc generated for:
// SQLScope when its DBTX is database/sql's (QueryRowContext returning a
// *sql.Row), Scope for pgx/v5.
func (code *sqlcCode) scopeType() string {
	if d, ok := code.types["DBTX"]; ok {
		if it, ok := d.expr.(*ast.InterfaceType); ok {
			for _, m := range it.Methods.List {
				for _, n := range m.Names {
					if n.Name == "QueryRowContext" {
						return "SQLScope"
					}
				}
			}
		}
	}
	return "Scope"
}

// typeDecl is a type declared in sqlc's package: what it is defined as, and
// the file, whose imports qualify that.
type typeDecl struct {
	expr ast.Expr
	file *goFile
}

// Parsed is sqlc's Go output parsed once. Generate reads the code sqlc wrote
// from it and TypeCheck checks it with the repositories: each used to parse
// the same files again, which at 500 tables cost a tenth of a second.
type Parsed struct {
	fset  *token.FileSet
	files []*ast.File // the .go files, in the order given
}

// Parse parses the .go files of sqlc's output; other files are skipped.
func Parse(files []output.File) (*Parsed, error) {
	p := &Parsed{fset: token.NewFileSet()}
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		af, err := parser.ParseFile(p.fset, f.Path, f.Content, parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("reading sqlc's output: %w", err)
		}
		p.files = append(p.files, af)
	}
	return p, nil
}

// readSQLC parses sqlc's Go output and reads it (readParsed).
func readSQLC(files []output.File) (*sqlcCode, error) {
	p, err := Parse(files)
	if err != nil {
		return nil, err
	}
	return readParsed(p), nil
}

// readParsed reads sqlc's parsed output. Reading the code sqlc wrote —
// instead of re-deriving its naming and type rules — keeps the repositories
// in step with whatever options the project gives sqlc. The syntax trees
// are only read: TypeCheck checks them afterwards.
func readParsed(p *Parsed) *sqlcCode {
	code := &sqlcCode{methods: map[string]*method{}, structs: map[string]*ast.StructType{}, files: map[*ast.StructType]*goFile{}, types: map[string]typeDecl{}}
	for _, af := range p.files {
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
				m := &method{Name: d.Name.Name, Params: params[1:], Results: rs, file: gf}
				if isDBParam(m.Params) {
					m.dbArg, m.Params = true, m.Params[1:]
					code.dbArg = true
				}
				code.methods[d.Name.Name] = m
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						code.types[ts.Name.Name] = typeDecl{expr: ts.Type, file: gf}
						if st, ok := ts.Type.(*ast.StructType); ok {
							code.structs[ts.Name.Name] = st
							code.files[st] = gf
						}
					}
				}
			}
		}
	}
	return code
}

// isDBParam reports whether params, a method's parameters after ctx, start
// with the "db DBTX" that emit_methods_with_db_argument puts there. No query
// parameter can be typed DBTX: sqlc's own interface is not a column type.
func isDBParam(params []*ast.Field) bool {
	if len(params) == 0 || len(params[0].Names) != 1 || params[0].Names[0].Name != "db" {
		return false
	}
	id, ok := params[0].Type.(*ast.Ident)
	return ok && id.Name == "DBTX"
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

// zeroKind is what a type's zero value is written as.
type zeroKind int

const (
	zeroUnknown   zeroKind = iota // a type of a package tenantc does not know
	zeroNumber                    // 0
	zeroString                    // ""
	zeroBool                      // false
	zeroNil                       // nil: pointers, slices, maps, interfaces, funcs, channels
	zeroComposite                 // T{}: structs and arrays
)

// zeroValue returns the zero value of the type e of gf as a literal: 0, "",
// false, nil or T{}. It returns nil when only a package it does not know could
// tell (a named type of the user's go_type overrides), so the caller declares
// a zero variable instead.
func (code *sqlcCode) zeroValue(gf *goFile, e ast.Expr) jen.Code {
	switch code.zeroKindOf(gf, e, 0) {
	case zeroNumber:
		return jen.Lit(0)
	case zeroString:
		return jen.Lit("")
	case zeroBool:
		return jen.False()
	case zeroNil:
		return jen.Nil()
	case zeroComposite:
		return jen.Add(gf.typeCode(e)).Values()
	}
	return nil
}

// zeroKindOf classifies e; depth stops a cycle of named types.
func (code *sqlcCode) zeroKindOf(gf *goFile, e ast.Expr, depth int) zeroKind {
	switch e := e.(type) {
	case *ast.Ident:
		if k, ok := builtinZero[e.Name]; ok {
			return k
		}
		if d, ok := code.types[e.Name]; ok && depth < 10 {
			// Its underlying type's kind: 0 and "" convert, and T{} names
			// the type itself.
			return code.zeroKindOf(d.file, d.expr, depth+1)
		}
	case *ast.SelectorExpr:
		if x, ok := e.X.(*ast.Ident); ok {
			return knownZero(gf.imports[x.Name], e.Sel.Name)
		}
	case *ast.StructType:
		return zeroComposite
	case *ast.ArrayType:
		if e.Len == nil {
			return zeroNil // a slice
		}
		return zeroComposite
	case *ast.StarExpr, *ast.MapType, *ast.InterfaceType, *ast.FuncType, *ast.ChanType:
		return zeroNil
	}
	return zeroUnknown
}

// builtinZero are the predeclared types.
var builtinZero = map[string]zeroKind{
	"bool": zeroBool, "string": zeroString, "error": zeroNil, "any": zeroNil,
	"int": zeroNumber, "int8": zeroNumber, "int16": zeroNumber, "int32": zeroNumber, "int64": zeroNumber,
	"uint": zeroNumber, "uint8": zeroNumber, "uint16": zeroNumber, "uint32": zeroNumber, "uint64": zeroNumber,
	"uintptr": zeroNumber, "byte": zeroNumber, "rune": zeroNumber,
	"float32": zeroNumber, "float64": zeroNumber, "complex64": zeroNumber, "complex128": zeroNumber,
}

// knownZero classifies the types of other packages that sqlc's code returns
// (its type mapping for pgx and database/sql, the tenant override) and the
// usual go_type overrides; any other is zeroUnknown.
func knownZero(path, name string) zeroKind {
	switch path {
	case RuntimePath:
		if name == "ID" {
			return zeroString
		}
	case "github.com/jackc/pgx/v5/pgtype", "github.com/jackc/pgx/v4/pgtype", "github.com/jackc/pgtype":
		if name == "Hstore" { // a map; every other type sqlc uses is a struct
			return zeroNil
		}
		return zeroComposite
	case "github.com/jackc/pgx/v5/pgconn":
		if name == "CommandTag" {
			return zeroComposite
		}
	case "github.com/jackc/pgconn":
		if name == "CommandTag" { // pgx v4: a []byte
			return zeroNil
		}
	case "database/sql":
		switch {
		case name == "Result":
			return zeroNil
		case strings.HasPrefix(name, "Null"):
			return zeroComposite
		}
	case "encoding/json":
		if name == "RawMessage" {
			return zeroNil
		}
	case "time":
		switch name {
		case "Time":
			return zeroComposite
		case "Duration":
			return zeroNumber
		}
	case "net/netip":
		if name == "Addr" || name == "Prefix" {
			return zeroComposite
		}
	case "github.com/google/uuid", "github.com/gofrs/uuid", "github.com/gofrs/uuid/v5":
		if name == "UUID" || name == "NullUUID" {
			return zeroComposite
		}
	case "github.com/sqlc-dev/pqtype":
		return zeroComposite // Inet, CIDR, Macaddr, NullRawMessage: structs
	}
	return zeroUnknown
}
