package generator

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// checkPaths reports every configured schema and query path that does not
// exist, located where it is written. A missing query path used to drop the
// generated code of its queries in silence; a missing schema path was an error
// without a place. tenantc's migrations directory is the exception: the first
// run creates it.
func checkPaths(dir string, cfg *config.Config) diag.List {
	var diags diag.List
	migDir := cleanSlash(cfg.Migrations.Dir)
	for i, p := range cfg.Schema {
		if cleanSlash(p) == migDir || exists(dir, p) {
			continue
		}
		diags.Errorf(pathPos(cfg.SchemaPos, i, p), "schema path %q %s; fix the path, or create it", p, missing(dir, p))
	}
	diags = append(diags, unreadFiles(dir, "schema", cfg.Schema, cfg.SchemaPos)...)
	if cfg.SQLCFile == "" {
		return diags // no Go code: the queries are not read
	}
	for i, p := range cfg.Queries {
		// The default queries directory may be missing: a project without
		// queries of its own still gets the standard ones. So may the
		// standard queries directory, which the first run creates.
		if cfg.QueriesPos == nil || cleanSlash(p) == cfg.StandardQueries.Dir || exists(dir, p) {
			continue
		}
		diags.Errorf(pathPos(cfg.QueriesPos, i, p), "queries path %q %s; fix the path, or create it (a missing path would drop the generated code of its queries)", p, missing(dir, p))
	}
	return append(diags, unreadFiles(dir, "queries", cfg.Queries, cfg.QueriesPos)...)
}

// unreadFiles reports the paths that name a file sqlc's path rules skip (a
// dot file, one not ending in .sql, a .down.sql): sqlc reads nothing there,
// and neither does tenantc, so a table defined in it would silently go
// without row level security.
func unreadFiles(dir, key string, paths []string, positions []source.Pos) diag.List {
	var diags diag.List
	for i, p := range paths {
		if source.IsGlob(p) {
			continue
		}
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || !fi.Mode().IsRegular() || source.IsSQLFile(filepath.Base(p)) {
			continue
		}
		diags.Errorf(pathPos(positions, i, p), "%s path %q names a file sqlc does not read (it reads only files ending in .sql, not starting with a dot, and not .down.sql); rename the file", key, p)
	}
	return diags
}

func pathPos(positions []source.Pos, i int, p string) source.Pos {
	if i < len(positions) {
		return positions[i]
	}
	return source.Pos{File: filepath.ToSlash(p)}
}

// exists reports whether path p names something: a glob pattern (sqlc's
// schema: "schema/*.sql") must match at least one path. sqlc reads a pattern
// matching nothing as no files; here that is the silent drop checkPaths exists
// to report.
func exists(dir, p string) bool {
	if source.IsGlob(p) {
		m, err := source.Glob(dir, p)
		return err == nil && len(m) > 0
	}
	_, err := os.Stat(filepath.Join(dir, p))
	return !errors.Is(err, os.ErrNotExist)
}

// missing says how path p, which exists rejects, names nothing.
func missing(dir, p string) string {
	if !source.IsGlob(p) {
		return "does not exist"
	}
	if _, err := source.Glob(dir, p); err != nil {
		return "is not a valid glob pattern (sqlc's patterns are Go's filepath.Match: *, ?, [a-z])"
	}
	return "matches no file"
}

func cleanSlash(p string) string { return path.Clean(filepath.ToSlash(p)) }

