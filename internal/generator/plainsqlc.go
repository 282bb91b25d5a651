package generator

import (
	"os"
	"path"
	"path/filepath"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

// checkPlainSQLC reports (rule sqlc-config-incomplete), for each block
// tenantc wraps, what its entry of the sqlc config lacks of what a run hands
// sqlc — schema files from tenantc's migrations directory, the standard
// queries and the tenant-column overrides — so that plain `sqlc generate` on
// the project would write other code than tenantc's sqlc run, and `sqlc diff`
// would fail.
func checkPlainSQLC(cfg *config.Config, in sqlcrun.Input) diag.List {
	migDir := cleanSlash(cfg.Migrations.Dir)
	crudDir := cleanSlash(cfg.StandardQueries.Dir)
	var diags diag.List
	for _, b := range in.Blocks {
		add := sqlcrun.Additions{Overrides: in.Overrides, TenantColumns: in.TenantColumns, Block: b.Index}
		for _, f := range b.Schema {
			if path.Dir(cleanSlash(f.Path)) == migDir {
				add.MigrationsDir = migDir
				break
			}
		}
		for _, f := range b.Queries {
			if path.Dir(cleanSlash(f.Path)) == crudDir {
				add.StandardQueriesDir = crudDir
				break
			}
		}
		diags = append(diags, sqlcrun.CheckAligned(in.Config, in.ConfigName, add)...)
	}
	return diags
}

// vetPlainSQLC is checkPlainSQLC for vet, which runs no sqlc and plans no
// migration: generate hands a wrapped block migrations when the migrations
// directory holds some or when there is a tenant root (its policies are a
// migration), and standard queries when a scoped table it defines gets any.
func vetPlainSQLC(dir string, cfg *config.Config, res *Result, queryFiles []*source.File, queries []*catalog.Query) (diag.List, error) {
	if cfg.SQLCFile == "" || res.Model == nil {
		return nil, nil
	}
	in := sqlcrun.Input{ConfigName: cfg.SQLCFile}
	in.Overrides, in.TenantColumns = tenantOverrides(res.Model, queries)
	var err error
	if in.Config, err = os.ReadFile(filepath.Join(dir, cfg.SQLCFile)); err != nil {
		return nil, err
	}
	blocks, err := tenantBlocks(dir, res, queryFiles, queries)
	if err != nil {
		return nil, err
	}
	taken := map[string]bool{}
	for _, q := range queries {
		taken[q.Name] = true
	}
	crudFiles := crud.Generate(res.Model, taken)
	for _, b := range blocks {
		sb := sqlcrun.Block{Index: b.index}
		for _, f := range b.schema {
			sb.Schema = append(sb.Schema, sqlcrun.File{Path: f.Path})
		}
		sb.Schema = append(sb.Schema, sqlcrun.File{Path: cfg.Migrations.Dir + "/next.sql"})
		for _, cf := range crudFiles {
			if b.defines[cf.Table] {
				sb.Queries = append(sb.Queries, sqlcrun.File{Path: cfg.StandardQueries.Dir + "/" + crud.FileName(cf.Table)})
			}
		}
		in.Blocks = append(in.Blocks, sb)
	}
	return checkPlainSQLC(cfg, in), nil
}
