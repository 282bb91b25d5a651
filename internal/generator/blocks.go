package generator

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/repo"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// How several postgresql blocks share tenancy: the schema and queries of every
// postgresql block together are one project — one catalog, one tenancy model,
// one set of RLS migrations (a table two blocks share gets one migration) and
// one vet — because they describe one database. The Go code is per block: a
// block that defines a protected table (the tenant root or a scoped table) is
// wrapped (standard queries of its scoped tables, tenant.ID overrides, its
// repositories in its own out); every other block is plain sqlc.

// goBlock is a postgresql block of the sqlc config whose Go code tenantc wraps.
type goBlock struct {
	index int
	// schema are the block's schema files and tenantc's migrations
	// directory; queryFiles and queries its query files and what they hold.
	schema []*source.File
	// schemaParsed: schema is what the run parsed (res.Sources), every
	// file of it without an error, so sqlc may read it as one file.
	schemaParsed bool
	queryFiles   []*source.File
	queries      []*catalog.Query
	// defines holds the protected tables the block's schema creates.
	defines     map[*tenancy.Table]bool
	repoQueries []repo.Query
	diags       diag.List
}

// tenantBlocks returns the postgresql blocks with Go code that define a
// protected table, in config order; none without a tenant table.
// unionQueries are the files of the config's queries and unionParsed their
// statements, which a block reading the same paths shares.
func tenantBlocks(dir string, res *Result, unionQueries []*source.File, unionParsed []*catalog.Query) ([]*goBlock, error) {
	cfg := res.Config
	if res.Model == nil || res.Model.Tenant.Key == "" {
		return nil, nil
	}
	protected := map[string][]*tenancy.Table{} // by the file creating them
	for _, t := range res.Model.Protected() {
		protected[t.Pos.File] = append(protected[t.Pos.File], t)
	}
	var out []*goBlock
	for _, b := range cfg.SQLCBlocks {
		if !b.IsPostgres() || !b.Go {
			continue
		}
		gb := &goBlock{index: b.Index, defines: map[*tenancy.Table]bool{}}
		var err error
		if gb.schema, err = blockSchema(dir, res, b); err != nil {
			return nil, err
		}
		gb.schemaParsed = samePaths(b.Schema, cfg.Schema)
		for _, f := range gb.schema {
			for _, t := range protected[f.Path] {
				gb.defines[t] = true
			}
		}
		for _, f := range res.Files { // this run's migrations: the store's tables
			for _, t := range protected[f.Path] {
				gb.defines[t] = true
			}
		}
		if len(gb.defines) == 0 {
			continue // plain sqlc
		}
		if samePaths(b.Queries, cfg.Queries) {
			gb.queryFiles, gb.queries = unionQueries, unionParsed
		} else if gb.queryFiles, err = readQueries(dir, b.Queries); err != nil {
			return nil, err
		} else {
			gb.queries, _ = parse.Queries(gb.queryFiles) // diagnostics: reported for the union
		}
		if d := checkSQLPackage(b); d != nil {
			gb.diags.Add(*d)
		} else if b.SQLPackage != "pgx/v5" {
			gb.diags = append(gb.diags, checkPgxOnlyQueries(b, gb.queries)...)
		}
		out = append(out, gb)
	}
	return out, nil
}

// checkSQLPackage refuses the sql_package of a block with tenant tables when
// the runtime (package tenant) has no flavour for it; nil when it has one:
// pgx/v5 gets Scope (the fast path and Run), database/sql — also sqlc's
// default when sql_package is unset — gets SQLScope (RunSQL, on pgx's stdlib
// driver). pgx/v4 and values sqlc does not know are refused at the option. A
// block without tenant tables is plain sqlc and keeps any sql_package. The
// one place that decides which sql_package a wrapped block may use.
func checkSQLPackage(b config.SQLCBlock) *diag.Diagnostic {
	switch b.SQLPackage {
	case "pgx/v5", "database/sql", "":
		return nil
	case "pgx/v4":
		return &diag.Diagnostic{Pos: b.SQLPackagePos, Severity: diag.Error,
			Message: "pgx/v4 is not supported; tenantc's runtime is pgx/v5",
			Fix:     "set `sql_package: pgx/v5` (pgx v5 moved pgtype and pgconn under github.com/jackc/pgx/v5)"}
	}
	return &diag.Diagnostic{Pos: b.SQLPackagePos, Severity: diag.Error,
		Message: fmt.Sprintf("sql_package %q is not one sqlc knows (pgx/v5, pgx/v4, database/sql)", b.SQLPackage),
		Fix:     "set `sql_package: pgx/v5` (or database/sql, for tenant.RunSQL)"}
}

