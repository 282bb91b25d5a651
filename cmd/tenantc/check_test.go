package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/sarifcheck"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

// check runs tenantc check with args and returns its exit code and output.
// checkJSON runs check --format json and returns the exit code and findings.
func checkJSON(t *testing.T, args ...string) (int, []finding) {
	t.Helper()
	return jsonFindings(t, "check", args...)
}

// TestCheckExample: the example app, migrated, is clean — judged as the
// application role from a superuser connection, and connected as the
// application role itself; the probe finds nothing either.
func TestCheckExample(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	code, stdout, stderr := check(t, "--database-url", fx.DB.AdminURL, "--role", fx.DB.App, "--dir", repoRoot)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, "no findings\n", stdout)
	assert.Empty(t, stderr)

	code, stdout, stderr = check(t, "--database-url", fx.DB.AppURL, "--dir", repoRoot, "--probe")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, "no findings\n", stdout)

	// Judged as the owner, which is no application role: it owns every table
	// (the store's too) and, owning the database, schema public (through
	// pg_database_owner).
	code, findings := checkJSON(t, "--database-url", fx.DB.OwnerURL, "--dir", repoRoot)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"app-role-excess-grants", "app-role-owns-table", "store-table-app-access"}, codes(findings))
}

// TestCheckFindings: findings in every format, the exit code 1 for errors,
// and the probe confirming a leak by trying it.
func TestCheckFindings(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	fx.DB.Exec(t, fx.DB.OwnerURL, `ALTER TABLE projects DISABLE ROW LEVEL SECURITY;
		GRANT TRUNCATE ON tasks TO `+fx.DB.App+`;
		CREATE TABLE feature_flags (name text PRIMARY KEY, enabled boolean NOT NULL);`)
	base := []string{"--database-url", fx.DB.AdminURL, "--role", fx.DB.App, "--dir", repoRoot}

	code, stdout, stderr := check(t, base...)
	require.Equal(t, 1, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "public.projects: error: table public.projects is protected (scoped) but row level security is not enabled")
	assert.Contains(t, stdout, "[rls-disabled]\n\tALTER TABLE public.projects ENABLE ROW LEVEL SECURITY;")
	assert.Contains(t, stdout, "[app-role-excess-grants]\n\tREVOKE TRUNCATE ON TABLE public.tasks FROM "+fx.DB.App+";")
	assert.Contains(t, stdout, "public.feature_flags: warning:")
	assert.True(t, strings.HasSuffix(stdout, "2 errors, 1 warning\n"), stdout)

	code, findings := checkJSON(t, base...)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"app-role-excess-grants", "rls-disabled", "unclassified-table"}, codes(findings))
	for _, f := range findings {
		assert.NotEmpty(t, f.Object)
		assert.Empty(t, f.File, "live findings have no file")
		assert.NotEmpty(t, f.Fix)
	}

	code, findings = checkJSON(t, append(base, "--probe")...)
	assert.Equal(t, 1, code)
	assert.Subset(t, codes(findings), []string{"probe-cross-tenant-read", "probe-cross-tenant-insert", "probe-cross-tenant-update", "probe-cross-tenant-delete"})

	// SARIF: results with rule ids, levels and the object as a logical
	// location; the rules of check, live ones included, in the driver.
	code, stdout, _ = check(t, append(base, "--format", "sarif")...)
	assert.Equal(t, 1, code)
	var sarif struct {
		Version string
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name, FullName string
					Rules          []struct{ ID string }
				}
			}
			Results []struct {
				RuleID, Level string
				Message       struct{ Text string }
				Locations     []struct {
					PhysicalLocation *struct{}
					LogicalLocations []struct{ FullyQualifiedName, Kind string }
				}
			}
		}
	}
	require.Empty(t, sarifcheck.Validate([]byte(stdout)), "check's SARIF against the 2.1.0 schema")
	require.NoError(t, json.Unmarshal([]byte(stdout), &sarif))
	assert.Equal(t, "2.1.0", sarif.Version)
	require.Len(t, sarif.Runs, 1)
	r := sarif.Runs[0]
	assert.Equal(t, "tenantc check", r.Tool.Driver.FullName)
	var ids []string
	for _, rule := range r.Tool.Driver.Rules {
		ids = append(ids, rule.ID)
	}
	assert.Subset(t, ids, []string{"app-role-superuser", "probe-cross-tenant-read", "rls-disabled", "tenant-column-without-rls"})
	require.Len(t, r.Results, 3)
	for _, res := range r.Results {
		require.Len(t, res.Locations, 1)
		assert.Nil(t, res.Locations[0].PhysicalLocation)
		require.Len(t, res.Locations[0].LogicalLocations, 1)
		if res.RuleID == "app-role-excess-grants" {
			assert.Equal(t, "public.tasks", res.Locations[0].LogicalLocations[0].FullyQualifiedName)
			assert.Equal(t, "table", res.Locations[0].LogicalLocations[0].Kind)
		}
	}
}

