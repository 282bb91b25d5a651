package sqlcrun

import (
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/tenantc/tenantc/internal/generator/diag"
)

// The sql_package values sqlc-gen-go knows (its opts/enum.go).
const (
	sqlPackagePGXV5    = "pgx/v5"
	sqlPackagePGXV4    = "pgx/v4"
	sqlPackageStandard = "database/sql"
)

// CheckSQLPackage refuses the sql_package of one sql block whose code tenantc
// wraps in repositories when the runtime (package tenant) has no flavour for
// it: pgx/v5 gets Scope (the fast path and Run), database/sql — also sqlc's
// default when sql_package is unset or empty — gets SQLScope (RunSQL, on
// pgx's stdlib driver); pgx/v4 and values sqlc does not know are refused at
// the option. goKey is the block's "go" key under gen and goOpts its value,
// from the config file named file. Call it only for a block with tenant
// tables: a block without any is plain sqlc and keeps any sql_package.
func CheckSQLPackage(file string, goKey, goOpts *yaml.Node) diag.List {
	if goKey == nil || goOpts == nil || goOpts.Kind != yaml.MappingNode {
		return nil // no gen.go: rewriteConfig says so
	}
	key, val := mappingValue(goOpts, "sql_package")
	if key == nil || val.Tag == "!!null" {
		return nil // sqlc's default, database/sql
	}
	var diags diag.List
	switch {
	case val.Kind == yaml.ScalarNode && (val.Value == sqlPackagePGXV5 || val.Value == sqlPackageStandard || val.Value == ""):
	case val.Kind == yaml.ScalarNode && val.Value == sqlPackagePGXV4:
		diags.Add(diag.Diagnostic{Pos: posOf(file, key), Severity: diag.Error,
			Message: "pgx/v4 is not supported; tenantc's runtime is pgx/v5",
			Fix:     "set `sql_package: pgx/v5` (pgx v5 moved pgtype and pgconn under github.com/jackc/pgx/v5)"})
	default:
		diags.Add(diag.Diagnostic{Pos: posOf(file, key), Severity: diag.Error,
			Message: fmt.Sprintf("sql_package %s is not one sqlc knows (pgx/v5, pgx/v4, database/sql)", describe(val)),
			Fix:     "set `sql_package: pgx/v5` (or database/sql, for tenant.RunSQL)"})
	}
	return diags
}

// firstPostgresGo returns the "go" key and value under gen of the config's
// first postgresql sql block (one without engine counts, as in
// rewriteConfig), or nils.
func firstPostgresGo(doc *yaml.Node) (*yaml.Node, *yaml.Node) {
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	_, blocks := mappingValue(root, "sql")
	if blocks == nil || blocks.Kind != yaml.SequenceNode {
		return nil, nil
	}
	for _, b := range blocks.Content {
		if _, engine := mappingValue(b, "engine"); engine != nil && engine.Value != "postgresql" {
			continue
		}
		_, gen := mappingValue(b, "gen")
		return mappingValue(gen, "go")
	}
	return nil, nil
}

// mappingValue returns key's key node and value in mapping n (not below it),
// or nils.
func mappingValue(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}

// describe writes a config value for a message: a scalar quoted, another
// kind named.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.MappingNode:
		return "(a mapping)"
	case yaml.SequenceNode:
		return "(a list)"
	}
	return "(an alias)"
}
