// Package generator runs tenantc's stages in order:
//
//	config.Load      tenantc.yaml (and sqlc.yaml for the paths it leaves out)
//	source.ReadSchema schema files and the migrations directory, up parts only
//	parse.Files      pg_query_go parse trees → catalog (plain Go values)
//	store.Plan       with the store enabled: the store's migration, if the
//	                 schema lacks it; the catalog is then parsed again with it
//	backfill.Plan    with scoped: tables that lack the tenant column: the
//	                 migrations that add, fill and key it on a populated
//	                 database; the catalog is then parsed again with them
//	tenancy.Analyze  catalog → tenancy model + located diagnostics
//	store.Resolve    the store's tables and bridge, checked
//	setter.Plan      distribute: citus: the tenant setter's migration, if the
//	                 schema lacks it (before the RLS migrations)
//	rls.Plan         model → one new migration per table that lacks its policies
//	distribute.Plan  with distribute: citus, one new migration per table Citus
//	                 does not distribute yet (after the RLS migrations, see
//	                 planMigrations)
//	roles.Plan       roles: in tenantc.yaml: the roles-and-grants migration,
//	                 once (after every other migration)
//	store.Generate   the store's typed Go package (text/template)
//
// and, for a project with a sqlc config (gocode.go):
//
//	parse.Queries    the user's query files → queries with what they touch
//	                 (read and parsed while the stages above run)
//	tenancy.CheckQueries  static checks of every query
//	crud.Generate    standard queries of every scoped table
//	sqlcrun.Run      sqlc, in a child process, over schema + migrations + queries
//	repo.Render      tenant-scoped repositories around sqlc's code (jennifer);
//	                 Finish gofmts them while the package is type-checked
//
// Run renders everything in memory; the caller decides whether to write it
// (output.Write) or only compare it with the disk (output.Diff).
package generator

