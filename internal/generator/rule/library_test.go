package rule_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/diag"
)

// TestLibraryCallerKnowsCheckRules: a program that links the generator but
// neither cmd/tenantc nor package audit (this test binary is one) accepts
// check's rules in tenantc.yaml and in Options.Rules. It used to reject them:
// audit added its rules to the list from init(), so the names a project's
// tenantc.yaml could use depended on what was linked.
func TestLibraryCallerKnowsCheckRules(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "schema"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"),
		[]byte("version: 1\nschema: [schema]\nrules:\n  app-role-superuser: off\n  probe-incomplete: warning\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "schema.sql"),
		[]byte("CREATE TABLE tenants (id uuid PRIMARY KEY);\n"), 0o644))
	opts := generator.Options{Dir: dir, Rules: map[string]diag.Severity{"connection-bypasses-rls": diag.Off}}

	res, err := generator.Run(t.Context(), opts)
	require.NoError(t, err)
	require.Empty(t, res.Diagnostics)
	res, err = generator.Vet(opts)
	require.NoError(t, err)
	for _, d := range res.Diagnostics {
		require.NotEmpty(t, d.Rule, "vet: only findings of the schema (it has no policy yet): %v", d)
	}
}
