package sqlcrun

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// File is an input file: its path as the user knows it and the SQL sqlc reads.
type File struct {
	Path string
	SQL  string
}

// Input is one sqlc run over every block of the project's sqlc config.
type Input struct {
	// Config is the project's sqlc config (nil when it has none: a default
	// version 2 config with one postgresql block).
	Config []byte
	// ConfigName is the config file's name, for messages.
	ConfigName string
	// Dir is the project directory, whose files the blocks sqlc runs as
	// written read, and against which a plugin's relative cmd is resolved.
	Dir string
	// Blocks are the blocks whose Go code tenantc wraps: sqlc reads their
	// Schema and Queries (copies) instead of the block's paths. Every other
	// block, and the gen.json and codegen of these, runs as written and
	// generates exactly what plain sqlc generates.
	Blocks []Block
	// Schema and Queries, with Blocks nil, are the files of the config's
	// first postgresql block with Go code (or of the default config's).
	Schema  []File
	Queries []File
	// Overrides are added to each of Blocks' Go overrides, after the user's own.
	// One may be a glob ("public.*.tenant_id") standing for several of
	// TenantColumns.
	Overrides []map[string]any
	// TenantColumns names every column Overrides type, "schema.table.column":
	// what a user's override must not retype.
	TenantColumns []string
	// Background, when set, takes what is left to do once sqlc's output is
	// read (storing it in the cache, removing the scratch directory), so the
	// caller goes on meanwhile and waits for it before it ends. Unset, Run
	// does it before returning.
	Background *sync.WaitGroup
}

// later runs f on in.Background, or now.
func (in Input) later(f func()) {
	if in.Background == nil {
		f()
		return
	}
	in.Background.Go(f)
}

// Block is one block of the config whose Go code tenantc wraps.
type Block struct {
	// Index is the block's place in sql: (version 1: packages:).
	Index int
	// Schema and Queries are read by sqlc in this order.
	Schema  []File
	Queries []File
	// SchemaParsed: every file of Schema parsed on its own, with the parser
	// sqlc uses, before this run (the migrations tenantc plans in the run
	// are its own text), so sqlc may read them as one file (see joinSchema).
	SchemaParsed bool
}

// Result is what sqlc generated.
type Result struct {
	// Out, Package, Files and Names are Blocks[0]'s, when there is one.
	Out     string
	Package string
	Files   []output.File
	Names   []string
	// Blocks holds what sqlc generated for each of Input.Blocks, in order.
	Blocks []BlockResult
	// Plain are the files the blocks run as written generated, paths
	// relative to the project, as plain sqlc writes them; PlainPrune the Go
	// output directories among them, with the names sqlc writes there.
	Plain      []output.File
	PlainPrune []output.Prune
	// Version is the sqlc that generated Files (see [Version]), for the
	// headers of the code generated around them.
	Version string
}

// BlockResult is sqlc's Go code for one of Input.Blocks.
type BlockResult struct {
	Index int
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
}

// Defaults used when the project has no sqlc.yaml.
const (
	DefaultOut     = "gen/db"
	DefaultPackage = "db"
)

// Run generates the code of every block of in.Config into memory, in one sqlc
// child process. sqlc works in a temporary directory: Blocks' inputs are copies
// under numbered names, the other blocks' files are copied at their own paths,
// so nothing of the project is written; its messages are mapped back to the
// user's files.
func Run(ctx context.Context, in Input) (*Result, diag.List, error) {
	var diags diag.List
	tmp, err := os.MkdirTemp("", "tenantc-sqlc-")
	if err != nil {
		return nil, nil, err
	}
	defer in.later(func() { os.RemoveAll(tmp) })

	p, err := plan(in, tmp)
	if err != nil {
		diags.Errorf(source.Pos{File: in.ConfigName}, "%v", err)
		return nil, diags, nil
	}
	if diags := checkOptions(in, p.tenantNodes, p.globalOverrides); diags.HasErrors() {
		return nil, diags, nil
	}
	// The inputs are written by generateCached, unless sqlc's output for them
	// is in the cache.
	p.files[configFile] = p.config
	outputs, stderr, runErr := generateCached(ctx, p.root, p.files, in.later)
	if runErr != nil && p.joined {
		// sqlc places a message that has no location of its own at 1:1 of
		// its file, which in a joined schema is no one file: the failed run
		// is run again with a copy per file, so its messages name exactly
		// what plain sqlc's do. Only a failing run pays for this.
		return Run(ctx, perFile(in))
	}
	if runErr != nil {
		// Paths sqlc names in full are the project's, under the run's root.
		stderr = strings.ReplaceAll(stderr, p.root+string(filepath.Separator), "")
		diags = append(diags, mapErrors(stderr, p.names)...)
		if len(diags) == 0 {
			return nil, nil, fmt.Errorf("%w\n%s", runErr, stderr)
		}
		return nil, diags, nil
	}
	res, err := p.collect(outputs)
	if err != nil {
		return nil, nil, err
	}
	if res.Version, err = Version(ctx); err != nil {
		return nil, nil, err
	}
	return res, nil, nil
}

// sqlcError matches the file:line:col: message lines sqlc prints.
var sqlcError = regexp.MustCompile(`^([^:\s]+):(\d+):(\d+): (.*)$`)

// antlrLine matches what the ANTLR parsers of sqlc's mysql and sqlite
// engines print by themselves ("line 2:25 extraneous input …"); sqlc reports
// the same error again with its file.
var antlrLine = regexp.MustCompile(`^line \d+:\d+ `)

func mapErrors(stderr string, names map[string]string) diag.List {
	var diags diag.List
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "# package") || antlrLine.MatchString(line) {
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
