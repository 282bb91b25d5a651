package config

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/generator/diag"
	"github.com/tenantc/tenantc/generator/source"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func write(t *testing.T, dir, name, content string) {
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

func TestDefaultsWithoutFiles(t *testing.T) {
	cfg, err := Load(t.TempDir())
	require.NoError(t, err)
	require.Equal(t, []string{"schema"}, cfg.Schema)
	require.Equal(t, Tenant{Table: "tenants", Column: "tenant_id", Setting: "app.tenant_id"}, cfg.Tenant)
	require.Equal(t, Migrations{Dir: "gen/migrations", Format: source.GolangMigrate}, cfg.Migrations)
	require.Empty(t, cfg.File)
}

func TestPathsFromSQLC(t *testing.T) {
	for name, content := range map[string]string{
		"sqlc.yaml": "version: '2'\nsql:\n  - engine: mysql\n    schema: other\n  - engine: postgresql\n    schema: [db/schema, db/more.sql]\n    queries: db/queries\n",
		"sqlc.json": `{"version": "1", "packages": [{"engine": "postgresql", "schema": "db/schema", "queries": "db/q"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, name, content)
			cfg, err := Load(dir)
			require.NoError(t, err)
			require.Equal(t, "db/schema", cfg.Schema[0])
			write(t, dir, FileName, "version: 1\nschema: explicit\n")
			cfg, err = Load(dir)
			require.NoError(t, err)
			require.Equal(t, []string{"explicit"}, cfg.Schema, "tenantc.yaml wins over sqlc.yaml")
		})
	}
}

func TestErrorsAreLocated(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 2\ntenant:\n  setting: \"x'; DROP TABLE t; --\"\nrules:\n  cross-tenant-fk: sometimes\n")
	_, err := Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 3)
	require.Equal(t, "tenantc.yaml:1:10: error: version must be 1 (got 2)", list[0].String())
	require.Contains(t, list[1].String(), "tenantc.yaml:3:12: error: tenant.setting")
	require.Contains(t, list[2].String(), "tenantc.yaml:5:20: error: rules.cross-tenant-fk: unknown severity")
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 1\nglobal: [plans, '\"Odd\".x']\nrules: {key-without-tenant: off}\nmigrations: {format: goose}\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, []string{"plans", `"Odd".x`}, cfg.Global)
	require.Equal(t, source.Pos{File: FileName, Line: 2, Col: 17}, cfg.GlobalPos[1])
	require.Equal(t, diag.Off, cfg.Rules["key-without-tenant"])
	require.Equal(t, source.Goose, cfg.Migrations.Format)
}
