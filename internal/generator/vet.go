package generator

import (
	"slices"

	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/store"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Vet judges the project in opts.Dir as its SQL stands, without a database and
// without writing anything: the schema files and the migrations directory are
// parsed (with the backfill migrations of scoped: tables that lack the tenant
// column, planned in memory), tenancy.Analyze classifies the tables,
// tenancy.CheckPolicies judges their row level security as the SQL leaves it
// (a table whose migration generate has not written yet has none), and, with a
// sqlc config, tenancy.CheckQueries judges the queries. Rule severities follow
// tenantc.yaml's rules: and then opts.Rules.
//
// Every finding, syntax errors included, is in Result.Diagnostics, sorted; the
// error is only for a run that could not happen: a config file that cannot be
// read or is invalid (a diag.ErrorList), or SQL files that cannot be read.
// Result.Migrations and Result.Files stay empty.
func Vet(opts Options) (*Result, error) {
	cfg, err := config.LoadFile(opts.Dir, opts.SQLCFile)
	if err != nil {
		return nil, err
	}
	if err := config.RequireProject(cfg); err != nil {
		return nil, err
	}
	st, err := begin(cfg, opts)
	if err != nil {
		return nil, err
	}
	res, overrides := st.res, st.overrides
	if res.Diagnostics.HasErrors() { // paths or layout: nothing to judge yet
		res.Diagnostics.Sort()
		return res, nil
	}

	var diags diag.List
	res.Catalog, diags = parse.Files(res.Sources)
	if len(cfg.Scoped) > 0 && !diags.HasErrors() {
		// The scoped: tables that lack the tenant column are judged as
		// generate will leave them, with their backfill, in memory only: as
		// they stand they would be reported indirectly-owned, with a fix by
		// hand that the backfill migrations already are.
		bf, bfDiags, err := planBackfill(res, migration.Options{Dir: st.migDir, Format: cfg.Migrations.Format, Existing: st.existing})
		if err != nil {
			return nil, err
		}
		if len(bf) > 0 {
			ups := slices.Clone(res.Sources)
			for _, m := range bf {
				ups = append(ups, m.Up)
			}
			res.Catalog, diags = parse.Files(ups)
		}
		diags = append(diags, bfDiags...)
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	if !diags.HasErrors() {
		// Vet does not plan the store's migration: a schema that lacks the
		// store's tables just lacks them.
		res.Model, diags = tenancy.Analyze(res.Catalog, tenancy.ConfigOf(cfg, store.Owned(cfg)))
		res.Diagnostics = append(res.Diagnostics, overrides.Apply(diags)...)
		res.Diagnostics = append(res.Diagnostics, overrides.UnknownTables(res.Catalog)...)
		res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckPolicies(res.Model))...)
	}

	if cfg.SQLCFile != "" {
		queryFiles, err := readQueries(opts.Dir, cfg.Queries)
		if err != nil {
			return nil, err
		}
		queries, diags := parse.Queries(queryFiles)
		res.Diagnostics = append(res.Diagnostics, diags...)
		if !diags.HasErrors() && res.Model != nil {
			res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckQueries(res.Model, queries))...)
			if cfg.Citus() {
				res.Diagnostics = append(res.Diagnostics, overrides.Apply(tenancy.CheckCitusQueries(res.Model, queries))...)
			}
			plain, err := vetPlainSQLC(opts.Dir, cfg, res, queryFiles, queries)
			if err != nil {
				return nil, err
			}
			res.Diagnostics = append(res.Diagnostics, overrides.Apply(plain)...)
		}
	}
	res.Diagnostics.Sort()
	return res, nil
}
