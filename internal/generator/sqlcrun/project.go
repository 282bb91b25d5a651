package sqlcrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// File is an input file: its path as the user knows it and the SQL sqlc reads.
type File struct {
	Path string
	SQL  string
}

// Input is one sqlc run, entirely in memory.
type Input struct {
	// Config is the project's sqlc.yaml (nil when it has none). Its first
	// postgresql entry supplies the Go options; tenantc replaces the paths.
	Config []byte
	// ConfigName is the config file's name, for messages.
	ConfigName string
	// Schema and Queries are read by sqlc in this order.
	Schema  []File
	Queries []File
	// Overrides are added to the entry's Go overrides, after the user's own.
	Overrides []map[string]any
}

// Result is what sqlc generated.
type Result struct {
	// Out is the output directory the project's config names, slash-separated.
	Out string
	// Package is the Go package name of the generated code.
	Package string
	// Files are the generated files, paths under Out.
	Files []output.File
	// Names are every file name sqlc may write into Out for this config and
	// these query files, whether or not this run wrote it (querier.go only
	// with emit_interface, batch.go only with batch queries, …): the files
	// of Out that are sqlc's to replace or prune.
	Names []string
	// Version is the sqlc that generated Files (see [Version]), for the
	// headers of the code generated around them.
	Version string
}

// Defaults used when the project has no sqlc.yaml.
const (
	DefaultOut     = "gen/db"
	DefaultPackage = "db"
)

// Run generates sqlc's Go code for in into memory. sqlc works in a temporary
// directory holding copies of the inputs under numbered names, so nothing of the
// project is written; its messages are mapped back to the user's files.
func Run(ctx context.Context, in Input) (*Result, diag.List, error) {
	if diags := checkOptions(in); diags.HasErrors() {
		return nil, diags, nil
	}
	var diags diag.List
	tmp, err := os.MkdirTemp("", "tenantc-sqlc-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)

	names := map[string]string{} // temporary path → user's path
	// inputs are the files of tmp, written by generateCached unless sqlc's
	// output for them is in the cache.
	inputs := map[string][]byte{}
	write := func(dir string, i int, f File) error {
		// Schema files are numbered: sqlc reads them in name order. Query files
		// keep their base name where it is unique, because sqlc names its output
		// and the "source:" line after it.
		name := dir + "/" + path.Base(f.Path)
		if _, taken := names[name]; taken || dir == "schema" {
			name = fmt.Sprintf("%s/%04d_%s", dir, i, path.Base(f.Path))
		}
		if !strings.HasSuffix(name, ".sql") {
			name += ".sql"
		}
		names[name] = f.Path
		inputs[name] = []byte(f.SQL)
		return nil
	}
	for i, f := range in.Schema {
		if err := write("schema", i, f); err != nil {
			return nil, nil, err
		}
	}
	for i, f := range in.Queries {
		if err := write("queries", i, f); err != nil {
			return nil, nil, err
		}
	}

	cfg, res, err := rewriteConfig(in)
	if err != nil {
		diags.Errorf(source.Pos{File: in.ConfigName}, "%v", err)
		return nil, diags, nil
	}
	inputs["sqlc.yaml"] = cfg
	stderr, runErr := generateCached(ctx, tmp, inputs)
	if runErr != nil {
		diags = append(diags, mapErrors(stderr, names)...)
		if len(diags) == 0 {
			return nil, nil, fmt.Errorf("%w\n%s", runErr, stderr)
		}
		return nil, diags, nil
	}

	outDir := filepath.Join(tmp, "out")
	entries, err := os.ReadDir(outDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	// sqlc names a query file's output after it: a numbered copy's output gets
	// its file's own name back where that is free.
	rename := map[string]string{}
	for tmpName, orig := range names {
		if strings.HasPrefix(tmpName, "queries/") && path.Base(tmpName) != path.Base(orig) {
			if _, taken := names["queries/"+path.Base(orig)]; !taken {
				rename[path.Base(tmpName)+".go"] = path.Base(orig) + ".go"
			}
		}
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		if r, ok := rename[name]; ok {
			name = r
		}
		content, err := os.ReadFile(filepath.Join(outDir, e.Name()))
		if err != nil {
			return nil, nil, err
		}
		res.Files = append(res.Files, output.File{Path: res.Out + "/" + name, Content: content})
	}
	sort.Slice(res.Files, func(i, j int) bool { return res.Files[i].Path < res.Files[j].Path })
	if res.Version, err = Version(ctx); err != nil {
		return nil, nil, err
	}
	return res, nil, nil
}

// sqlcError matches the file:line:col: message lines sqlc prints.
var sqlcError = regexp.MustCompile(`^([^:\s]+):(\d+):(\d+): (.*)$`)

func mapErrors(stderr string, names map[string]string) diag.List {
	var diags diag.List
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "# package") {
			continue
		}
		m := sqlcError.FindStringSubmatch(line)
		if m == nil {
			diags.Errorf(source.Pos{File: "sqlc"}, "%s", line)
			continue
		}
		file := filepath.ToSlash(m[1])
		if orig, ok := names[file]; ok {
			file = orig
		}
		ln, _ := strconv.Atoi(m[2])
		col, _ := strconv.Atoi(m[3])
		diags.Errorf(source.Pos{File: file, Line: ln, Col: col}, "sqlc: %s", m[4])
	}
	return diags
}

