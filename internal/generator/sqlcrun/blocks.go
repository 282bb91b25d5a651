package sqlcrun

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/output"
)

// configFile is the name of the rewritten config in the temporary directory.
const configFile = "sqlc.yaml"

// tenantDir is the directory, in the temporary tree, of the copies of a wrapped
// block's inputs and of its output: _tenantc/<index>/{schema,queries,out}.
const tenantDir = "_tenantc"

// run is one sqlc run being prepared: the rewritten config and the files
// sqlc reads, under root.
type run struct {
	root   string
	config []byte
	// files are the files to write under root, by slash path; names maps the
	// copies of Blocks' inputs back to the user's paths.
	files map[string][]byte
	names map[string]string
	// joined: a block's schema is one file among files (joinSchema).
	joined bool
	// tenant are the wrapped blocks, in Input.Blocks order.
	tenant []*tenantBlock
	// plainGo are the Go outputs of the blocks run as written: their out
	// directory and the sqlc-gen-go options and query files that name what
	// sqlc writes there.
	plainGo []plainGo
	// tenantNodes are the wrapped blocks as written (before rewriting) and
	// globalOverrides the config's overrides for every block, for checkOptions.
	tenantNodes     []*yaml.Node
	globalOverrides []*yaml.Node
}

type tenantBlock struct {
	index   int
	out     string
	pkg     string
	names   []string
	queries []File
}

type plainGo struct {
	out     string
	opts    map[string]any
	queries []File
}

// plan rewrites in.Config for one sqlc run in tmp: Blocks read copies of
// their inputs and write into _tenantc/<i>/out; every other block keeps its
// paths, and the files they name are copied to the same paths under the run's
// root (nested as deep as a "../" path climbs), so sqlc reads and writes
// exactly what it would in the project. database:, analyzer:, rules: and
// cloud: stay as configured (sqlc runs with --no-remote); a plugin's relative
// cmd is made absolute, as the run is not in the project directory.
func plan(in Input, tmp string) (*run, error) {
	var root yaml.Node
	if in.Config != nil {
		if err := yaml.Unmarshal(in.Config, &root); err != nil {
			return nil, err
		}
	}
	if len(root.Content) == 0 {
		def := fmt.Sprintf("version: \"2\"\nsql:\n- engine: postgresql\n  gen: {go: {package: %s, out: %s, sql_package: pgx/v5}}\n", DefaultPackage, DefaultOut)
		if err := yaml.Unmarshal([]byte(def), &root); err != nil {
			return nil, err
		}
	}
	doc := root.Content[0]
	version := get(doc, "version")
	if version == nil || (version.Value != "1" && version.Value != "2") {
		return nil, errors.New(`the sqlc config needs version: "1" or "2"`)
	}
	v1 := version.Value == "1"
	listKey := "sql"
	if v1 {
		listKey = "packages"
	}
	list := get(doc, listKey)
	if list == nil || list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("the sqlc config has no %s", listKey)
	}
	blocks := in.Blocks
	if blocks == nil && (in.Schema != nil || in.Queries != nil || in.Config == nil) {
		for i, e := range list.Content {
			if goOptions(e, v1) != nil && (v1 || get(e, "engine") == nil || get(e, "engine").Value == "postgresql") {
				blocks = []Block{{Index: i, Schema: in.Schema, Queries: in.Queries}}
				break
			}
		}
		if blocks == nil {
			return nil, errors.New(`no postgresql block with gen.go options: tenantc generates Go`)
		}
	}

	r := &run{files: map[string][]byte{}, names: map[string]string{}}
	if g := get(doc, "overrides"); g != nil {
		if v1 {
			r.globalOverrides = []*yaml.Node{g}
		} else {
			r.globalOverrides = findValues(g, "overrides")
		}
	}

	// Blocks run as written: copy what they read, at their own paths.
	wrapped := map[int]Block{}
	for _, b := range blocks {
		wrapped[b.Index] = b
	}
	var plain []*yaml.Node
	for i, e := range list.Content {
		b, ok := wrapped[i]
		if !ok {
			plain = append(plain, e)
			continue
		}
		r.tenantNodes = append(r.tenantNodes, deepCopy(e))
		if !v1 { // gen.json and codegen of a wrapped block run as written
			gen := get(e, "gen")
			if get(gen, "json") != nil || get(e, "codegen") != nil {
				rest := deepCopy(e)
				del(get(rest, "gen"), "go")
				plain = append(plain, rest)
				list.Content = append(list.Content, rest)
				del(gen, "json")
				del(e, "codegen")
			}
		}
		tb, err := r.wrap(b, e, v1, in.Overrides)
		if err != nil {
			return nil, err
		}
		r.tenant = append(r.tenant, tb)
	}
	depth := 0
	for _, e := range plain {
		for _, p := range slices.Concat(paths(get(e, "schema")), paths(get(e, "queries"))) {
			depth = max(depth, climbs(p))
		}
	}
	r.root = filepath.Join(tmp, "w"+strings.Repeat("/x", depth))
	for _, e := range plain {
		if _, err := r.copyPaths(in.Dir, paths(get(e, "schema"))); err != nil {
			return nil, err
		}
		queries, err := r.copyPaths(in.Dir, paths(get(e, "queries")))
		if err != nil {
			return nil, err
		}
		if o := goOptions(e, v1); o != nil {
			outKey := "out"
			if v1 {
				outKey = "path"
			}
			var opts map[string]any
			if err := o.Decode(&opts); err != nil {
				return nil, err
			}
			if out, ok := opts[outKey].(string); ok && out != "" {
				r.plainGo = append(r.plainGo, plainGo{out: path.Clean(filepath.ToSlash(out)), opts: opts, queries: queries})
			}
		}
	}
	if plugins := get(doc, "plugins"); plugins != nil && in.Dir != "" {
		abs, err := filepath.Abs(in.Dir)
		if err != nil {
			return nil, err
		}
		for _, p := range plugins.Content {
			if cmd := get(get(p, "process"), "cmd"); cmd != nil && relativeCmd(cmd.Value) {
				cmd.Value = filepath.Join(abs, filepath.FromSlash(cmd.Value))
				cmd.Style = 0
			}
		}
	}
	var err error
	r.config, err = yaml.Marshal(&root)
	return r, err
}

