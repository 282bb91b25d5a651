package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// SQLCBlock is one block of the sqlc config: an entry of sql: (version 2) or
// of packages: (version 1), as sqlc reads it.
type SQLCBlock struct {
	// Index is the block's place in its list, from 0.
	Index int
	// Name is the block's name: as written; empty when it has none.
	Name string
	// Engine is postgresql, mysql or sqlite (version 1 defaults to
	// postgresql, as sqlc does).
	Engine string
	// Pos is the block's first key.
	Pos source.Pos
	// Schema and Queries are the block's paths, each with where it is
	// written.
	Schema, Queries       []string
	SchemaPos, QueriesPos []source.Pos
	// Go is true when the block generates Go with sqlc-gen-go: gen.go in
	// version 2, every package in version 1.
	Go bool
	// Out is the Go output directory as written: gen.go.out (version 1: path).
	Out string
	// SQLPackage is sql_package as written ("" when unset, which sqlc reads as
	// database/sql); SQLPackagePos is its value, or the block's gen.go
	// (version 1: the package) when unset.
	SQLPackage    string
	SQLPackagePos source.Pos
}

// IsPostgres reports whether tenantc analyses the block: a postgresql block.
func (b SQLCBlock) IsPostgres() bool { return b.Engine == "postgresql" }

// sqlcNames are the file names sqlc itself looks for, in its order.
var sqlcNames = []string{"sqlc.yaml", "sqlc.yml", "sqlc.json"}

// sqlcPaths is what tenantc reads of the project's sqlc config.
type sqlcPaths struct {
	file    string
	version string
	blocks  []SQLCBlock
	// schema and queries are the union of the postgresql blocks' paths, in
	// block order, each once; nil when there is no sqlc config.
	schema, queries       []string
	schemaPos, queriesPos []source.Pos
}

// findSQLC returns the name of the project's sqlc config, relative to dir, as
// sqlc finds it: file when given (sqlc's -f), else sqlc.yaml, sqlc.yml or
// sqlc.json — and, like sqlc, it refuses to choose between sqlc.json and a
// sqlc.yaml or sqlc.yml. "" when there is none.
func findSQLC(dir, file string) (string, error) {
	if file != "" {
		info, err := os.Stat(filepath.Join(dir, file))
		switch {
		case errors.Is(err, os.ErrNotExist):
			return "", fmt.Errorf("sqlc config %s does not exist (named by -f)", filepath.Join(dir, file))
		case err != nil:
			return "", err
		case info.IsDir():
			return "", fmt.Errorf("sqlc config %s is a directory; -f names the sqlc config file", filepath.Join(dir, file))
		}
		return file, nil
	}
	var present []string
	for _, name := range sqlcNames {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			present = append(present, name)
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
	}
	if len(present) == 0 {
		return "", nil
	}
	if slices.Contains(present, "sqlc.json") && len(present) > 1 {
		// sqlc: "error: both sqlc.json and sqlc.(yaml|yml) files present".
		yml := present[0]
		var errs diag.List
		errs.Add(diag.Diagnostic{Pos: source.Pos{File: "sqlc.json", Line: 1, Col: 1}, Severity: diag.Error,
			Message: fmt.Sprintf("both sqlc.json and %s are present; sqlc refuses to read either (\"both sqlc.json and sqlc.(yaml|yml) files present\"), and so does tenantc", yml),
			Fix:     fmt.Sprintf("delete the one you do not use (sqlc.json or %s), or name one with -f", yml)})
		return "", diag.ErrorList(errs)
	}
	return present[0], nil // sqlc.yaml before sqlc.yml, as sqlc
}

