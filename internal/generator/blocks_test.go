package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
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

// TestPassThroughIsPlainSqlc: in a project with tenant tables, the blocks and
// generators tenantc does not wrap — mysql, sqlite, a postgresql block's
// gen.json and codegen plugins (a relative cmd included) — write exactly what
// plain sqlc writes for the same config.
func TestPassThroughIsPlainSqlc(t *testing.T) {
	for name, dirs := range map[string][]string{
		"sqlc-blocks-engines":      {"mysql/", "sqlite/", "gen/json/"},
		"sqlc-plugin-relative-cmd": {"gen/hello/"},
		"sqlc-database-kept":       {"sqlite/"},
	} {
		t.Run(name, func(t *testing.T) {
			input := filepath.Join("testdata", name, "input")
			plain := t.TempDir()
			require.NoError(t, os.CopyFS(plain, os.DirFS(input)))
			stderr, err := sqlcrun.Generate(t.Context(), plain, "sqlc.yaml")
			require.NoError(t, err, stderr)
			want := map[string][]byte{}
			for p, content := range readTree(t, plain) {
				for _, d := range dirs {
					if strings.HasPrefix(p, d) && !strings.HasSuffix(p, ".sql") {
						want[p] = content
					}
				}
			}
			require.NotEmpty(t, want)

			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(input)))
			res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
			require.NoError(t, err)
			got := map[string][]byte{}
			for _, f := range res.Files {
				for _, d := range dirs {
					if strings.HasPrefix(f.Path, d) {
						got[f.Path] = f.Content
					}
				}
			}
			require.Equal(t, sortedKeys(want), sortedKeys(got))
			for p := range want {
				require.Equal(t, string(want[p]), string(got[p]), "content of %s", p)
			}
		})
	}
}
