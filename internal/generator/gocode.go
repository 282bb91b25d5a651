package generator

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/crud"
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
// the schema sqlc sees) and appends to res.Files.
func generateGo(ctx context.Context, dir string, res *Result, overrides severity.Overrides) error {
	cfg := res.Config
	queryFiles, err := readQueries(dir, cfg.Queries)
	if err != nil {
		return err
	}
	userQueries, diags := parse.Queries(queryFiles)
	res.Diagnostics = append(res.Diagnostics, diags...)
	if !diags.HasErrors() {
		res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckQueries(res.Model, userQueries))...)
		if cfg.Citus() {
			res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckCitusQueries(res.Model, userQueries))...)
		}
	}
	res.Diagnostics = append(res.Diagnostics, checkPlainPaths(dir, cfg)...)
	blocks, err := tenantBlocks(dir, res, queryFiles)
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

	in := sqlcrun.Input{ConfigName: cfg.SQLCFile, Dir: dir, Overrides: tenantOverrides(res.Model), Blocks: []sqlcrun.Block{}}
	if in.Config, err = os.ReadFile(filepath.Join(dir, cfg.SQLCFile)); err != nil {
		return err
	}
	for _, b := range blocks {
		sb := sqlcrun.Block{Index: b.index}
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
	gen, diags, err := sqlcrun.Run(ctx, in)
	if err != nil {
		return err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	if diags.HasErrors() {
		return nil
	}
	var files []output.File
	prune := []output.Prune{{Dir: crudDir}}
	for i, out := range gen.Blocks {
		goFiles := slices.Clone(out.Files)
		repoFile, diags, err := repo.Generate(repo.Input{
			Model: res.Model, Package: out.Package, Dir: out.Out, SQLC: out.Files, Queries: blocks[i].repoQueries,
			SQLCVersion: gen.Version,
		})
		if err != nil {
			return err
		}
		res.Diagnostics = append(res.Diagnostics, diags...)
		if diags.HasErrors() {
			return nil
		}
		goFiles = append(goFiles, repoFile)
		// Code that does not compile is never written: generate fails instead.
		if diags := repo.TypeCheck(goFiles); diags.HasErrors() {
			res.Diagnostics = append(res.Diagnostics, diags...)
			return nil
		}
		files = append(files, goFiles...)
		prune = append(prune, output.Prune{Dir: out.Out, SQLCNames: out.Names})
	}
	res.Files = append(res.Files, files...)
	res.Files = append(res.Files, gen.Plain...)
	res.Prune = append(prune, gen.PlainPrune...)
	return nil
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
func tenantOverrides(m *tenancy.Model) []map[string]any {
	goType := repo.RuntimePath + ".ID"
	var out []map[string]any
	seen := map[string]bool{}
	for _, t := range m.Tables {
		if (t.Kind != tenancy.Scoped && t.Kind != tenancy.Root) || t.TenantColumn == nil {
			continue
		}
		col := overrideName(t.Name, t.TenantColumn.Name)
		if !seen[col] {
			seen[col] = true
			out = append(out, map[string]any{"column": col, "go_type": goType})
		}
	}
	return out
}

func overrideName(n catalog.Name, col string) string {
	return strings.Join([]string{n.Schema, n.Name, col}, ".")
}
