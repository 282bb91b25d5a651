package generator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
)

// TestVetCitusRouting: tenantc vet applies the routing rules in Citus mode
// only: the golden case's three fanning-out queries, and none once
// tenantc.yaml no longer says distribute: citus.
func TestVetCitusRouting(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", "citus-vet-fan-out", "input"))))
	count := func() int {
		res, err := generator.Vet(generator.Options{Dir: dir})
		require.NoError(t, err)
		n := 0
		for _, d := range res.Diagnostics {
			if d.Rule == "citus-fan-out" || d.Rule == "citus-join-off-tenant" {
				n++
			}
		}
		return n
	}
	assert.Equal(t, 3, count())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), []byte("version: 1\nglobal: [plans]\n"), 0o644))
	assert.Equal(t, 0, count())
}