// relativeCmd reports whether a plugin's cmd is a path relative to the
// directory sqlc runs in; a bare name is looked up in PATH.
func relativeCmd(cmd string) bool {
	return cmd != "" && !filepath.IsAbs(cmd) && strings.ContainsAny(cmd, `/\`)
}

// wrap points block e's paths at copies of b's files and its Go output at
// _tenantc/<i>/out, with the tenant overrides added. The package name stays
// the one sqlc would give the block's own out.
func (r *run) wrap(b Block, e *yaml.Node, v1 bool, overrides []map[string]any) (*tenantBlock, error) {
	o := goOptions(e, v1)
	if o == nil {
		return nil, fmt.Errorf("block %d of the sqlc config has no gen.go options: tenantc generates Go", b.Index+1)
	}
	var opts map[string]any
	if err := o.Decode(&opts); err != nil {
		return nil, err
	}
	outKey, pkgKey := "out", "package"
	if v1 {
		outKey, pkgKey = "path", "name"
	}
	tb := &tenantBlock{index: b.Index, out: DefaultOut, queries: b.Queries}
	if out, ok := opts[outKey].(string); ok && out != "" {
		tb.out = path.Clean(filepath.ToSlash(out))
	}
	tb.pkg, _ = opts[pkgKey].(string)
	if tb.pkg == "" {
		tb.pkg = path.Base(tb.out)
		set(o, pkgKey, scalar(tb.pkg))
	}
	tb.names = outputNames(opts, b.Queries)

	dir := fmt.Sprintf("%s/%d", tenantDir, b.Index)
	seen := map[string]bool{}
	add := func(kind string, i int, f File) {
		// Schema files are numbered: sqlc reads them in name order. Query files
		// keep their base name where it is unique, because sqlc names its output
		// and the "source:" line after it.
		name := dir + "/" + kind + "/" + path.Base(f.Path)
		if seen[name] || kind == "schema" {
			name = fmt.Sprintf("%s/%s/%04d_%s", dir, kind, i, path.Base(f.Path))
		}
		if !strings.HasSuffix(name, ".sql") {
			name += ".sql"
		}
		seen[name] = true
		r.names[name] = f.Path
		r.files[name] = []byte(f.SQL)
	}
	if b.SchemaParsed && len(b.Schema) > 1 && get(e, "database") == nil && joinable(b.Schema) {
		// Not with a database: sqlc's analyzer runs the schema's text there.
		r.files[dir+"/schema/"+joinedSchema] = []byte(joinSchema(b.Schema))
		r.joined = true
	} else {
		for i, f := range b.Schema {
			add("schema", i, f)
		}
	}
	for i, f := range b.Queries {
		add("queries", i, f)
	}
	set(e, "schema", scalar(dir+"/schema"))
	set(e, "queries", scalar(dir+"/queries"))
	set(o, outKey, scalar(dir+"/out"))
	if len(overrides) > 0 {
		list := get(o, "overrides")
		if list == nil || list.Kind != yaml.SequenceNode {
			list = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			set(o, "overrides", list)
		}
		for _, ov := range overrides {
			// An override the user already gives, as a sqlc.yaml aligned for
			// plain sqlc does, is not given twice: sqlc would match every
			// column against both (a tenth of a 500-table run).
			if hasOverride(list, ov) {
				continue
			}
			var n yaml.Node
			if err := n.Encode(ov); err != nil {
				return nil, err
			}
			list.Content = append(list.Content, &n)
		}
	}
	return tb, nil
}

// copyPaths copies the files sqlc reads for paths (as sqlpath.Glob finds them:
// globs expanded, a directory's entries) from the project in dir to the same
// paths under the run's root, and returns the query files among them. A path
// that names nothing is left for sqlc to report.
func (r *run) copyPaths(dir string, paths []string) ([]File, error) {
	var read []File
	for _, p := range paths {
		full := filepath.Join(dir, filepath.FromSlash(p))
		matches := []string{full}
		if strings.ContainsAny(p, "*?[]") {
			var err error
			if matches, err = filepath.Glob(full); err != nil {
				continue // sqlc reports the bad pattern
			}
		}
		for _, m := range matches {
			info, err := os.Stat(m)
			if err != nil {
				continue
			}
			files := []string{m}
			if info.IsDir() {
				entries, err := os.ReadDir(m)
				if err != nil {
					return nil, err
				}
				files = files[:0]
				for _, e := range entries {
					if e.Type().IsRegular() {
						files = append(files, filepath.Join(m, e.Name()))
					}
				}
			}
			for _, f := range files {
				rel, err := filepath.Rel(dir, f)
				if err != nil {
					return nil, err
				}
				rel = filepath.ToSlash(rel)
				content, err := os.ReadFile(f)
				if err != nil {
					return nil, err
				}
				r.files[rel] = content
				if strings.HasSuffix(rel, ".sql") && !strings.HasPrefix(path.Base(rel), ".") {
					read = append(read, File{Path: rel, SQL: string(content)})
				}
			}
		}
	}
	return read, nil
}

// collect sorts what sqlc wrote (outputs, slash paths under the run's root):
// the wrapped blocks' output directories, and every other file it added or
// changed, at its project path.
func (r *run) collect(outputs map[string][]byte) (*Result, error) {
	res := &Result{}
	byIndex := map[int]*BlockResult{}
	for _, tb := range r.tenant {
		br := BlockResult{Index: tb.index, Out: tb.out, Package: tb.pkg, Names: tb.names}
		res.Blocks = append(res.Blocks, br)
	}
	for i := range res.Blocks {
		byIndex[res.Blocks[i].Index] = &res.Blocks[i]
	}
	renames := map[int]map[string]string{}
	for _, tb := range r.tenant {
		renames[tb.index] = queryRenames(r.names, fmt.Sprintf("%s/%d/queries/", tenantDir, tb.index))
	}
	for rel, content := range outputs {
		if rest, ok := strings.CutPrefix(rel, tenantDir+"/"); ok {
			idx, name, _ := strings.Cut(rest, "/out/")
			i, convErr := strconv.Atoi(idx)
			br := byIndex[i]
			if convErr != nil || br == nil || name == "" || strings.Contains(name, "/") {
				continue // the copies of the inputs
			}
			if n, ok := renames[i][name]; ok {
				name = n
			}
			br.Files = append(br.Files, output.File{Path: br.Out + "/" + name, Content: content})
			continue
		}
		if rel == configFile {
			continue
		}
		res.Plain = append(res.Plain, output.File{Path: rel, Content: content})
	}
	for i := range res.Blocks {
		b := &res.Blocks[i]
		sort.Slice(b.Files, func(i, j int) bool { return b.Files[i].Path < b.Files[j].Path })
	}
	sort.Slice(res.Plain, func(i, j int) bool { return res.Plain[i].Path < res.Plain[j].Path })
	for _, g := range r.plainGo {
		res.PlainPrune = append(res.PlainPrune, output.Prune{Dir: g.out, SQLCNames: outputNames(g.opts, g.queries)})
	}
	if len(res.Blocks) > 0 {
		b := res.Blocks[0]
		res.Out, res.Package, res.Files, res.Names = b.Out, b.Package, b.Files, b.Names
	}
	return res, nil
}

// queryRenames maps the output names of the numbered copies under dir back
// to their files' own names, where those are free: sqlc names a query file's
// output after it.
func queryRenames(names map[string]string, dir string) map[string]string {
	rename := map[string]string{}
	for tmpName, orig := range names {
		if strings.HasPrefix(tmpName, dir) && path.Base(tmpName) != path.Base(orig) {
			if _, taken := names[dir+path.Base(orig)]; !taken {
				rename[path.Base(tmpName)+".go"] = path.Base(orig) + ".go"
			}
		}
	}
	return rename
}

// goOptions returns block e's sqlc-gen-go options: gen.go in version 2, the
// package itself in version 1; nil when it has none.
func goOptions(e *yaml.Node, v1 bool) *yaml.Node {
	if v1 {
		return e
	}
	o := get(get(e, "gen"), "go")
	if o == nil || o.Kind != yaml.MappingNode {
		return nil
	}
	return o
}

// paths reads a schema: or queries: value: a path or a list of them.
func paths(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// climbs counts the leading "../" of a path.
func climbs(p string) int {
	n := 0
	for _, part := range strings.Split(path.Clean(filepath.ToSlash(p)), "/") {
		if part != ".." {
			break
		}
		n++
	}
	return n
}

func get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func set(n *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content[i+1] = v
			return
		}
	}
	n.Content = append(n.Content, scalar(key), v)
}

func del(n *yaml.Node, key string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			n.Content = slices.Delete(n.Content, i, i+2)
			return
		}
	}
}

func scalar(v string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
}

func deepCopy(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, k := range n.Content {
		c.Content[i] = deepCopy(k)
	}
	return &c
}

// hasOverride reports whether list holds an override of exactly ov's column
// with exactly its go_type, both written as plain strings.
func hasOverride(list *yaml.Node, ov map[string]any) bool {
	for _, o := range list.Content {
		_, col := mappingValue(o, "column")
		_, goType := mappingValue(o, "go_type")
		if col != nil && goType != nil && col.Kind == yaml.ScalarNode && goType.Kind == yaml.ScalarNode &&
			col.Value == ov["column"] && goType.Value == ov["go_type"] {
			return true
		}
	}
	return false
}