// checkLayout refuses a tenantc migrations directory apart from a user
// directory of the same tool when the tool would skip tenantc's files:
//
//   - golang-migrate keeps one version per database: run over either
//     directory it skips every version at or below the other's highest, or
//     fails on a version its directory lacks.
//   - goose keeps every version in one table, but refuses (or, with
//     -allow-missing, applies out of order) versions below the highest
//     applied, and skips a version already applied: two directories numbered
//     independently always interleave or collide.
//   - dbmate keeps every version and applies any missing one: only a version
//     in both directories collides (the second file is skipped).
//   - tern keeps one version number per version table (schema_version), the
//     count of migrations applied: as golang-migrate, either directory skips
//     the other's first versions.
//   - sql-migrate keeps every applied file name (gorp_migrations) and refuses
//     to run over a directory lacking one of them ("unknown migration in
//     database") unless told to ignore them.
//
// Migrations of different tools keep different version tables and never
// collide.
func checkLayout(cfg *config.Config, migDir string, existing []string) diag.List {
	var diags diag.List
	users := cfg.UserMigrations
	ours := versionsOf(existing)
	for _, u := range users {
		if u.Tool == source.SQLMigrate && cfg.Migrations.Format == source.SQLMigrate && u.Dir == migDir && len(u.Unnumbered) > 0 {
			at := cfg.Migrations.DirPos
			if !cfg.Migrations.DirSet {
				at = u.Pos
			}
			diags.Errorf(at, "sql-migrate applies the files of %s with a number prefix first, in number order, and the others after them, by name: tenantc's numbered migrations would run before %s, whose tables they protect; rename your migrations with a number prefix, as sql-migrate new names them (YYYYMMDDHHMMSS-name.sql; in a database that applied them, rename their ids in gorp_migrations too)",
				u.Dir, strings.Join(u.Unnumbered, ", "))
		}
		if u.Tool != cfg.Migrations.Format || u.Dir == migDir {
			continue // another tool's version table, or one directory: versions follow the user's
		}
		at := cfg.Migrations.DirPos
		if !cfg.Migrations.DirSet {
			at = u.Pos
		}
		fix := fmt.Sprintf("set migrations: {dir: %s, format: %s} in tenantc.yaml, so tenantc's migrations take versions after yours%s%s",
			u.Dir, u.Tool, moveOld(migDir, existing), dropSchemaPath(cfg, migDir))
		switch u.Tool {
		case source.GolangMigrate:
			diags.Errorf(at, "tenantc's golang-migrate migrations in %s are apart from yours in %s, and golang-migrate keeps one version per database: applied to one database, it skips every version of one directory at or below the other's highest (%s), leaving tables without row level security; %s",
				migDir, u.Dir, versionRange(u.Versions), fix)
		case source.Goose:
			diags.Errorf(at, "tenantc's goose migrations in %s are apart from yours in %s, and goose keeps one version table: versions numbered apart interleave (goose refuses the lower ones, or applies them out of order) or collide (goose skips the second); %s",
				migDir, u.Dir, fix)
		case source.Tern:
			diags.Errorf(at, "tenantc's tern migrations in %s are apart from yours in %s, and tern keeps one version number per database (schema_version, the count of migrations applied): run over either directory, it skips the other's first versions, leaving tables without row level security; %s",
				migDir, u.Dir, fix)
		case source.SQLMigrate:
			diags.Errorf(at, "tenantc's sql-migrate migrations in %s are apart from yours in %s, and sql-migrate keeps every applied migration in one table (gorp_migrations): run over either directory, it stops at the other's (\"unknown migration in database\"); %s",
				migDir, u.Dir, fix)
		case source.Dbmate:
			if dup := duplicates(ours, u.Versions); len(dup) > 0 {
				diags.Errorf(at, "tenantc's dbmate migrations in %s share version(s) %s with yours in %s: dbmate applies a version once, so the second file is skipped; %s",
					migDir, strings.Join(dup, ", "), u.Dir, fix)
			}
		}
	}
	return diags
}

// moveOld is the second half of the fix when tenantc's directory already
// holds migrations: they move along, keeping their names (versions already
// applied stay applied).
func moveOld(migDir string, existing []string) string {
	if len(existing) == 0 {
		return ""
	}
	return fmt.Sprintf(", and move the files of %s there (renumbered after yours; a database that applied them needs their new versions marked applied)", migDir)
}

