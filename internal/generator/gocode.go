package generator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/repo"
	"github.com/tenantc/tenantc/internal/generator/severity"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// generateGo is the Go half of a run: for every postgresql block of the sqlc
// config that holds a tenant table, the standard queries of its scoped tables,
// sqlc's code for them and the block's queries, and the tenant-scoped
// repositories around it; every other block (mysql, sqlite, gen.json,
// codegen plugins, postgresql without tenant tables) generates exactly what
// plain sqlc generates. One sqlc child process runs every block. It reads
// res.Sources and res.Files (the migrations planned in this run are part of
// the schema sqlc sees) and appends to res.Files. queries are the config's
// query files, being read (readQueriesAsync).
func generateGo(ctx context.Context, opts Options, res *Result, overrides severity.Overrides, queries *pendingQueries) error {
	dir := opts.Dir
	cfg := res.Config
	<-queries.done
	queryFiles, userQueries, diags, err := queries.files, queries.parsed, queries.diags, queries.err
	if err != nil {
		return err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	if !diags.HasErrors() {
		res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckQueries(res.Model, userQueries))...)
		if cfg.Citus() {
			res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckCitusQueries(res.Model, userQueries))...)
		}
	}
	res.Diagnostics = append(res.Diagnostics, checkPlainPaths(dir, cfg)...)
	blocks, err := tenantBlocks(dir, res, queryFiles, userQueries)
	if err != nil {
		return err
	}
	for _, b := range blocks {
		res.Diagnostics = append(res.Diagnostics, b.diags...)
	}
	res.Diagnostics = append(res.Diagnostics, checkSharedOut(cfg, blocks)...)
	if res.Diagnostics.HasErrors() {
		return nil
	}

	taken := map[string]bool{}
	for _, q := range userQueries {
		taken[q.Name] = true
	}
	crudFiles := crud.Generate(res.Model, taken)
	crudDir := cfg.StandardQueries.Dir
	written := map[string]bool{}

	staged := len(res.Files) // Run staged these
	// The cache entry is stored, and the scratch directory removed, while
	// the repositories render.
	var background sync.WaitGroup
	defer background.Wait()
	in := sqlcrun.Input{ConfigName: cfg.SQLCFile, Dir: dir, Blocks: []sqlcrun.Block{}, Background: &background}
	in.Overrides, in.TenantColumns = tenantOverrides(res.Model, userQueries)
	if in.Config, err = os.ReadFile(filepath.Join(dir, cfg.SQLCFile)); err != nil {
		return err
	}
	for _, b := range blocks {
		sb := sqlcrun.Block{Index: b.index, SchemaParsed: b.schemaParsed}
		for _, f := range b.schema {
			sb.Schema = append(sb.Schema, sqlcrun.File{Path: f.Path, SQL: f.SQL})
		}
		for _, f := range res.Files { // this run's migrations, up parts only
			if strings.HasSuffix(f.Path, ".sql") && !source.IsDownFile(f.Path) {
				sb.Schema = append(sb.Schema, sqlcrun.File{Path: f.Path, SQL: source.Parse(f.Path, f.Content).SQL})
			}
		}
		for _, f := range b.queryFiles {
			sb.Queries = append(sb.Queries, sqlcrun.File{Path: f.Path, SQL: f.SQL})
		}
		for _, cf := range crudFiles {
			if !b.defines[cf.Table] {
				continue
			}
			file := output.File{Path: crudDir + "/" + crud.FileName(cf.Table), Content: cf.Content()}
			if !written[file.Path] {
				written[file.Path] = true
				res.Files = append(res.Files, file)
			}
			sb.Queries = append(sb.Queries, sqlcrun.File{Path: file.Path, SQL: string(file.Content)})
			for _, q := range cf.Queries {
				b.repoQueries = append(b.repoQueries, repo.Query{Name: q.Name, Table: q.Table, Scoped: true, Pos: source.Pos{File: file.Path}, Standard: true})
			}
		}
		for _, q := range b.queries {
			t, scoped := tenancy.QueryTable(res.Model, q)
			b.repoQueries = append(b.repoQueries, repo.Query{Name: q.Name, Table: t, Scoped: scoped, Pos: q.Pos, Cmd: q.Cmd})
		}
		in.Blocks = append(in.Blocks, sb)
	}

	res.Diagnostics = append(res.Diagnostics, overrides.Apply(checkPlainSQLC(cfg, in))...)
	opts.Stage.Add(res.Files[staged:]...) // the standard queries
	gen, diags, err := sqlcrun.Run(ctx, in)
	if err != nil {
		return err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	if diags.HasErrors() {
		return nil
	}
	for _, out := range gen.Blocks {
		opts.Stage.Add(out.Files...) // while the repositories render
	}
	opts.Stage.Add(gen.Plain...)
	var files []output.File
	prune := []output.Prune{{Dir: crudDir}}
	for i, out := range gen.Blocks {
		parsed, err := repo.Parse(out.Files)
		if err != nil {
			return err
		}
		rendered, diags, err := repo.Render(repo.Input{
			Model: res.Model, Package: out.Package, Dir: out.Out, SQLC: out.Files, Parsed: parsed,
			Queries: blocks[i].repoQueries, SQLCVersion: gen.Version,
		})
		if err != nil {
			return err
		}
		res.Diagnostics = append(res.Diagnostics, diags...)
		if diags.HasErrors() {
			return nil
		}
		// Code that does not compile is never written: generate fails instead.
		// The check depends on the files alone (the repositories' file is a
		// function of the source jennifer wrote), so a no-op regenerate,
		// whose files passed it in the run that wrote them, skips it.
		contents := map[string][]byte{rendered.Path: rendered.Source}
		for _, f := range out.Files {
			contents[f.Path] = f.Content
		}
		key, checked := sqlcrun.CheckedBefore("typecheck", contents)
		// gofmt's output is a function of the source too: a no-op takes it
		// from the cache and parses nothing.
		memo, repoContent, printed := sqlcrun.Recall("gofmt", rendered.Source)
		repoFile := output.File{Path: rendered.Path, Content: repoContent}
		if !checked || !printed {
			repoFile, diags, err = rendered.Finish(!checked)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				res.Diagnostics = append(res.Diagnostics, diags...)
				return nil
			}
			if !printed {
				background.Go(func() { sqlcrun.Remember(memo, repoFile.Content) })
			}
		}
		if !checked {
			sqlcrun.MarkChecked(key)
		}
		files = append(files, out.Files...)
		files = append(files, repoFile)
		prune = append(prune, output.Prune{Dir: out.Out, SQLCNames: out.Names})
	}
	res.Files = append(res.Files, files...)
	res.Files = append(res.Files, gen.Plain...)
	res.Prune = append(prune, gen.PlainPrune...)
	return nil
}

