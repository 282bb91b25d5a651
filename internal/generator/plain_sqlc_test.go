package generator_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

// TestNoTenantTableIsPlainSqlc: a sqlc project without a tenant table (and no
// tenantc.yaml) generates exactly what plain sqlc writes for it, file for file
// and byte for byte — no repositories, migrations or standard queries — and a
// warning, not an error. Plain sqlc here is sqlc's own pkg/cli, run on the
// case's untouched input, so the proof does not go through tenantc's rewriting
// of the config.
func TestNoTenantTableIsPlainSqlc(t *testing.T) {
	// The second case keeps sqlc's default sql_package, database/sql, which
	// tenantc's runtime does not serve: without tenant tables it is not needed.
	for _, c := range []string{"sqlc-without-tenant-table", "sqlc-database-sql-without-tenant-table"} {
		t.Run(c, func(t *testing.T) { checkPlainSqlc(t, c) })
	}
}

func checkPlainSqlc(t *testing.T, c string) {
	input := filepath.Join("testdata", c, "input")
	inputFiles := readTree(t, input)

	plain := t.TempDir()
	require.NoError(t, os.CopyFS(plain, os.DirFS(input)))
	stderr, err := sqlcrun.Generate(t.Context(), plain, "sqlc.yaml")
	require.NoError(t, err, stderr)
	want := readTree(t, plain)
	for p := range inputFiles {
		delete(want, p)
	}
	require.NotEmpty(t, want, "plain sqlc wrote nothing")

	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(input)))
	res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	require.NoError(t, err)
	got := map[string][]byte{}
	for _, f := range res.Files {
		got[f.Path] = f.Content
	}
	require.Equal(t, sortedKeys(want), sortedKeys(got), "generated file names")
	for p := range want {
		require.Equal(t, string(want[p]), string(got[p]), "content of %s", p)
	}
	require.Len(t, res.Diagnostics, 1)
	require.Equal(t, "tenant-root", res.Diagnostics[0].Rule)
	require.False(t, res.Diagnostics.HasErrors())
}