// TestCheckRules: severities change with --rule and with tenantc.yaml's
// rules:, which know the live rules too.
func TestCheckRules(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	fx.DB.Exec(t, fx.DB.OwnerURL, "GRANT TRUNCATE ON tasks TO "+fx.DB.App)
	base := []string{"--database-url", fx.DB.AdminURL, "--role", fx.DB.App}

	code, findings := checkJSON(t, append(base, "--dir", repoRoot, "--rule", "app-role-excess-grants=warning")...)
	assert.Equal(t, 0, code, "warnings only")
	require.Len(t, findings, 1)
	assert.Equal(t, "warning", findings[0].Severity)

	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(repoRoot, "tenantc.yaml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), append(cfg, "rules:\n  app-role-excess-grants: off\n"...), 0o644))
	code, findings = checkJSON(t, append(base, "--dir", dir)...)
	assert.Equal(t, 0, code)
	assert.Empty(t, findings)
}

// TestCheckCouldNotRun: exit 2, nothing on stdout, the reason on stderr.
func TestCheckCouldNotRun(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	bad := project(t, map[string]string{"tenantc.yaml": "tenant:\n  tabel: x\n"})
	t.Setenv("DATABASE_URL", "") // "no database" means neither the flag nor the variable
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no database", nil, "--database-url is required"},
		{"unreachable", []string{"--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"}, "connect:"},
		{"bad format", []string{"--database-url", fx.DB.AdminURL, "--format", "xml"}, `unknown --format "xml"`},
		{"unknown rule", []string{"--database-url", fx.DB.AdminURL, "--rule", "nope=off"}, `unknown rule "nope"`},
		{"unknown role", []string{"--database-url", fx.DB.AdminURL, "--role", "no_such_role", "--dir", repoRoot}, `no such role: "no_such_role"`},
		{"unknown schema", []string{"--database-url", fx.DB.AdminURL, "--schema", "nope", "--dir", repoRoot}, `schema "nope" does not exist`},
		{"invalid config", []string{"--database-url", fx.DB.AdminURL, "--dir", bad}, `unknown key "tenant.tabel"`},
		{"cannot become the role", []string{"--database-url", fx.DB.OwnerURL, "--role", fx.DB.App, "--dir", repoRoot, "--probe"}, "cannot act as the application role"},
		{"stray argument", []string{"--database-url", fx.DB.AdminURL, "extra"}, `unexpected argument "extra"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := check(t, c.args...)
			assert.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, c.want)
		})
	}
}

func TestCheckIsListed(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"help"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "  check ")
	stderr.Reset()
	require.Equal(t, 0, run([]string{"check", "-h"}, &stdout, &stderr))
	for _, flag := range []string{"-database-url", "-format", "-role", "-dir", "-probe", "-schema", "-rule"} {
		assert.Contains(t, stderr.String(), flag)
	}
}
