package generator

import (
	"os"
	"path"
	"path/filepath"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

// checkPlainSQLC reports (rule sqlc-config-incomplete) what the sqlc config
// lacks of what a run hands sqlc — schema files from tenantc's migrations
// directory, the standard queries (standard: there are some) and the
// tenant-column overrides — so that plain `sqlc generate` on the project would
// write other code than tenantc's sqlc run, and `sqlc diff` would fail.
func checkPlainSQLC(cfg *config.Config, in sqlcrun.Input, standard bool) diag.List {
	add := sqlcrun.Additions{Overrides: in.Overrides}
	migDir := cleanSlash(cfg.Migrations.Dir)
	for _, f := range in.Schema {
		if path.Dir(cleanSlash(f.Path)) == migDir {
			add.MigrationsDir = migDir
			break
		}
	}
	if standard {
		add.StandardQueriesDir = cleanSlash(cfg.StandardQueries.Dir)
	}
	return sqlcrun.CheckAligned(in.Config, in.ConfigName, add)
}

// vetPlainSQLC is checkPlainSQLC for vet, which runs no sqlc and plans no
// migration: generate hands sqlc migrations when the migrations directory
// holds some or when there is a tenant root (its policies are a migration),
// and standard queries when a scoped table gets any.
func vetPlainSQLC(dir string, cfg *config.Config, res *Result, queries []*catalog.Query) (diag.List, error) {
	if cfg.SQLCFile == "" || res.Model == nil {
		return nil, nil
	}
	in := sqlcrun.Input{ConfigName: cfg.SQLCFile, Overrides: tenantOverrides(res.Model)}
	var err error
	if in.Config, err = os.ReadFile(filepath.Join(dir, cfg.SQLCFile)); err != nil {
		return nil, err
	}
	for _, f := range res.Sources {
		in.Schema = append(in.Schema, sqlcrun.File{Path: f.Path})
	}
	if res.Model.Tenant.Key != "" {
		in.Schema = append(in.Schema, sqlcrun.File{Path: cfg.Migrations.Dir + "/next.sql"})
	}
	taken := map[string]bool{}
	for _, q := range queries {
		taken[q.Name] = true
	}
	return checkPlainSQLC(cfg, in, len(crud.Generate(res.Model, taken)) > 0), nil
}