// pendingQueries are query files being read and parsed; their fields are
// set once done is closed.
type pendingQueries struct {
	done   chan struct{}
	files  []*source.File
	parsed []*catalog.Query
	diags  diag.List
	err    error
}

// readQueriesAsync reads and parses the query files in a goroutine.
func readQueriesAsync(dir string, paths []string) *pendingQueries {
	q := &pendingQueries{done: make(chan struct{})}
	go func() {
		defer close(q.done)
		if q.files, q.err = readQueries(dir, paths); q.err == nil {
			q.parsed, q.diags = parse.Queries(q.files)
		}
	}()
	return q
}

// readQueries reads the query files; the default directory may be missing.
func readQueries(dir string, paths []string) ([]*source.File, error) {
	var present []string
	for _, p := range paths {
		if _, err := os.Stat(filepath.Join(dir, p)); errors.Is(err, os.ErrNotExist) && !source.IsGlob(p) {
			continue
		}
		present = append(present, p)
	}
	files, err := source.ReadPaths(dir, present)
	// The standard queries tenantc wrote may sit among the user's (when the
	// query directory is also tenantc's); they are regenerated, not read.
	return slices.DeleteFunc(files, func(f *source.File) bool {
		return strings.HasPrefix(f.SQL, crud.Header)
	}), err
}

