package config

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/diag"
)

// TestSQLCBlocks: every block is read, as sqlc reads it; the postgresql
// blocks' paths together are the project's, each once.
func TestSQLCBlocks(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "sqlc.yaml", `version: "1"
packages:
  - {path: gen/a, schema: schema, queries: qa}
  - {path: gen/b, schema: [schema, more], queries: qb, sql_package: pgx/v5}
  - {path: gen/m, engine: mysql, schema: mysql, queries: mysql}
`)
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, "1", cfg.SQLCVersion)
	require.Len(t, cfg.SQLCBlocks, 3)
	require.Equal(t, "postgresql", cfg.SQLCBlocks[0].Engine, "version 1's default engine")
	require.Equal(t, "mysql", cfg.SQLCBlocks[2].Engine)
	require.Equal(t, []string{"schema", "more"}, cfg.Schema)
	require.Equal(t, []string{"qa", "qb"}, cfg.Queries)
	require.Equal(t, "", cfg.SQLCBlocks[0].SQLPackage)
	require.Equal(t, "sqlc.yaml:3:5", cfg.SQLCBlocks[0].SQLPackagePos.String(), "unset: the package")
	require.Equal(t, "pgx/v5", cfg.SQLCBlocks[1].SQLPackage)
}

// TestSQLCConfigChoice: sqlc.json beside sqlc.yaml is refused, as sqlc
// refuses it, unless -f names one (LoadFile).
func TestSQLCConfigChoice(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "sqlc.yaml", "version: \"2\"\nsql: [{engine: postgresql, schema: a, queries: b}]\n")
	write(t, dir, "sqlc.json", `{"version": "2", "sql": [{"engine": "postgresql", "schema": "c", "queries": "d"}]}`)
	_, err := Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	require.Contains(t, list[0].String(), "sqlc.json:1:1: error: both sqlc.json and sqlc.yaml are present")
	cfg, err := LoadFile(dir, "sqlc.json")
	require.NoError(t, err)
	require.Equal(t, "sqlc.json", cfg.SQLCFile)
	require.Equal(t, []string{"c"}, cfg.Schema)
	_, err = LoadFile(dir, "nope.yaml")
	require.ErrorContains(t, err, "does not exist (named by -f)")
}

// TestSQLCConfigErrorsAreLocated: what sqlc refuses in its config is an error
// at its line and column.
func TestSQLCConfigErrorsAreLocated(t *testing.T) {
	for content, want := range map[string]string{
		"version: \"2\"\nsql:\n  - engine: postgresql\n    schema: [a\n": "sqlc.yaml:3:3: error: did not find expected ',' or ']'",
		"sql: []\n":                 `sqlc.yaml:1:1: error: sqlc.yaml has no version`,
		"version: \"3\"\nsql: []\n": `sqlc.yaml:1:10: error: unknown sqlc config version "3"`,
		"version: \"2\"\nsql: []\n": `sqlc.yaml:2:6: error: sqlc.yaml has no sql`,
		"version: \"2\"\nsql:\n  - engine: postgresql\n    emit_interface: true\n": `sqlc.yaml:4:5: error: unknown key "emit_interface"`,
		"version: \"1\"\npackages:\n  - {path: x, emit_interface: maybe}\n":        "sqlc.yaml:3:31: error: cannot unmarshal !!str `maybe` into bool",
	} {
		dir := t.TempDir()
		write(t, dir, "sqlc.yaml", content)
		_, err := Load(dir)
		var list diag.ErrorList
		require.ErrorAs(t, err, &list, content)
		require.Contains(t, list[0].String(), want, content)
	}
}
