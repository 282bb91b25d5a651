package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/rule"
)

// TestVersion: tenantc version (and --version) names tenantc's version (devel
// in a test binary of the checkout) and the sqlc that go.mod requires, read
// from the build information.
func TestVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	sqlc := regexp.MustCompile(`(?m)^\s*github\.com/sqlc-dev/sqlc (\S+)`).FindSubmatch(mod)
	require.NotNil(t, sqlc, "go.mod requires sqlc")
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := runTool(t, args[0], args[1:]...)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, fmt.Sprintf("tenantc devel; sqlc %s; %s\n", sqlc[1], runtime.Version()), stdout)
	}
}

// TestHelpCommand: tenantc help <command> prints the command's usage and
// flags; generate's names tenantc.yaml, sqlc.yaml and where the rules are
// listed.
func TestHelpCommand(t *testing.T) {
	code, _, stderr := runTool(t, "help", "generate")
	require.Equal(t, 0, code)
	for _, want := range []string{"Usage: tenantc generate", "tenantc.yaml", "sqlc.yaml", "'tenantc rules' lists the rules", "-check", "-rule"} {
		assert.Contains(t, stderr, want)
	}
	_, _, dashH := runTool(t, "generate", "-h")
	assert.Equal(t, stderr, dashH, "help generate and generate -h say the same")

	code, _, stderr = runTool(t, "help", "check")
	require.Equal(t, 0, code)
	assert.Contains(t, stderr, "Usage: tenantc check --database-url URL --role APP_ROLE")

	code, _, stderr = runTool(t, "help", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `tenantc help: unknown command "nope"`)
}

// TestRulesCommand: tenantc rules lists every rule with its default severity
// and what it catches — the list "unknown rule" points at.
func TestRulesCommand(t *testing.T) {
	code, stdout, _ := runTool(t, "rules")
	require.Equal(t, 0, code)
	for _, r := range rule.All {
		assert.Contains(t, stdout, r.Name+" ("+r.Severity.String()+"; ")
		assert.Contains(t, stdout, "\t"+r.Summary+"\n")
	}
	assert.Contains(t, stdout, "rls-disabled (error; vet, check)\n")
	assert.Contains(t, stdout, "query-ddl (error; generate, vet)\n")
	assert.Contains(t, stdout, "probe-incomplete (error; check)\n")

	dir := project(t, map[string]string{"tenantc.yaml": "version: 1\nschema: [schema]\nrules:\n  nope: off\n",
		"schema/a.sql": "CREATE TABLE tenants (id uuid PRIMARY KEY);\n"})
	_, _, stderr := runTool(t, "generate", "--dir", dir)
	assert.Contains(t, stderr, `unknown rule "nope"; 'tenantc rules' lists the rules`)
	_, _, stderr = runTool(t, "generate", "--dir", dir, "--rule", "nope=off")
	assert.Contains(t, stderr, `unknown rule "nope" (tenantc rules lists them)`)
}

// TestSummaryStable: the summary's counts describe the project, so a second,
// identical run prints the same counts; only the outcome differs.
func TestSummaryStable(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"schema", "queries", "tenantc.yaml", "sqlc.yaml"} {
		copyPath(t, filepath.Join(repoRoot, p), filepath.Join(dir, p))
	}
	_, _, first := runTool(t, "generate", "--dir", dir)
	_, _, second := runTool(t, "generate", "--dir", dir)
	_, _, check := runTool(t, "generate", "--check", "--dir", dir)
	assert.Equal(t, "tenantc: 17 tables (1 tenant root, 8 scoped, 8 global); 10 new migration(s); 19 other generated files; 39 files written; 0 warning(s)\n", first)
	assert.Equal(t, "tenantc: 17 tables (1 tenant root, 8 scoped, 8 global); 0 new migration(s); 19 other generated files; 0 files written; 0 warning(s)\n", second)
	assert.Equal(t, "tenantc: 17 tables (1 tenant root, 8 scoped, 8 global); 0 new migration(s); 19 other generated files; up to date; 0 warning(s)\n", check)
}

// TestNoTenantTableWarns: without a tenant table and with tenant.table
// defaulted, generate succeeds with one warning saying how to declare a root;
// naming a missing root in tenantc.yaml is an error at the key.
func TestNoTenantTableWarns(t *testing.T) {
	files := map[string]string{"tenantc.yaml": "version: 1\nschema: [schema]\n",
		"schema/a.sql": "CREATE TABLE notes (id int PRIMARY KEY);\n"}
	code, _, stderr := runTool(t, "generate", "--dir", project(t, files))
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "tenantc.yaml: warning: no tenant table (public.tenants is not in the schema): nothing is protected, no row level security or repositories are generated; to declare yours, set tenant: {table: <table>} in tenantc.yaml [tenant-root]\n"+
		"tenantc: 1 tables, none protected: no tenant table, so no row level security was generated; 0 new migration(s); 0 other generated files; 0 files written; 1 warning(s)\n", stderr)

	files["tenantc.yaml"] = "version: 1\nschema: [schema]\ntenant: {table: orgs}\n"
	code, _, stderr = runTool(t, "generate", "--dir", project(t, files))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "tenantc.yaml:3:17: error: tenant table public.orgs (tenant.table) is not in the schema [tenant-root]")
}

// TestSummaryWithoutTenantTable: with tenant-root turned off and no tenant
// table, generate protects nothing; the summary says so instead of
// "0 tables ()" for a schema that has tables.
func TestSummaryWithoutTenantTable(t *testing.T) {
	dir := project(t, map[string]string{"tenantc.yaml": "version: 1\nschema: [schema]\n",
		"schema/a.sql": "CREATE TABLE orgs (id uuid PRIMARY KEY);\nCREATE TABLE notes (tenant_id uuid NOT NULL, id int, PRIMARY KEY (tenant_id, id));\n"})
	code, _, stderr := runTool(t, "generate", "--dir", dir, "--rule", "tenant-root=off")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "tenantc: 2 tables, none protected: no tenant table, so no row level security was generated; 0 new migration(s); 0 other generated files; 0 files written; 0 warning(s)\n", stderr)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "a.sql"), nil, 0o644))
	_, _, stderr = runTool(t, "generate", "--dir", dir, "--rule", "tenant-root=off")
	assert.True(t, strings.HasPrefix(stderr, "tenantc: no tables in the schema;"), stderr)
}
