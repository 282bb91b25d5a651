package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
)

// TestCheckSuperuserWithoutRole: connected as a superuser with no --role,
// check says once that the connection bypasses RLS and to pass --role — not
// a finding per table and attempt claiming the policies differ.
func TestCheckSuperuserWithoutRole(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	args := []string{"--database-url", fx.DB.AdminURL, "--dir", repoRoot}
	for _, probe := range [][]string{nil, {"--probe"}} {
		code, findings := checkJSON(t, append(args, probe...)...)
		assert.Equal(t, 1, code)
		require.Len(t, findings, 1, "%v", findings)
		assert.Equal(t, "connection-bypasses-rls", findings[0].Code)
		assert.Equal(t, "error", findings[0].Severity)
		assert.Contains(t, findings[0].Message, "is a superuser and so ignores row level security, and no --role names the application role")
		assert.Contains(t, findings[0].Fix, "--role APP_ROLE")
	}
	_, stdout, _ := check(t, append(args, "--probe")...)
	assert.Contains(t, stdout, "the probe, which would cross tenants on every table whatever the policies say, did not run")
	assert.NotContains(t, stdout, "differs from the one tenantc generates")
	assert.True(t, strings.HasSuffix(stdout, "1 error, 0 warnings\n"), stdout)

	// Given --role, the same connection judges and probes the application role.
	code, stdout, stderr := check(t, append(args, "--role", fx.DB.App, "--probe")...)
	assert.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
}

// TestCheckProbeBypassingRole: probing as a role that ignores RLS proves
// nothing about the policies: the probe does not run and says so, instead of
// reporting every table as leaking.
func TestCheckProbeBypassingRole(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	fx.DB.Exec(t, fx.DB.AdminURL, "ALTER ROLE "+fx.DB.App+" BYPASSRLS")
	code, findings := checkJSON(t, "--database-url", fx.DB.AdminURL, "--role", fx.DB.App, "--dir", repoRoot, "--probe")
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"app-role-bypassrls", "probe-incomplete"}, codes(findings), "%v", findings)
}

// probeProject is a project whose scoped tables the probe used to be unable
// to fill: an API key with a globally unique hash, number and timestamp
// (the lookup happens before the tenant is known), and a serial key.
func probeProject(t *testing.T) string {
	dir := project(t, map[string]string{
		"tenantc.yaml": "version: 1\nschema: [schema]\n",
		"schema/schema.sql": `CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE api_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    key_hash  bytea NOT NULL UNIQUE,
    number    integer NOT NULL UNIQUE,
    issued_at timestamptz NOT NULL UNIQUE,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        bigserial,
    PRIMARY KEY (tenant_id, id)
);
`,
	})
	code, _, stderr := runTool(t, "generate", "--dir", dir)
	require.Equal(t, 0, code, stderr)
	return dir
}

var quietProbeRules = []string{"--rule", "key-without-tenant=off", "--rule", "scoped-serial-column=off"}

// TestProbeFillsGloballyUniqueColumns: the probe's rows satisfy unique
// columns shared by every tenant, also against the rows already there, so
// the table is probed — a leak on it is found.
func TestProbeFillsGloballyUniqueColumns(t *testing.T) {
	dir := probeProject(t)
	fx := checktest.Migrated(t, dir)
	fx.DB.Exec(t, fx.DB.AdminURL, `INSERT INTO tenants (id, name) VALUES ('00000000-0000-4000-8000-000000000001', 'existing');
		INSERT INTO api_keys (tenant_id, key_hash, number, issued_at)
		SELECT '00000000-0000-4000-8000-000000000001', decode(md5(n::text), 'hex'), n, now() + make_interval(secs => n)
		FROM generate_series(1, 100) n`)
	args := append([]string{"--database-url", fx.DB.AdminURL, "--role", fx.DB.App, "--dir", dir, "--probe"}, quietProbeRules...)

	code, findings := checkJSON(t, args...)
	assert.Equal(t, 0, code, "%v", findings)
	assert.Empty(t, findings)

	fx.DB.Exec(t, fx.DB.OwnerURL, "CREATE POLICY peek ON api_keys FOR SELECT USING (true)")
	_, findings = checkJSON(t, args...)
	assert.Contains(t, findingsOf(findings, "public.api_keys"), "probe-cross-tenant-read", "the probe tried api_keys: %v", findings)
}

// TestProbeIncompleteIsAnError: a probe that could not fill a table fails
// the run, and its fix names the cause — here the sequence grant the
// migration forgot.
func TestProbeIncompleteIsAnError(t *testing.T) {
	dir := probeProject(t)
	fx := checktest.Migrated(t, dir)
	fx.DB.Exec(t, fx.DB.OwnerURL, "REVOKE USAGE ON SEQUENCE invoices_id_seq FROM "+fx.DB.App)
	code, findings := checkJSON(t, append([]string{"--database-url", fx.DB.AdminURL, "--role", fx.DB.App, "--dir", dir, "--probe"}, quietProbeRules...)...)
	assert.Equal(t, 1, code, "a probe that tested nothing on a table must not pass")
	require.Len(t, findings, 1, "%v", findings)
	f := findings[0]
	assert.Equal(t, "probe-incomplete", f.Code)
	assert.Equal(t, "error", f.Severity)
	assert.Equal(t, "public.invoices", f.Object)
	assert.Contains(t, f.Message, "permission denied for sequence invoices_id_seq (SQLSTATE 42501)")
	assert.True(t, strings.HasPrefix(f.Fix, "GRANT USAGE ON SEQUENCE invoices_id_seq TO "+fx.DB.App+";"), f.Fix)
}

// findingsOf returns the codes of the findings about object.
func findingsOf(fs []finding, object string) []string {
	var out []string
	for _, f := range fs {
		if f.Object == object {
			out = append(out, f.Code)
		}
	}
	return out
}

// TestCheckProbeWithoutTenantTable: --probe on a database whose tenant table
// is not found (tenant-root turned off) used to skip the probe in silence.
func TestCheckProbeWithoutTenantTable(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	dir := project(t, map[string]string{"tenantc.yaml": "version: 1\ntenant:\n  table: accounts\n"})
	code, findings := checkJSON(t, "--database-url", fx.DB.AdminURL, "--role", fx.DB.App, "--dir", dir, "--probe", "--rule", "tenant-root=off", "--rule", "unclassified-table=off")
	assert.Equal(t, 1, code)
	require.Equal(t, []string{"probe-incomplete"}, codes(findings), "%v", findings)
	assert.Contains(t, findings[0].Message, "the probe did not run: the tenant table accounts was not found")
}
