package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConfigErrorsPrinted: every command prints the configuration mistake
// itself, not only how many there were. generate used to print just
// "tenantc: 1 error(s); nothing was written".
func TestConfigErrorsPrinted(t *testing.T) {
	cases := []struct {
		name, yaml, message string
	}{
		{
			name:    "unknown key",
			yaml:    "version: 1\nschema: [schema]\nglobals: [plans]\n",
			message: `tenantc.yaml:3:1: error: unknown key "globals" in tenantc.yaml (known keys here: version, schema, queries, tenant, global, scoped, backfill, roles, migrations, store, rules, standard_queries, distribute)`,
		},
		{
			name:    "unknown migrations format",
			yaml:    "version: 1\nschema: [schema]\nmigrations:\n  format: flyway\n",
			message: `tenantc.yaml:4:11: error: unknown migrations.format "flyway" (want plain, goose, golang-migrate, dbmate, sql-migrate or tern)`,
		},
		{
			name:    "yaml type error",
			yaml:    "version: 1\nschema: [schema]\nglobal: 3\n",
			message: "tenantc.yaml:1:1: error: unmarshal errors:\n  line 3: cannot unmarshal !!int `3` into []string",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "tenantc.yaml"), c.yaml)
			writeFile(t, filepath.Join(dir, "schema", "schema.sql"), "CREATE TABLE tenants (id uuid PRIMARY KEY);\n")

			code, stdout, stderr := runTool(t, "generate", "--dir", dir)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout)
			assert.Equal(t, c.message+"\ntenantc: 1 error(s); nothing was written\n", stderr)

			code, _, stderr = runTool(t, "vet", "--dir", dir)
			assert.Equal(t, 2, code)
			assert.Equal(t, c.message+"\ntenantc vet: the configuration is invalid; nothing was checked\n", stderr)

			// check reads tenantc.yaml before it connects, so no database is needed.
			code, _, stderr = runTool(t, "check", "--dir", dir, "--database-url", "postgres://nobody@127.0.0.1:1/none")
			assert.Equal(t, 2, code)
			assert.Equal(t, c.message+"\ntenantc check: the configuration is invalid; nothing was checked\n", stderr)
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
