package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
)

// TestVetSeesEverySQLBlock: a scoped table defined only in the second sql:
// block of sqlc.yaml is judged like any other — before generate has written
// its migration, vet reports that it has no row level security.
func TestVetSeesEverySQLBlock(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "sqlc-blocks-second-scoped", "input"))))
	res, err := generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	var invoices []string
	for _, d := range res.Diagnostics {
		if strings.Contains(d.String(), "invoices") {
			invoices = append(invoices, d.String())
		}
	}
	require.NotEmpty(t, invoices, "vet said nothing about invoices: %v", res.Diagnostics)
	require.True(t, res.Diagnostics.HasErrors(), "%v", invoices)
	t.Log(strings.Join(invoices, "\n"))
}