// tenantOverrides makes sqlc type every tenant column, and the tenant key, as the
// runtime's tenant.ID, so repositories can hand the scope's tenant to any query
// without conversion, and so a tenant id is never confused with another uuid.
// columns names each of those columns, "schema.table.column"; overrides is
// what sqlc is given for them.
//
// sqlc-gen-go matches every column of every query against every override,
// so one override per tenant table made a 500-table app's generate take 77
// seconds (issue 15). Where one glob, "schema.*.column", types exactly the
// columns one override per table would, it replaces them (globOverrides).
func tenantOverrides(m *tenancy.Model, queries []*catalog.Query) (overrides []map[string]any, columns []string) {
	goType := repo.RuntimePath + ".ID"
	seen := map[string]bool{}
	for _, t := range m.Tables {
		if (t.Kind != tenancy.Scoped && t.Kind != tenancy.Root) || t.TenantColumn == nil {
			continue
		}
		if col := overrideName(t.Name, t.TenantColumn.Name); !seen[col] {
			seen[col] = true
			columns = append(columns, col)
		}
	}
	globs := globOverrides(m, queries, columns)
	done := map[string]bool{}
	for _, col := range columns {
		name := col
		if g, ok := globs[col]; ok {
			name = g
		}
		if !done[name] {
			done[name] = true
			overrides = append(overrides, map[string]any{"column": name, "go_type": goType})
		}
	}
	return overrides, columns
}

// globOverrides returns, for the tenant columns a glob may stand for, that
// glob: "schema.*.column" for a column name that at least two of the tenant
// columns of the schema share, when sqlc would apply the glob to no other
// column — every table of the schema with a column of that name is a tenant
// table, the schema has no view (whose columns the catalog does not list),
// and, for public, no query reads a relation of its own (a CTE, a sub-select,
// a function), whose columns sqlc puts in public.
func globOverrides(m *tenancy.Model, queries []*catalog.Query, columns []string) map[string]string {
	if overrideForm == perColumn {
		return nil
	}
	tenantCol := map[string]bool{}
	count := map[[2]string]int{} // schema, column → tenant columns
	for _, c := range columns {
		tenantCol[c] = true
		p := strings.Split(c, ".")
		count[[2]string{p[0], p[2]}]++
	}
	unsafe := map[[2]string]bool{}
	for _, t := range m.Catalog.Tables {
		for _, c := range t.Columns {
			if !tenantCol[overrideName(t.Name, c.Name)] {
				unsafe[[2]string{t.Name.Schema, c.Name}] = true
			}
		}
	}
	views := map[string]bool{}
	for _, v := range m.Catalog.Views {
		views[v.Name.Schema] = true
	}
	derived := slices.ContainsFunc(queries, func(q *catalog.Query) bool { return q.Derived })
	out := map[string]string{}
	for _, c := range columns {
		p := strings.Split(c, ".")
		key := [2]string{p[0], p[2]}
		if count[key] < 2 || !globSafe(p[0]) || !globSafe(p[2]) {
			continue
		}
		if overrideForm != globUnguarded && (unsafe[key] || views[p[0]] || (p[0] == "public" && derived)) {
			continue
		}
		out[c] = p[0] + ".*." + p[2]
	}
	return out
}

// overrideForm is how tenantOverrides names the tenant columns. Only tests
// change it: to show that the glob types exactly the columns one override
// per table types (perColumn), and that without globOverrides' conditions it
// would not (globUnguarded).
var overrideForm = globWhereSafe

const (
	globWhereSafe = iota
	perColumn
	globUnguarded
)

// globSafe reports whether name reads as itself in an sqlc column pattern,
// where . separates the parts and *, ? and \ are pattern characters (a quote
// would be one sqlc keeps).
func globSafe(name string) bool {
	return name != "" && !strings.ContainsAny(name, `.*?\"`)
}

func overrideName(n catalog.Name, col string) string {
	return strings.Join([]string{n.Schema, n.Name, col}, ".")
}