// readSQLC reads the project's sqlc config: its blocks and the paths of its
// postgresql blocks, with where each is written. Every problem sqlc would
// refuse the config for is a located error (a diag.ErrorList).
func readSQLC(dir, file string) (sqlcPaths, error) {
	name, err := findSQLC(dir, file)
	if err != nil || name == "" {
		return sqlcPaths{}, err
	}
	content, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return sqlcPaths{}, err
	}
	name = filepath.ToSlash(name)
	res := sqlcPaths{file: name}
	pos := nodePos(name)
	var errs diag.List
	fail := func() (sqlcPaths, error) {
		errs.Sort()
		return sqlcPaths{}, diag.ErrorList(errs)
	}

	// JSON is YAML, so one decoder reads all three names.
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(content)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		addYAMLErrors(&errs, name, &root, content, err, "")
		return fail()
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		at := source.Pos{File: name, Line: 1, Col: 1}
		if len(root.Content) > 0 {
			at = pos(root.Content[0])
		}
		errs.Errorf(at, "%s is not a sqlc config: want a mapping with version: \"2\" and sql: [...] (see https://docs.sqlc.dev/en/latest/reference/config.html)", name)
		return fail()
	}
	doc := root.Content[0]
	version := valueNode(doc, "version")
	switch {
	case version == doc:
		errs.Errorf(pos(doc), "%s has no version: sqlc needs version: \"2\" (or \"1\") at the top", name)
		return fail()
	case version.Kind != yaml.ScalarNode || (version.Value != "1" && version.Value != "2"):
		errs.Errorf(pos(version), "unknown sqlc config version %s: sqlc reads version \"1\" and \"2\"", nodeText(version))
		return fail()
	}
	res.version = version.Value

	// Decode into sqlc's own shapes with unknown keys refused, as sqlc does:
	// a wrong type or a misspelt key is an error at its line.
	var strictErr error
	if res.version == "1" {
		strictErr = strictDecode(content, &v1File{})
	} else {
		strictErr = strictDecode(content, &v2File{})
	}
	if strictErr != nil { // reported with the problems below, all at once
		addYAMLErrors(&errs, name, &root, content, strictErr, "sqlc ")
	}

	listKey := map[string]string{"1": "packages", "2": "sql"}[res.version]
	list := valueNode(doc, listKey)
	if list == doc || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		at := pos(doc)
		if list != doc {
			at = pos(list)
		}
		errs.Errorf(at, "%s has no %s: sqlc needs at least one block under %s", name, listKey, listKey)
		return fail()
	}
	for i, e := range list.Content {
		b, diags := readBlock(res.version, i, e, pos)
		errs = append(errs, diags...)
		res.blocks = append(res.blocks, b)
	}
	if res.version == "2" {
		checkPlugins(doc, list, pos, &errs)
	}
	if errs.HasErrors() {
		return fail()
	}

	// The postgresql blocks' paths together are the schema and queries tenantc
	// judges; a path two blocks share is read once.
	res.schema, res.queries = []string{}, []string{}
	for _, b := range res.blocks {
		if !b.IsPostgres() {
			continue
		}
		res.schema, res.schemaPos = union(res.schema, res.schemaPos, b.Schema, b.SchemaPos)
		res.queries, res.queriesPos = union(res.queries, res.queriesPos, b.Queries, b.QueriesPos)
	}
	return res, nil
}

// union appends the paths of add not yet in paths.
func union(paths []string, at []source.Pos, add []string, addAt []source.Pos) ([]string, []source.Pos) {
	for i, p := range add {
		if slices.ContainsFunc(paths, func(q string) bool { return path.Clean(filepath.ToSlash(q)) == path.Clean(filepath.ToSlash(p)) }) {
			continue
		}
		paths, at = append(paths, p), append(at, addAt[i])
	}
	return paths, at
}

