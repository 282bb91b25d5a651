package repo

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// TypeCheck type-checks one generated package (sqlc's files and the
// repositories) so that generate fails, rather than writes, code that does not
// compile: a call with the wrong number of arguments, an unknown field, a
// mismatch between the package's own types. Imported packages are stand-ins
// without members — loading pgx and the runtime would need the user's module —
// so what only their types could reveal is left to the compiler; every error
// that is about a stand-in is dropped.
func TypeCheck(files []output.File) diag.List {
	return (&Parsed{fset: token.NewFileSet()}).TypeCheck(files...)
}

// TypeCheck is the package function on the files of p, parsed already, and
// more, parsed here: sqlc's files as Generate read them, and the
// repositories.
func (p *Parsed) TypeCheck(more ...output.File) diag.List {
	var parsed []*ast.File
	var diags diag.List
	for _, f := range more {
		if !strings.HasSuffix(f.Path, ".go") {
			continue
		}
		af, err := parser.ParseFile(p.fset, f.Path, f.Content, parser.SkipObjectResolution)
		if err != nil {
			diags.Errorf(source.Pos{File: f.Path}, "generated code does not parse: %v; please report it", err)
			continue
		}
		parsed = append(parsed, af)
	}
	if diags.HasErrors() {
		return diags
	}
	return p.check(parsed...)
}

// check type-checks the files of p with more, parsed into p's file set. It
// only reads the syntax trees, so it may run while they are printed.
func (p *Parsed) check(more ...*ast.File) diag.List {
	fset := p.fset
	parsed := append(slices.Clone(p.files), more...)
	var diags diag.List
	if len(parsed) == 0 {
		return diags
	}
	stand := standIns{}
	for _, af := range parsed {
		for _, imp := range af.Imports {
			if imp.Name != nil {
				stand[imp.Name.Name] = true // a renamed import's stand-in is referred to so
			}
		}
	}
	conf := types.Config{
		Importer: stand,
		Error: func(err error) {
			te, ok := err.(types.Error)
			if !ok || stand.about(te.Msg) {
				return
			}
			p := te.Fset.Position(te.Pos)
			// The lines after the first compare stand-in types ("unknown type").
			msg, _, _ := strings.Cut(te.Msg, "\n")
			diags.Add(diag.Diagnostic{Pos: source.Pos{File: p.Filename, Line: p.Line, Col: p.Column}, Severity: diag.Error,
				Message: "generated code does not compile: " + msg,
				Fix:     "this is a tenantc bug; please report it with the gen.go options of your sqlc.yaml"})
		},
	}
	_, _ = conf.Check(parsed[0].Name.Name, fset, parsed, nil) // errors went to conf.Error
	return diags
}

// standIns imports every package as an empty one named as Go code refers to it.
type standIns map[string]bool // package names handed out

func (s standIns) Import(p string) (*types.Package, error) {
	name := importName(p)
	s[name] = true
	pkg := types.NewPackage(p, name)
	pkg.MarkComplete()
	return pkg, nil
}

// aboutStandIn matches the errors a member-less package causes.
var aboutStandIn = regexp.MustCompile(`^undefined: (\w+)\.|^"([^"]+)" imported`)

func (s standIns) about(msg string) bool {
	m := aboutStandIn.FindStringSubmatch(msg)
	return m != nil && (s[m[1]] || m[2] != "")
}

// importName is the name a package is referred to by when imported without
// one: the last element of its path, or the one before a major version
// (github.com/jackc/pgx/v5 → pgx).
func importName(p string) string {
	elems := strings.Split(p, "/")
	last := elems[len(elems)-1]
	if len(elems) > 1 && strings.HasPrefix(last, "v") {
		if _, err := strconv.Atoi(last[1:]); err == nil {
			return elems[len(elems)-2]
		}
	}
	return path.Base(last)
}
