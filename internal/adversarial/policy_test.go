package adversarial_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/diag"
)

// current is the value tenantc's policies compare the tenant column with.
const current = "(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)"

// project copies the example app's SQL and configuration to a directory of
// its own and adds files (path → content) to it.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range []string{"schema", "queries", "gen/migrations"} {
		require.NoError(t, os.CopyFS(filepath.Join(dir, p), os.DirFS(filepath.Join(repoRoot, p))))
	}
	for _, p := range []string{"tenantc.yaml", "sqlc.yaml"} {
		b, err := os.ReadFile(filepath.Join(repoRoot, p))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), b, 0o644))
	}
	for p, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644))
	}
	return dir
}

// vet runs tenantc vet on dir and returns its findings.
func vet(t *testing.T, dir string) diag.List {
	t.Helper()
	res, err := generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	return res.Diagnostics
}

// Item 4: policies that look like tenantc's tenant equality but fail open.
// vet (on the migration that makes them) and check (on the database they
// are applied to) must both report each one as an error.
func TestDisguisedBypassPoliciesAreReported(t *testing.T) {
	for _, c := range []struct{ name, using, code string }{
		{"bypass inside the sub-select", "tenant_id = (SELECT CASE WHEN current_setting('app.bypass_rls', true) = 'on' THEN projects.tenant_id ELSE NULLIF(current_setting('app.tenant_id', true), '')::uuid END)", "policy-or-bypass"},
		{"unset setting falls back to the row's own tenant", "tenant_id = COALESCE((SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid), projects.tenant_id)", "policy-or-bypass"},
		{"reads another setting", "tenant_id = " + current + " AND current_setting('app.role', true) IS DISTINCT FROM 'x'", "policy-other-setting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			alter := "ALTER POLICY tenantc_tenant_isolation ON projects USING (" + c.using + ") WITH CHECK (" + c.using + ");\n"
			dir := project(t, map[string]string{"gen/migrations/000099_hostile.up.sql": alter})
			found := vet(t, dir)
			assert.True(t, found.HasErrors(), "vet passes %s: %v", c.using, found)
			assert.Contains(t, rules(found), c.code, "%v", found)

			w := newWorld(t)
			w.fx.DB.Exec(t, w.fx.DB.OwnerURL, alter)
			live := w.check(t, true)
			assert.True(t, live.HasErrors(), "check --probe passes %s: %v", c.using, live)
			assert.Contains(t, rules(live), c.code, "%v", live)
		})
	}
}

// Item 7: a schema function that switches the tenant setting, called from
// an ordinary query. The switch is real — Acme's transaction reads Globex's
// project through it — so vet must report the function and the query, and
// check the function.
func TestFunctionThatSwitchesTenantsIsReported(t *testing.T) {
	const fn = `CREATE FUNCTION use_workspace(ws uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('app.tenant_id', ws::text, true);
    RETURN true;
END $$;
`
	w := newWorld(t)
	w.fx.DB.Exec(t, w.fx.DB.OwnerURL, fn+"GRANT EXECUTE ON FUNCTION use_workspace(uuid) TO "+w.fx.DB.App)
	var seen int
	require.NoError(t, tenantRun(w, w.acmeCtx, func(q querier) error {
		if _, err := q.Exec(context.Background(), "SELECT use_workspace($1)", string(w.globex.TenantID)); err != nil {
			return err
		}
		return q.QueryRow(context.Background(), "SELECT count(*) FROM projects WHERE name = 'Secret'").Scan(&seen)
	}))
	require.Equal(t, 1, seen, "the attack itself: Acme's transaction reads Globex's project")

	live := w.check(t, false)
	assert.True(t, live.HasErrors(), "check is silent about use_workspace: %v", live)
	assert.Contains(t, rules(live), "function-sets-tenant", "%v", live)

	dir := project(t, map[string]string{
		"schema/099_workspace.sql": fn,
		"queries/workspace.sql":    "-- name: UseWorkspace :one\nSELECT use_workspace($1);\n",
	})
	found := vet(t, dir)
	require.True(t, found.HasErrors(), "vet is silent about use_workspace: %v", found)
	assert.Subset(t, rules(found), []string{"function-sets-tenant", "query-function-sets-tenant"}, "%v", found)
	var files []string
	for _, d := range found {
		if d.Severity == diag.Error && !slices.Contains(files, filepath.Base(d.Pos.File)) {
			files = append(files, filepath.Base(d.Pos.File))
		}
	}
	assert.ElementsMatch(t, []string{"099_workspace.sql", "workspace.sql"}, files, "the function and the query that calls it: %v", found)
}
