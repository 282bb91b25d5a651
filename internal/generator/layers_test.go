package generator_test

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/tenantc/tenantc/"

// layers ranks the generator's packages in the order data flows through them.
// A package may import only packages of a lower layer: no stage imports a
// later one or the orchestrator, and packages of one layer do not know each
// other. A new package must be given its layer here.
var layers = map[string]int{
	"internal/generator/source":  0,
	"internal/generator/pgquery": 0,

	"internal/generator/diag":    1,
	"internal/generator/catalog": 1,
	"internal/generator/output":  1,
	"internal/templates":         1,

	"internal/generator/config":    2,
	"internal/generator/migration": 2,
	"internal/generator/rule":      2,
	"internal/generator/sqlexpr":   2,

	"internal/generator/parse":    3,
	"internal/generator/severity": 3,
	"internal/generator/tenancy":  3,

	"internal/generator/crud":       4,
	"internal/generator/rows":       4,
	"internal/generator/rls":        4,
	"internal/generator/distribute": 4,
	"internal/generator/setter":     4,
	"internal/generator/roles":      4,
	"internal/generator/store":      4,
	"internal/generator/backfill":   4,
	"internal/generator/sqlcrun":    4,
	"internal/generator/livecat":    4,

	"internal/generator/repo":   5,
	"internal/generator/report": 5,
	"internal/generator/audit":  5,
	// initconfig proposes tenantc.yaml from a catalog, classifying with
	// tenancy and naming the store's tables.
	"internal/generator/initconfig": 5,

	"internal/generator": 6,
}

// onlyFrom lists packages that only the named importers may use: the parse
// stage turns files into the catalog, and only the orchestrator runs it; every
// later stage works on the catalog.
var onlyFrom = map[string][]string{
	"internal/generator/parse": {"internal/generator"},
}

// generatorPackages returns every package directory of the generator (and
// internal/templates), relative to the module root.
func generatorPackages(t *testing.T) []string {
	t.Helper()
	var dirs []string
	for _, root := range []string{".", "../templates"} {
		require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
				return filepath.SkipDir
			}
			if d.IsDir() {
				if pkg, err := build.ImportDir(path, 0); err == nil && pkg.Name != "" {
					abs, err := filepath.Abs(path)
					require.NoError(t, err)
					rel, err := filepath.Rel(moduleRoot(t), abs)
					require.NoError(t, err)
					dirs = append(dirs, filepath.ToSlash(rel))
				}
			}
			return nil
		}))
	}
	slices.Sort(dirs)
	return dirs
}

func moduleRoot(t *testing.T) string {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	return root
}

// TestLayers: the generator's packages depend one way, in the order of
// layers, and the parse stage is imported by the orchestrator alone.
func TestLayers(t *testing.T) {
	root := moduleRoot(t)
	for _, pkg := range generatorPackages(t) {
		layer, ok := layers[pkg]
		if !assertKnown(t, ok, pkg) {
			continue
		}
		p, err := build.ImportDir(filepath.Join(root, pkg), 0)
		require.NoError(t, err)
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			if allowed, ok := onlyFrom[dep]; ok && !slices.Contains(allowed, pkg) {
				t.Errorf("%s imports %s, which only %v may import", pkg, dep, allowed)
			}
			if depLayer, ok := layers[dep]; ok && depLayer >= layer {
				t.Errorf("%s (layer %d) imports %s (layer %d): a stage may import only earlier layers", pkg, layer, dep, depLayer)
			}
		}
	}
}

func assertKnown(t *testing.T, ok bool, pkg string) bool {
	if !ok {
		t.Errorf("package %s has no layer: add it to layers in layers_test.go", pkg)
	}
	return ok
}

// TestNoInitNoReflect: no library package of the module has an init function
// (one that registers itself elsewhere makes behaviour depend on what is
// linked; see the rule list), and the generator does not use reflect.
func TestNoInitNoReflect(t *testing.T) {
	root := moduleRoot(t)
	fset := token.NewFileSet()
	require.NoError(t, filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && rel != ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == "init" {
				t.Errorf("%s: func init in package %s: build the state explicitly instead", fset.Position(fn.Pos()), f.Name.Name)
			}
		}
		if strings.HasPrefix(rel, "internal/generator/") {
			for _, imp := range f.Imports {
				if imp.Path.Value == `"reflect"` {
					t.Errorf("%s imports reflect: the generator reads plain data (protobuf trees are walked with protoreflect)", rel)
				}
			}
		}
		return nil
	}))
}
