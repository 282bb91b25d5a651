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

// generateGo is the Go half of a run: the standard queries of every scoped table,
// sqlc's code for them and the user's queries, and the tenant-scoped
// repositories around it. It reads res.Sources and res.Files (the migrations
// planned in this run are part of the schema sqlc sees) and appends to
// res.Files.
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
	}
	// Without a tenant table there is no tenancy: sqlc's code alone is
	// written, as plain sqlc writes it — no repositories (their file would
	// hold nothing but would still import tenantc's runtime), so nothing a
	// tenant scope lacks.
	tenancyOn := res.Model.Tenant.Key != ""
	for _, q := range userQueries {
		if !tenancyOn {
			break
		}
		// Batch and COPY queries make sqlc's DBTX interface ask for SendBatch
		// and CopyFrom, which a tenant scope does not offer yet: every
		// repository would fail to compile.
		if strings.HasPrefix(q.Cmd, ":batch") || q.Cmd == ":copyfrom" {
			res.Diagnostics.Errorf(q.Pos, "query %s uses %s, which tenant scopes do not support yet; use :exec or :many in a tenant.Run transaction", q.Name, q.Cmd)
		}
	}
	if res.Diagnostics.HasErrors() {
		return nil
	}

	taken := map[string]bool{}
	for _, q := range userQueries {
		taken[q.Name] = true
	}
	crudFiles := crud.Generate(res.Model, taken)
	crudDir := cfg.StandardQueries.Dir

	in := sqlcrun.Input{ConfigName: cfg.SQLCFile, Overrides: tenantOverrides(res.Model)}
	if cfg.SQLCFile != "" {
		if in.Config, err = os.ReadFile(filepath.Join(dir, cfg.SQLCFile)); err != nil {
			return err
		}
	}
	for _, f := range res.Sources {
		in.Schema = append(in.Schema, sqlcrun.File{Path: f.Path, SQL: f.SQL})
	}
	for _, f := range res.Files { // this run's migrations, up parts only
		if strings.HasSuffix(f.Path, ".sql") && !source.IsDownFile(f.Path) {
			in.Schema = append(in.Schema, sqlcrun.File{Path: f.Path, SQL: source.Parse(f.Path, f.Content).SQL})
		}
	}
	for _, f := range queryFiles {
		in.Queries = append(in.Queries, sqlcrun.File{Path: f.Path, SQL: f.SQL})
	}
	var repoQueries []repo.Query
	for _, cf := range crudFiles {
		file := output.File{Path: crudDir + "/" + crud.FileName(cf.Table), Content: cf.Content()}
		res.Files = append(res.Files, file)
		in.Queries = append(in.Queries, sqlcrun.File{Path: file.Path, SQL: string(file.Content)})
		for _, q := range cf.Queries {
			repoQueries = append(repoQueries, repo.Query{Name: q.Name, Table: q.Table, Scoped: true, Pos: source.Pos{File: file.Path}, Standard: true})
		}
	}
	for _, q := range userQueries {
		t, scoped := tenancy.QueryTable(res.Model, q)
		repoQueries = append(repoQueries, repo.Query{Name: q.Name, Table: t, Scoped: scoped, Pos: q.Pos})
	}

	res.Diagnostics = append(res.Diagnostics, overrides.Apply(checkPlainSQLC(cfg, in, len(crudFiles) > 0))...)
	gen, diags, err := sqlcrun.Run(ctx, in)
	if err != nil {
		return err
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	if diags.HasErrors() {
		return nil
	}
	goFiles := slices.Clone(gen.Files)
	if tenancyOn {
		repoFile, diags, err := repo.Generate(repo.Input{
			Model: res.Model, Package: gen.Package, Dir: gen.Out, SQLC: gen.Files, Queries: repoQueries,
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
	}
	// Code that does not compile is never written: generate fails instead.
	if diags := repo.TypeCheck(goFiles); diags.HasErrors() {
		res.Diagnostics = append(res.Diagnostics, diags...)
		return nil
	}
	res.Files = append(res.Files, goFiles...)
	res.Prune = []output.Prune{{Dir: crudDir}, {Dir: gen.Out, SQLCNames: gen.Names}}
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
