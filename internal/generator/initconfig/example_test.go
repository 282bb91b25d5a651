package initconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/initconfig"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// TestExampleProposal: on this repository's example without its tenantc.yaml,
// init finds tenants and tenant_id and proposes plans and users global; with
// the proposed file generate succeeds and classifies every table as it does
// with the repository's own tenantc.yaml (the organization store aside: the
// proposal does not enable it, so its tables are not there to compare).
func TestExampleProposal(t *testing.T) {
	dir := exampleProject(t)
	cfg, cat, err := generator.ReadSchema(generator.Options{Dir: dir})
	require.NoError(t, err)
	p, err := initconfig.Propose(initconfig.Input{Catalog: cat, Config: cfg, From: initconfig.FromFiles(cfg)})
	require.NoError(t, err)
	require.True(t, p.Found)
	require.Equal(t, "tenants", p.Root)
	require.Equal(t, "tenant_id", p.Column)
	var global []string
	for _, tb := range p.Tables {
		if tb.Class == initconfig.Global {
			global = append(global, tb.Name)
		}
	}
	require.Equal(t, []string{"plans", "users"}, global)
	require.Zero(t, p.Count(initconfig.Unclassified))

	require.NoError(t, os.WriteFile(filepath.Join(dir, config.FileName), p.Render(), 0o644))
	proposed, _ := kinds(t, dir)

	own := exampleProject(t)
	content, err := os.ReadFile(filepath.Join(repoRoot, config.FileName))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(own, config.FileName), content, 0o644))
	want, store := kinds(t, own)
	for name := range want {
		if _, ok := proposed[name]; !ok {
			// Only the tables the store's migration creates are missing.
			require.True(t, store[name], "%s is classified with the repository's tenantc.yaml but not with the proposal", name)
			delete(want, name)
		}
	}
	require.Equal(t, want, proposed)
}

// kinds runs generate on dir and returns every table's kind, and which
// tables are the organization store's.
func kinds(t *testing.T, dir string) (map[string]tenancy.Kind, map[string]bool) {
	t.Helper()
	res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	if res != nil {
		for _, d := range res.Diagnostics {
			t.Log(d)
		}
	}
	require.NoError(t, err)
	out, store := map[string]tenancy.Kind{}, map[string]bool{}
	for _, tb := range res.Model.Tables {
		out[tb.Name.String()] = tb.Kind
		store[tb.Name.String()] = tb.Store
	}
	return out, store
}