import (
	"context"
	"path"
	"path/filepath"
	"slices"

	"github.com/tenantc/tenantc/internal/generator/backfill"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/distribute"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/rls"
	"github.com/tenantc/tenantc/internal/generator/roles"
	"github.com/tenantc/tenantc/internal/generator/setter"
	"github.com/tenantc/tenantc/internal/generator/severity"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/store"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Options tune one run.
type Options struct {
	// Dir is the project directory.
	Dir string
	// SQLCFile names the sqlc config in Dir (sqlc's -f); empty means
	// sqlc.yaml, sqlc.yml or sqlc.json, as sqlc looks for them.
	SQLCFile string
	// Rules overrides rule severities after the config file's own overrides.
	Rules map[string]diag.Severity
	// Stage, when set, is handed each file as soon as the run has rendered
	// it, so that the files are on disk, under temporary names, by the time
	// the run ends: most of a full run is sqlc's child, on one core. The
	// caller ends it, with Write or Discard. Nil for a run that writes
	// nothing.
	Stage *output.Stager
}

// Result is everything a run found and produced.
type Result struct {
	Config *config.Config
	// Sources are the SQL files read, in the order they apply: the schema paths,
	// then the migrations directory.
	Sources []*source.File
	Catalog *catalog.Catalog
	Model   *tenancy.Model
	// StoreMigration is the organization store's migration planned in this
	// run; nil when the store is off or the schema has it. It comes before
	// Migrations: the tenant root's policies may be on a table it creates.
	StoreMigration *store.Migration
	// Backfills are the backfill migrations of the scoped: tables that lack
	// the tenant column (columns, fill, keys), planned in this run; after
	// StoreMigration, before Migrations, whose policies need the column.
	Backfills []backfill.Migration
	// SetterMigration is the tenant setter's migration (distribute: citus)
	// planned in this run; nil otherwise or when the schema has it. It comes
	// before Migrations, whose policies read the setting it sets.
	SetterMigration *setter.Migration
	Migrations      []rls.Migration
	// Distributions are the Citus distribution migrations planned in this
	// run (distribute: citus), numbered after Migrations (planMigrations).
	Distributions []distribute.Migration
	// Roles are the roles-and-grants migrations planned in this run
	// (roles: in tenantc.yaml), numbered last (planMigrations).
	Roles []roles.Migration
	// Files is the generated output; empty when Diagnostics has errors.
	Files []output.File
	// Prune lists the directories whose files that tenantc (or the sqlc run
	// it drives) wrote, and Files no longer holds, are deleted when the output
	// is written.
	Prune []output.Prune
	// Diagnostics holds every warning and error, sorted by place.
	Diagnostics diag.List
}

// Run loads the project in opts.Dir and renders its output. The error is a
// diag.ErrorList when the input has errors; Result then still carries the
// diagnostics, warnings included. ctx bounds the run; the sqlc child process
// runs under it.
func Run(ctx context.Context, opts Options) (*Result, error) {
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
	res := st.res
	if res.Diagnostics.HasErrors() {
		return res, res.Diagnostics.Err()
	}
	var queries *pendingQueries
	if cfg.SQLCFile != "" {
		// The query files depend on nothing the schema's stages do: they are
		// read and parsed on the other core meanwhile. A run that ends
		// before generateGo waits for them too: nothing reads the project
		// after Run has returned.
		queries = readQueriesAsync(opts.Dir, cfg.Queries)
		defer func() { <-queries.done }()
	}

	migOpts := migration.Options{Dir: st.migDir, Format: cfg.Migrations.Format, Existing: st.existing}
	storeOpts := store.Options{Store: cfg.Store, Root: cfg.Tenant.Table, RootPos: cfg.TenantTablePos, Migrations: migOpts}
	var diags diag.List
	res.Catalog, diags = parse.Files(res.Sources)
	if cfg.Store.Enabled && !diags.HasErrors() {
		var storeDiags diag.List
		res.StoreMigration, storeDiags, err = store.Plan(res.Catalog, storeOpts)
		if err != nil {
			return res, err
		}
		if m := res.StoreMigration; m != nil {
			// The rest of the run sees the schema the store's migration makes,
			// as the next run will read it from the migrations directory
			// (parsing again reports the same diagnostics as the first time).
			res.Catalog, diags = parse.Files(append(slices.Clone(res.Sources), m.Up))
			migOpts.Existing = append(slices.Clone(st.existing), migration.Names(m.Files)...)
		}
		diags = append(diags, storeDiags...)
	}
	if len(cfg.Scoped) > 0 && !diags.HasErrors() {
		var bfDiags diag.List
		res.Backfills, bfDiags, err = planBackfill(res, migOpts)
		if err != nil {
			return res, err
		}
		if len(res.Backfills) > 0 {
			// As after the store's migration: the rest of the run sees the
			// tables with their tenant column, keyed, as the next run will.
			ups := slices.Clone(res.Sources)
			if m := res.StoreMigration; m != nil {
				ups = append(ups, m.Up)
			}
			for _, m := range res.Backfills {
				ups = append(ups, m.Up)
				migOpts.Existing = append(slices.Clone(migOpts.Existing), migration.Names(m.Files)...)
			}
			res.Catalog, diags = parse.Files(ups)
		}
		diags = append(diags, bfDiags...)
	}
	res.Diagnostics = append(res.Diagnostics, diags...)
	var project *store.Project
	if !diags.HasErrors() {
		res.Model, diags = tenancy.Analyze(res.Catalog, tenancy.ConfigOf(cfg, store.Owned(cfg)))
		res.Diagnostics = append(res.Diagnostics, st.overrides.Apply(diags)...)
		res.Diagnostics = append(res.Diagnostics, st.overrides.UnknownTables(res.Catalog)...)
		if cfg.Store.Enabled && res.Model.Tenant.Key != "" {
			project, diags = store.Resolve(res.Model, storeOpts)
			res.Diagnostics = append(res.Diagnostics, diags...)
		}
	}
	res.Diagnostics.Sort()
	if err := res.Diagnostics.Err(); err != nil {
		return res, err
	}

	migFiles, err := planMigrations(res, migOpts)
	if err != nil {
		return res, err
	}
	if res.StoreMigration != nil {
		res.Files = append(res.Files, res.StoreMigration.Files...)
	}
	for _, m := range res.Backfills {
		res.Files = append(res.Files, m.Files...)
	}
	res.Files = append(res.Files, migFiles...)
	opts.Stage.Add(res.Files...)
	if cfg.SQLCFile != "" {
		if err := generateGo(ctx, opts, res, st.overrides, queries); err != nil {
			return res, err
		}
		res.Diagnostics.Sort()
		if err := res.Diagnostics.Err(); err != nil {
			res.Files, res.Prune = nil, nil
			return res, err
		}
	}
	if project != nil {
		if slices.ContainsFunc(res.Prune, func(p output.Prune) bool { return p.Dir == project.Dir() }) { // sqlc's output or tenantc's standard queries
			res.Diagnostics.Errorf(cfg.Store.Pos.Out, "store.out %q is a directory of the sqlc output: the store's types (Organization, Member, …) would collide with sqlc's models; give the store a directory of its own", project.Dir())
			res.Diagnostics.Sort()
			res.Files, res.Prune = nil, nil
			return res, res.Diagnostics.Err()
		}
		file, err := store.Generate(project)
		if err != nil {
			return res, err
		}
		res.Files = append(res.Files, file)
	}
	return res, nil
}

// planBackfill plans the backfill migrations over the tenancy of the schema
// as it is, before them: the analysis's findings on that schema are not
// reported (the tables being backfilled are still indirectly owned or
// unclassified in it); the analysis after the backfill reports its own.
func planBackfill(res *Result, migOpts migration.Options) ([]backfill.Migration, diag.List, error) {
	cfg := res.Config
	before, _ := tenancy.Analyze(res.Catalog, tenancy.ConfigOf(cfg, store.Owned(cfg)))
	return backfill.Plan(before, backfill.Options{Scoped: cfg.Scoped, Backfill: cfg.Backfill,
		Citus: cfg.Citus(), Migrations: migOpts})
}

// planMigrations plans the run's migrations in the order they must apply and
// returns their files in that order; each planner numbers its versions after
// the files planned before it, so versions never collide:
//
//  1. the tenant setter (distribute: citus), which the policies' setting
//     comes through;
//  2. row level security, one migration per table;
//  3. the Citus distributions (distribute: citus), one per table;
//  4. the roles and their grants (roles:), last: they grant on every table
//     the earlier migrations leave, and EXECUTE on the setter.
//
// RLS before distribution, as measured on Citus 13.2.2: create_distributed_table
// copies a table's policies, FORCE and the tenant column's default to every
// shard, while on a distributed table Citus refuses ALTER COLUMN … SET
// DEFAULT on the distribution column ("cannot execute ALTER TABLE command
// involving partition column"); and a policy an earlier run wrote in the
// sub-select shape, which Citus refuses on a distributed table, is replaced
// before the table is distributed.
func planMigrations(res *Result, opts migration.Options) ([]output.File, error) {
	var files []output.File
	next := func(planned []output.File) {
		files = append(files, planned...)
		opts.Existing = append(slices.Clone(opts.Existing), migration.Names(planned)...)
	}
	var err error
	if res.SetterMigration, err = setter.Plan(res.Model, opts); err != nil {
		return nil, err
	}
	if m := res.SetterMigration; m != nil {
		next(m.Files)
	}
	if res.Migrations, err = rls.Plan(res.Model, opts); err != nil {
		return nil, err
	}
	for _, m := range res.Migrations {
		next(m.Files)
	}
	if res.Config.Citus() {
		if res.Distributions, err = distribute.Plan(res.Model, opts); err != nil {
			return nil, err
		}
		for _, m := range res.Distributions {
			next(m.Files)
		}
	}
	if res.Roles, err = roles.Plan(res.Model, rolesOptions(res, opts)); err != nil {
		return nil, err
	}
	for _, m := range res.Roles {
		next(m.Files)
	}
	return files, nil
}

// rolesOptions is what the roles planner needs of this run: tenantc's
// functions the application calls (the Citus setter, in the schema or planned
// before), when this run plans a store migration the store's tables, and the
// up part of the newest roles migration (which roles it was written for).
func rolesOptions(res *Result, opts migration.Options) roles.Options {
	o := roles.Options{Roles: res.Config.Roles, Migrations: opts}
	if prior := roles.Exists(opts.Existing); prior != "" {
		for _, f := range res.Sources {
			if path.Base(filepath.ToSlash(f.Path)) == prior {
				o.PriorUp = f.SQL
			}
		}
	}
	if res.Model.Tenant.Citus {
		o.Functions = append(o.Functions, setter.Function(res.Model))
	}
	if res.StoreMigration != nil {
		for _, t := range res.Model.Tables {
			if t.Store && t.Kind != tenancy.Root {
				o.StoreMigrated = append(o.StoreMigrated, t.Name)
			}
		}
	}
	return o
}

// started is what begin hands the rest of a run.
type started struct {
	// res is the run's result so far: the config, the SQL files read (the
	// schema paths and tenantc's migrations directory), the diagnostics.
	res *Result
	// overrides are the project's rule severities.
	overrides severity.Overrides
	// migDir is tenantc's migrations directory, slash-separated and clean.
	migDir string
	// existing names what tenantc's next migration versions must follow: the
	// files of its directory and, for dbmate, the user's (versionsAfter).
	existing []string
}

// begin does what generate and vet share before they judge anything: merge the
// rule overrides (tenantc.yaml's, then opts.Rules) and report unknown rule
// names, then read the SQL files. The migrations directory is part of the
// schema: that is how a later run sees what earlier runs generated. Before the
// first run it does not exist, even where sqlc.yaml already lists it. When
// res.Diagnostics has errors, the files were not read.
func begin(cfg *config.Config, opts Options) (*started, error) {
	st := &started{res: &Result{Config: cfg}, overrides: severity.Merge(cfg, opts.Rules)}
	res := st.res
	res.Diagnostics = append(res.Diagnostics, st.overrides.Unknown()...)
	res.Diagnostics = append(res.Diagnostics, checkPaths(opts.Dir, cfg)...)
	if res.Diagnostics.HasErrors() {
		return st, nil
	}
	st.migDir = cleanSlash(cfg.Migrations.Dir)
	existing, err := migration.ExistingFiles(filepath.Join(opts.Dir, st.migDir))
	if err != nil {
		return nil, err
	}
	res.Diagnostics = append(res.Diagnostics, checkLayout(cfg, st.migDir, existing)...)
	if cfg.SQLCFile != "" {
		diags, err := checkStandardQueriesDir(opts.Dir, cfg)
		if err != nil {
			return nil, err
		}
		res.Diagnostics = append(res.Diagnostics, diags...)
	}
	if res.Diagnostics.HasErrors() {
		return st, nil
	}
	isMigDir := func(p string) bool { return cleanSlash(p) == st.migDir }
	paths := slices.Clone(cfg.Schema)
	if existing == nil {
		paths = slices.DeleteFunc(paths, isMigDir)
	} else if !slices.ContainsFunc(paths, isMigDir) {
		paths = append(paths, st.migDir)
	}
	if res.Sources, err = source.ReadSchema(opts.Dir, paths); err != nil {
		return nil, err
	}
	res.Diagnostics = append(res.Diagnostics, sourceProblems(res.Sources)...)
	st.existing = versionsAfter(cfg, existing)
	return st, nil
}