// dropSchemaPath completes the fix when the schema paths name tenantc's
// directory: with tenantc's files in the user's directory it is empty.
func dropSchemaPath(cfg *config.Config, migDir string) string {
	for i, p := range cfg.Schema {
		if cleanSlash(p) == migDir {
			return fmt.Sprintf(", and remove %s from the schema paths (%s)", migDir, pathPos(cfg.SchemaPos, i, p))
		}
	}
	return ""
}

var versionPrefix = regexp.MustCompile(`^(\d+)_`)

func versionsOf(names []string) []string {
	var out []string
	for _, n := range names {
		if m := versionPrefix.FindStringSubmatch(n); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}

// versionRange shows the lowest and highest of versions, numerically.
func versionRange(versions []string) string {
	nums := make([]uint64, 0, len(versions))
	for _, v := range versions {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			nums = append(nums, n)
		}
	}
	if len(nums) == 0 {
		return "no versions"
	}
	slices.Sort(nums)
	if nums[0] == nums[len(nums)-1] {
		return fmt.Sprintf("yours: version %d", nums[0])
	}
	return fmt.Sprintf("yours: versions %d to %d", nums[0], nums[len(nums)-1])
}

// duplicates returns the versions in both lists, as dbmate compares them: as
// strings, sorted.
func duplicates(a, b []string) []string {
	var out []string
	for _, v := range a {
		if slices.Contains(b, v) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// checkStandardQueriesDir refuses a standard queries directory that holds the
// user's files, or is one of the schema paths or the migrations directory:
// tenantc rewrites and prunes that directory. It may be a query path — the one
// sqlc.yaml must name for plain sqlc to read the standard queries — as long as
// only tenantc's files are there (readQueries leaves them to crud).
func checkStandardQueriesDir(dir string, cfg *config.Config) (diag.List, error) {
	var diags diag.List
	sq := cfg.StandardQueries
	at := sq.Pos
	if !at.IsValid() {
		at = source.Pos{File: "standard_queries.dir"}
	}
	for _, p := range slices.Concat(cfg.Schema, []string{cfg.Migrations.Dir}) {
		if cleanSlash(p) == sq.Dir {
			diags.Errorf(at, "standard_queries.dir %q is also a schema or migrations path; tenantc writes and prunes its own files there: give it a directory of its own (default gen/queries)", sq.Dir)
			return diags, nil
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, sq.Dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		content, err := os.ReadFile(filepath.Join(dir, sq.Dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(string(content), crud.Header) {
			diags.Errorf(at, "standard_queries.dir %q holds %s, a file tenantc did not write; tenantc writes and prunes its own files there: give it a directory of its own (standard_queries: {dir: …} in tenantc.yaml)", sq.Dir, e.Name())
			break
		}
	}
	return diags, nil
}

// versionsAfter is what tenantc's next versions must follow: its own files and,
// for dbmate (the one tool where directories apart work), the user's files of
// the same tool, so no new version can take one of theirs.
func versionsAfter(cfg *config.Config, existing []string) []string {
	out := slices.Clone(existing)
	for _, u := range cfg.UserMigrations {
		if u.Tool == source.Dbmate && cfg.Migrations.Format == source.Dbmate {
			for _, v := range u.Versions {
				out = append(out, v+"_"+u.Dir)
			}
		}
	}
	return out
}

// sourceProblems reports, at its place, every line of the schema files that
// looks like a migration tool's marker but that the tool does not take for
// one (source.File.Problems): the tool would run a down part as part of the
// up migration, or refuse the file, and tenantc reads it as the tool does.
func sourceProblems(files []*source.File) diag.List {
	var diags diag.List
	for _, f := range files {
		for _, p := range f.Problems {
			diags.Errorf(f.Pos(p.Offset), "%s", p.Message)
		}
	}
	return diags
}