// readBlock reads block i of the config and reports what sqlc would refuse in
// it.
func readBlock(version string, i int, e *yaml.Node, pos func(*yaml.Node) source.Pos) (SQLCBlock, diag.List) {
	var errs diag.List
	b := SQLCBlock{Index: i, Pos: pos(e)}
	if len(e.Content) > 0 {
		b.Pos = pos(e.Content[0])
	}
	str := func(n *yaml.Node, key string) (string, *yaml.Node) {
		v := valueNode(n, key)
		if v == n || v.Kind != yaml.ScalarNode {
			return "", nil
		}
		return v.Value, v
	}
	b.Name, _ = str(e, "name")
	engine, engineNode := str(e, "engine")
	switch {
	case engine == "" && version == "1":
		b.Engine = "postgresql" // sqlc's default for version 1
	case engine == "":
		errs.Errorf(b.Pos, "%s has no engine: sqlc needs engine: postgresql, mysql or sqlite in every sql: block", blockName(version, b))
	case engine != "postgresql" && engine != "mysql" && engine != "sqlite":
		errs.Errorf(pos(engineNode), "unknown engine %q: sqlc knows postgresql, mysql and sqlite", engine)
	default:
		b.Engine = engine
	}
	for _, p := range []struct {
		key  string
		list *[]string
		at   *[]source.Pos
	}{{"schema", &b.Schema, &b.SchemaPos}, {"queries", &b.Queries, &b.QueriesPos}} {
		n := valueNode(e, p.key)
		if n == e {
			continue
		}
		var l stringList
		if n.Decode(&l) != nil {
			continue // the strict decoding reported it
		}
		*p.list, *p.at = l, entryPositions(n, len(l), pos)
	}

	goNode := e // version 1: the package holds the Go options
	if version == "2" {
		goNode = valueNode(valueNode(e, "gen"), "go")
		if goNode == valueNode(e, "gen") || goNode.Kind != yaml.MappingNode {
			goNode = nil
		}
	}
	if goNode != nil {
		b.Go = true
		outKey := map[string]string{"1": "path", "2": "out"}[version]
		var outNode *yaml.Node
		b.Out, outNode = str(goNode, outKey)
		if b.Out == "" {
			at := pos(goNode)
			if outNode != nil {
				at = pos(outNode)
			}
			if version == "1" {
				errs.Errorf(at, "%s has no path: sqlc needs the package's output directory (path: …)", blockName(version, b))
			} else {
				errs.Errorf(at, "gen.go of %s has no out: sqlc needs the output directory (out: …)", blockName(version, b))
			}
		}
		var pkgNode *yaml.Node
		b.SQLPackage, pkgNode = str(goNode, "sql_package")
		b.SQLPackagePos = pos(goNode)
		if version == "2" {
			b.SQLPackagePos = pos(keyNode(valueNode(e, "gen"), "go"))
		}
		if pkgNode != nil {
			b.SQLPackagePos = pos(pkgNode)
		}
	}
	if version == "2" {
		if j := valueNode(valueNode(e, "gen"), "json"); j != valueNode(e, "gen") && j.Kind == yaml.MappingNode {
			if out, _ := str(j, "out"); out == "" {
				errs.Errorf(pos(j), "gen.json of %s has no out: sqlc needs the output directory (out: …)", blockName(version, b))
			}
		}
	}
	return b, errs
}

