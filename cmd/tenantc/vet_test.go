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

	"github.com/tenantc/tenantc/internal/sarifcheck"
)

// vet runs tenantc vet with args and returns its exit code and output.
// vetJSON runs vet --format json on dir and returns the exit code and findings.
func vetJSON(t *testing.T, dir string, args ...string) (int, []finding) {
	t.Helper()
	return jsonFindings(t, "vet", append([]string{"--dir", dir}, args...)...)
}

// project writes files (path → content) into a new directory.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

const vetBase = `CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id        uuid NOT NULL,
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
`

// vetProtected is vetBase with RLS enabled and forced on both tables and the
// root's policy, so that the policies of projects are all that is judged.
const vetProtected = vetBase + `ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants
    USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
`

const vetCurrent = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"

// TestVetExample: this repository's schema and generated migrations pass.
func TestVetExample(t *testing.T) {
	code, stdout, stderr := vet(t, "--dir", repoRoot)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, "no findings\n", stdout)

	code, findings := vetJSON(t, repoRoot)
	assert.Equal(t, 0, code)
	assert.Empty(t, findings)

	code, stdout, _ = vet(t, "--dir", repoRoot, "--format", "sarif")
	require.Equal(t, 0, code)
	require.Empty(t, sarifcheck.Validate([]byte(stdout)), "vet's SARIF against the 2.1.0 schema")
	var log struct {
		Version string
		Runs    []struct{ Results []any }
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &log))
	assert.Equal(t, "2.1.0", log.Version)
	require.Len(t, log.Runs, 1)
	assert.Empty(t, log.Runs[0].Results)
}

// TestVetWithoutMigrations: a scoped table before generate has run has none of
// its protection, and vet says so without planning it.
func TestVetWithoutMigrations(t *testing.T) {
	dir := project(t, map[string]string{"schema/001.sql": vetBase})
	code, findings := vetJSON(t, dir)
	assert.Equal(t, 1, code)
	assert.Equal(t, []string{"rls-disabled", "rls-not-forced", "tenant-policy-missing"}, codes(findings))
	for _, f := range findings {
		assert.Equal(t, "schema/001.sql", f.File)
		assert.Positive(t, f.Line)
		assert.Contains(t, []string{"public.tenants", "public.projects"}, f.Object)
		assert.NotEmpty(t, f.Fix)
	}
	_, err := os.Stat(filepath.Join(dir, "gen"))
	assert.True(t, os.IsNotExist(err), "vet wrote something")

	code, stdout, _ := vet(t, "--dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "schema/001.sql:2:14: error: table public.projects is protected (scoped) but row level security is not enabled")
	assert.True(t, strings.HasSuffix(stdout, "6 errors, 0 warnings\n"), stdout)
}

func TestVetPolicies(t *testing.T) {
	for _, tc := range []struct {
		name, policies string
		args           []string
		want           []string // the rules of the findings
		exit           int
	}{
		{"cast, no missing_ok, no initplan",
			"CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id::text = current_setting('app.tenant_id'));",
			nil, []string{"policy-column-cast", "policy-not-initplan", "policy-setting-not-missing-ok"}, 1},
		{"OR bypass",
			"CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + vetCurrent + " OR current_setting('app.bypass_rls', true) = 'on');",
			nil, []string{"policy-or-bypass", "policy-other-setting"}, 1},
		{"always true",
			"CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + vetCurrent + ");\n" +
				"CREATE POLICY tenantc_tenant_isolation_2 ON projects FOR SELECT USING (true);",
			nil, []string{"foreign-policy", "multiple-permissive-policies", "policy-always-true"}, 1},
		{"two permissive SELECT policies",
			"CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + vetCurrent + ");\n" +
				"CREATE POLICY by_name ON projects FOR SELECT USING (tenant_id = " + vetCurrent + " AND name <> '');",
			nil, []string{"foreign-policy", "multiple-permissive-policies"}, 1},
		{"two permissive SELECT policies, foreign-policy turned off",
			"CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + vetCurrent + ");\n" +
				"CREATE POLICY by_name ON projects FOR SELECT USING (tenant_id = " + vetCurrent + " AND name <> '');",
			[]string{"--rule", "foreign-policy=off"}, []string{"multiple-permissive-policies"}, 0},
		{"clean", "CREATE POLICY tenantc_tenant_isolation ON projects USING (tenant_id = " + vetCurrent + ");", nil, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := project(t, map[string]string{"schema/001.sql": vetProtected + tc.policies + "\n"})
			code, findings := vetJSON(t, dir, tc.args...)
			assert.Equal(t, tc.want, codes(findings), "%+v", findings)
			assert.Equal(t, tc.exit, code)
			for _, f := range findings {
				if strings.HasPrefix(f.Code, "policy-") {
					assert.True(t, strings.HasPrefix(f.Object, "policy "), "%+v", f)
				}
			}
		})
	}
}

