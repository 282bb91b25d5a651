package generator_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/diag"
)

// findings returns the tables a rule reports in l.
func findings(l diag.List, rule string) []string {
	var out []string
	for _, d := range l {
		if d.Rule == rule {
			out = append(out, d.Table)
		}
	}
	return out
}

// TestTableRuleOverrides: a per-table override in tenantc.yaml silences the
// rule for that table only, in generate and in vet alike; a table that is
// not in the schema is a located error.
func TestTableRuleOverrides(t *testing.T) {
	dir := "testdata/diag-lookup-before-tenant/input"
	vet, err := generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	require.Equal(t, []string{"public.users"}, findings(vet.Diagnostics, "key-without-tenant"), "vet: api_keys is overridden, users is not")

	gen, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	require.NoError(t, err)
	require.Equal(t, []string{"public.users"}, findings(gen.Diagnostics, "key-without-tenant"), "generate")

	vet, err = generator.Vet(generator.Options{Dir: "testdata/rule-table-unknown/input"})
	require.NoError(t, err)
	var got []string
	for _, d := range vet.Diagnostics {
		if d.Severity == diag.Error && d.Rule == "" {
			got = append(got, d.String())
		}
	}
	require.Equal(t, []string{"tenantc.yaml:5:14: error: rules.key-without-tenant.tables: table public.api_key is not in the schema"}, got)
}
