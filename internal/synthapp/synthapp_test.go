package synthapp_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/synthapp"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // generate runs sqlc in a child: this test binary
	os.Exit(m.Run())
}

func TestShape(t *testing.T) {
	s := synthapp.ShapeOf(500)
	require.Equal(t, synthapp.Shape{Tables: 500, Scoped: 299, Global: 200, Queries: 1895}, s)
}

// TestGenerateClean generates a small synthetic project: no diagnostic at
// all (sqlc-config-incomplete among them: its sqlc.yaml is what tenantc
// wants), every table classified as meant, and a second run writes nothing.
func TestGenerateClean(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(sqlcrun.CacheEnv, "off")
	shape, err := synthapp.Write(dir, 20)
	require.NoError(t, err)
	require.Equal(t, synthapp.Shape{Tables: 20, Scoped: 11, Global: 8, Queries: 1 + 5*11 - 1 + 2*8}, shape)

	res, err := generator.Run(context.Background(), generator.Options{Dir: dir})
	require.NoError(t, err)
	for _, d := range res.Diagnostics {
		t.Errorf("diagnostic: %s", d)
	}
	kinds := map[tenancy.Kind]int{}
	for _, tab := range res.Model.Tables {
		kinds[tab.Kind]++
	}
	require.Equal(t, map[tenancy.Kind]int{tenancy.Root: 1, tenancy.Scoped: 11, tenancy.Global: 8}, kinds)
	changes, err := output.Write(dir, res.Files, res.Prune...)
	require.NoError(t, err)
	require.NotEmpty(t, changes)

	queries := 0
	for _, sub := range []string{"queries"} {
		files, _ := filepath.Glob(filepath.Join(dir, sub, "*.sql"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			queries += strings.Count(string(b), "-- name:")
		}
	}
	require.Equal(t, shape.Queries, queries)

	again, err := generator.Run(context.Background(), generator.Options{Dir: dir})
	require.NoError(t, err)
	require.Empty(t, again.Diagnostics)
	changes, err = output.Diff(dir, again.Files, again.Prune...)
	require.NoError(t, err)
	require.Empty(t, changes, "a second run changes files")
}