func TestVetRuleFlags(t *testing.T) {
	dir := project(t, map[string]string{"schema/001.sql": vetBase})
	code, findings := vetJSON(t, dir, "--rule", "rls-not-forced=off", "--rule", "rls-disabled=warning", "--rule", "tenant-policy-missing=warning")
	assert.Equal(t, 0, code, "only warnings left")
	assert.Equal(t, []string{"rls-disabled", "tenant-policy-missing"}, codes(findings))

	// tenantc.yaml's rules: apply too, and the flag wins.
	dir = project(t, map[string]string{
		"schema/001.sql": vetBase,
		"tenantc.yaml":   "rules:\n  rls-not-forced: off\n  rls-disabled: off\n",
	})
	_, findings = vetJSON(t, dir, "--rule", "rls-disabled=error")
	assert.Equal(t, []string{"rls-disabled", "tenant-policy-missing"}, codes(findings))
}

func TestVetSyntaxErrorIsAFinding(t *testing.T) {
	dir := project(t, map[string]string{"schema/001.sql": vetBase + "CREATE TABEL x (id int);\n"})
	code, findings := vetJSON(t, dir)
	assert.Equal(t, 1, code)
	require.Len(t, findings, 1, "%+v", findings)
	assert.Equal(t, "input-error", findings[0].Code)
	assert.Equal(t, "schema/001.sql", findings[0].File)
	assert.Contains(t, findings[0].Message, "syntax error")
}

func TestVetQueries(t *testing.T) {
	dir := project(t, map[string]string{
		"schema/001.sql": vetBase,
		"queries/q.sql":  "-- name: Bad :exec\nSELECT set_config('app.tenant_id', $1, true);\n",
		"sqlc.yaml": `version: "2"
sql:
  - engine: postgresql
    schema: schema
    queries: queries
    gen:
      go: {package: db, out: gen/db, sql_package: pgx/v5}
`,
	})
	code, findings := vetJSON(t, dir, "--rule", "rls-disabled=off", "--rule", "rls-not-forced=off", "--rule", "tenant-policy-missing=off")
	assert.Equal(t, 1, code)
	// The sqlc.yaml names neither the migrations and standard queries nor
	// the tenant overrides: plain sqlc would not write tenantc's code.
	assert.Equal(t, []string{"query-set-config", "query-tenant-setting", "sqlc-config-incomplete"}, codes(findings))
}

func TestVetCouldNotRun(t *testing.T) {
	badConfig := project(t, map[string]string{"schema/001.sql": vetBase, "tenantc.yaml": "globals: [x]\n"})
	for _, tc := range []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown flag", []string{"--nope"}, "flag provided but not defined"},
		{"unknown format", []string{"--dir", repoRoot, "--format", "xml"}, `unknown --format "xml"`},
		{"unknown rule", []string{"--dir", repoRoot, "--rule", "no-such-rule=off"}, `unknown rule "no-such-rule"`},
		{"bad severity", []string{"--dir", repoRoot, "--rule", "rls-disabled=fatal"}, "unknown severity"},
		{"stray argument", []string{"--dir", repoRoot, "extra"}, "unexpected argument"},
		{"invalid config", []string{"--dir", badConfig}, `unknown key "globals"`},
		{"missing schema", []string{"--dir", t.TempDir()}, "tenantc vet:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := vet(t, tc.args...)
			assert.Equal(t, 2, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
			assert.Contains(t, stderr, tc.msg)
			assert.Empty(t, stdout)
		})
	}
}

func TestVetIsListed(t *testing.T) {
	var stdout, stderr bytes.Buffer
	run([]string{"help"}, &stdout, &stderr)
	assert.Contains(t, stderr.String(), "vet ")
}