// checkPlugins reports codegen entries naming no plugin or no output, or a
// plugin plugins: does not define, as sqlc does.
func checkPlugins(doc, list *yaml.Node, pos func(*yaml.Node) source.Pos, errs *diag.List) {
	defined := map[string]bool{}
	if plugins := valueNode(doc, "plugins"); plugins != doc && plugins.Kind == yaml.SequenceNode {
		for _, p := range plugins.Content {
			name := valueNode(p, "name")
			switch {
			case name == p || name.Value == "":
				errs.Errorf(pos(p), "a plugin has no name: sqlc needs name: for every entry of plugins:")
			case name.Value == "go" || name.Value == "json":
				errs.Errorf(pos(name), "plugin %q: a built-in plugin with that name already exists; rename it", name.Value)
			case defined[name.Value]:
				errs.Errorf(pos(name), "plugin %q is defined twice", name.Value)
			}
			if process, wasm := valueNode(p, "process"), valueNode(p, "wasm"); process == p && wasm == p {
				errs.Errorf(pos(p), "plugin %q needs process: {cmd: …} or wasm: {url: …, sha256: …}", name.Value)
			} else if process != p && wasm != p {
				errs.Errorf(pos(p), "plugin %q has both process: and wasm:; keep one", name.Value)
			} else if process != p && valueNode(process, "cmd").Value == "" {
				errs.Errorf(pos(process), "plugin %q: process needs cmd:", name.Value)
			}
			defined[name.Value] = true
		}
	}
	for _, e := range list.Content {
		cg := valueNode(e, "codegen")
		if cg == e || cg.Kind != yaml.SequenceNode {
			continue
		}
		for _, c := range cg.Content {
			plugin, out := valueNode(c, "plugin"), valueNode(c, "out")
			switch {
			case plugin == c || plugin.Value == "":
				errs.Errorf(pos(c), "a codegen entry has no plugin: name one of plugins:")
			case !defined[plugin.Value]:
				errs.Errorf(pos(plugin), "codegen plugin %q is not defined under plugins:", plugin.Value)
			}
			if out == c || out.Value == "" {
				errs.Errorf(pos(c), "a codegen entry has no out: sqlc needs the output directory")
			}
		}
	}
}

// blockName names block b in a message: its name: when it has one.
func blockName(version string, b SQLCBlock) string {
	kind := map[string]string{"1": "package", "2": "sql block"}[version]
	if b.Name != "" {
		return fmt.Sprintf("%s %q", kind, b.Name)
	}
	return fmt.Sprintf("%s %d", kind, b.Index+1)
}

// keyNode returns the key node of key in mapping n, or n when absent.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return n
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return n
}

func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return strconv.Quote(n.Value)
	}
	return "(not a string)"
}

func strictDecode(content []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(content))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// yamlLine finds the "line N:" yaml.v3 puts in its messages.
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlField rewrites yaml.v3's message for an unknown key.
var yamlField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// addYAMLErrors turns a yaml.v3 error into located diagnostics: each of its
// "line N: …" messages at the first key or value on line N.
func addYAMLErrors(errs *diag.List, file string, root *yaml.Node, content []byte, err error, prefix string) {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		at := source.Pos{File: file, Line: 1, Col: 1}
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			line, _ := strconv.Atoi(sm[1])
			m = sm[2]
			// The key or value the message names, else the line's first node.
			hint := ""
			if fm := yamlField.FindStringSubmatch(m); fm != nil {
				hint = fm[1]
			} else if vm := yamlValue.FindStringSubmatch(m); vm != nil {
				hint = vm[1]
			}
			at = source.Pos{File: file, Line: line, Col: firstColumn(root, content, line, hint)}
		}
		if fm := yamlField.FindStringSubmatch(m); fm != nil {
			m = fmt.Sprintf("unknown key %q: %sdoes not read it (a misspelt key, or one of another config version)", fm[1], prefix)
		}
		errs.Errorf(at, "%s", m)
	}
}

// yamlValue finds the value yaml.v3 quotes in a type error.
var yamlValue = regexp.MustCompile("`([^`]*)`")

// firstColumn is the column of the scalar hint on line, or of the first node
// on line, or of the line's first character that is not a space.
func firstColumn(root *yaml.Node, content []byte, line int, hint string) int {
	col, hinted := 0, 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Line == line && n.Kind != yaml.DocumentNode && (col == 0 || n.Column < col) {
			col = n.Column
		}
		if n.Line == line && hint != "" && n.Kind == yaml.ScalarNode && n.Value == hint && hinted == 0 {
			hinted = n.Column
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	if root != nil {
		walk(root)
	}
	if hinted > 0 {
		return hinted
	}
	if col > 0 {
		return col
	}
	lines := strings.Split(string(content), "\n")
	if line >= 1 && line <= len(lines) {
		return len(lines[line-1]) - len(strings.TrimLeft(lines[line-1], " \t")) + 1
	}
	return 1
}