// checkPgxOnlyQueries refuses, at the query, the :batch* and :copyfrom
// queries of a database/sql block: sqlc-gen-go writes them only for pgx and
// would stop with a message that names no file.
func checkPgxOnlyQueries(b config.SQLCBlock, queries []*catalog.Query) diag.List {
	var diags diag.List
	for _, q := range queries {
		if strings.HasPrefix(q.Cmd, ":batch") || q.Cmd == ":copyfrom" {
			diags.Add(diag.Diagnostic{Pos: q.Pos, Severity: diag.Error,
				Message: fmt.Sprintf("query %s uses %s, which sqlc generates only for pgx; this block's sql_package is database/sql", q.Name, q.Cmd),
				Fix:     "set `sql_package: pgx/v5` for the block (tenant scopes run batches and copies on pgx), or make the query :exec, :one or :many"})
		}
	}
	return diags
}

// checkSharedOut refuses a wrapped block whose Go output directory is also
// another Go block's: both would write db.go, models.go and
// tenantc_repositories.go there, and one block's code would silently replace
// the other's.
func checkSharedOut(cfg *config.Config, blocks []*goBlock) diag.List {
	wrapped := map[int]bool{}
	for _, b := range blocks {
		wrapped[b.index] = true
	}
	var diags diag.List
	first := map[string]config.SQLCBlock{}
	for _, b := range cfg.SQLCBlocks {
		if !b.Go || b.Out == "" {
			continue
		}
		out := cleanSlash(b.Out)
		prev, taken := first[out]
		if !taken {
			first[out] = b
			continue
		}
		if wrapped[b.Index] || wrapped[prev.Index] {
			diags.Add(diag.Diagnostic{Pos: b.Pos, Severity: diag.Error,
				Message: fmt.Sprintf("this block writes its Go code to %s, as the block at %s does; with tenant tables in either, one block's code (and its repositories) would replace the other's", out, prev.Pos),
				Fix:     "give each block its own out directory (and package)"})
		}
	}
	return diags
}

// blockSchema reads the schema files of block b as begin reads the project's:
// with tenantc's migrations directory, once it exists.
func blockSchema(dir string, res *Result, b config.SQLCBlock) ([]*source.File, error) {
	cfg := res.Config
	if samePaths(b.Schema, cfg.Schema) {
		return res.Sources, nil
	}
	migDir := cleanSlash(cfg.Migrations.Dir)
	isMigDir := func(p string) bool { return cleanSlash(p) == migDir }
	paths := slices.Clone(b.Schema)
	if _, err := os.Stat(filepath.Join(dir, migDir)); err != nil {
		paths = slices.DeleteFunc(paths, isMigDir)
	} else if !slices.ContainsFunc(paths, isMigDir) {
		paths = append(paths, migDir)
	}
	return source.ReadSchema(dir, paths)
}

func samePaths(a, b []string) bool {
	return slices.EqualFunc(a, b, func(x, y string) bool { return cleanSlash(x) == cleanSlash(y) })
}

// checkPlainPaths reports, at its place in the sqlc config, a schema or query
// path of a mysql or sqlite block that names nothing: sqlc would stop at it
// with a message that names no line.
func checkPlainPaths(dir string, cfg *config.Config) diag.List {
	var diags diag.List
	for _, b := range cfg.SQLCBlocks {
		if b.IsPostgres() {
			continue // checkPaths judges the postgresql blocks' paths
		}
		for _, p := range []struct {
			kind  string
			paths []string
			at    []source.Pos
		}{{"schema", b.Schema, b.SchemaPos}, {"queries", b.Queries, b.QueriesPos}} {
			for i, path := range p.paths {
				if !exists(dir, path) {
					diags.Errorf(pathPos(p.at, i, path), "%s path %q of the %s block %s; fix the path, or create it", p.kind, path, b.Engine, missing(dir, path))
				}
			}
		}
	}
	return diags
}