// rewriteConfig returns the project's sqlc config with the paths of its first
// postgresql entry pointed at the temporary copies, or a default config.
func rewriteConfig(in Input) ([]byte, *Result, error) {
	res := &Result{Out: DefaultOut, Package: DefaultPackage}
	doc := map[string]any{}
	if in.Config != nil {
		if err := yaml.Unmarshal(in.Config, &doc); err != nil {
			return nil, nil, err
		}
	}
	if len(doc) == 0 {
		doc = map[string]any{"version": "2", "sql": []any{map[string]any{
			"engine": "postgresql",
			"gen":    map[string]any{"go": map[string]any{"package": DefaultPackage, "out": DefaultOut, "sql_package": "pgx/v5"}},
		}}}
	}
	if v := fmt.Sprint(doc["version"]); v != "2" {
		return nil, nil, fmt.Errorf("tenantc needs a version 2 sqlc config (found version %q); see https://docs.sqlc.dev/en/latest/reference/config.html", v)
	}
	entries, _ := doc["sql"].([]any)
	var entry map[string]any
	for _, e := range entries {
		if m, ok := e.(map[string]any); ok && (m["engine"] == nil || m["engine"] == "postgresql") {
			entry = m
			break
		}
	}
	if entry == nil {
		return nil, nil, errors.New(`no postgresql entry under "sql"`)
	}
	gen, _ := entry["gen"].(map[string]any)
	goOpts, _ := gen["go"].(map[string]any)
	if goOpts == nil {
		return nil, nil, errors.New("the postgresql entry has no gen.go options: tenantc generates Go")
	}
	if pkg := goOpts["sql_package"]; pkg != "pgx/v5" {
		return nil, nil, fmt.Errorf("gen.go.sql_package is %v; tenantc's runtime needs pgx/v5: set sql_package: pgx/v5", pkg)
	}
	if out, ok := goOpts["out"].(string); ok {
		res.Out = path.Clean(filepath.ToSlash(out))
	}
	res.Names = outputNames(goOpts, in.Queries)
	if pkg, ok := goOpts["package"].(string); ok {
		res.Package = pkg
	} else {
		res.Package = path.Base(res.Out)
	}
	entry["engine"] = "postgresql"
	entry["schema"] = "schema"
	entry["queries"] = "queries"
	delete(entry, "database") // no database: sqlc analyses the schema files
	goOpts["out"] = "out"
	if len(in.Overrides) > 0 {
		overrides, _ := goOpts["overrides"].([]any)
		for _, o := range in.Overrides {
			overrides = append(overrides, o)
		}
		goOpts["overrides"] = overrides
	}
	doc["sql"] = []any{entry}
	out, err := yaml.Marshal(doc)
	return out, res, err
}

// outputNames returns the file names sqlc-gen-go writes for goOpts and the
// query files, as its codegen names them (internal/codegen/golang/gen.go):
// the output_*_file_name options or their defaults, and <query file> plus
// output_files_suffix plus ".go" for each query file.
func outputNames(goOpts map[string]any, queries []File) []string {
	option := func(key, def string) string {
		if v, ok := goOpts[key].(string); ok && v != "" {
			return v
		}
		return def
	}
	names := []string{
		option("output_db_file_name", "db.go"),
		option("output_models_file_name", "models.go"),
		option("output_querier_file_name", "querier.go"),
		option("output_copyfrom_file_name", "copyfrom.go"),
		option("output_batch_file_name", "batch.go"),
	}
	for i, n := range names {
		if !strings.HasSuffix(n, ".go") {
			names[i] = n + ".go"
		}
	}
	suffix := option("output_files_suffix", "")
	for _, q := range queries {
		n := path.Base(q.Path) + suffix
		if !strings.HasSuffix(n, ".go") {
			n += ".go"
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return slices.Compact(names)
}
