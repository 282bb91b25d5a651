package generator_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestGoldenGoCompiles builds and vets the Go code of every golden case in a
// module of its own (a replace points at this checkout), as sqlc and
// protobuf-go do with their testdata: a golden file that does not compile is a
// bug its diff would not show.
func TestGoldenGoCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modules")
	}
	cases, err := filepath.Glob("testdata/*/output")
	require.NoError(t, err)
	for _, out := range cases {
		if len(goFilesOf(t, out)) == 0 {
			continue
		}
		t.Run(filepath.Base(filepath.Dir(out)), func(t *testing.T) {
			mod := goldenModule(t, out)
			goCommand(t, mod, nil, "mod", "tidy")
			goCommand(t, mod, nil, "vet", "./...")
		})
	}
}

// TestGoldenGoOnPostgres runs the tests a golden case keeps in gotest/ against
// its generated code, in the case's module, on a database holding the case's
// schema and migrations: the generated methods are called, not only compiled.
// The tests read the database URLs from GOLDEN_ADMIN_URL and GOLDEN_APP_URL.
func TestGoldenGoOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modules")
	}
	cases, err := filepath.Glob("testdata/*/gotest")
	require.NoError(t, err)
	require.NotEmpty(t, cases, "no golden case has Go tests to run")
	for _, tests := range cases {
		root := filepath.Dir(tests)
		t.Run(filepath.Base(root), func(t *testing.T) {
			mod := goldenModule(t, filepath.Join(root, "output"))
			require.NoError(t, os.CopyFS(mod, os.DirFS(tests)))

			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
			res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
			require.NoError(t, err)
			db := pgtest.NewDatabase(t)
			for _, f := range res.Sources {
				db.Exec(t, db.OwnerURL, f.SQL)
			}
			for _, f := range res.Files {
				if strings.HasPrefix(f.Path, res.Config.Migrations.Dir+"/") && !strings.HasSuffix(f.Path, ".down.sql") {
					db.Exec(t, db.OwnerURL, source.Parse(f.Path, f.Content).SQL)
				}
			}
			db.GrantApp(t)
			goCommand(t, mod, nil, "mod", "tidy")
			goCommand(t, mod, []string{"GOLDEN_ADMIN_URL=" + db.AdminURL, "GOLDEN_APP_URL=" + db.AppURL}, "test", "-count=1", "./...")
		})
	}
}

func goFilesOf(t *testing.T, dir string) []string {
	var goFiles []string
	require.NoError(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && strings.HasSuffix(p, ".go") {
			goFiles = append(goFiles, p)
		}
		return err
	}))
	return goFiles
}

// goldenModule copies a case's generated Go files into a new module that
// requires this checkout.
func goldenModule(t *testing.T, out string) string {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	mod := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(
		"module example.com/golden\n\ngo 1.26\n\nrequire github.com/tenantc/tenantc v0.0.0\n\nreplace github.com/tenantc/tenantc => "+root+"\n"), 0o644))
	for _, f := range goFilesOf(t, out) {
		rel, err := filepath.Rel(out, f)
		require.NoError(t, err)
		content, err := os.ReadFile(f)
		require.NoError(t, err)
		target := filepath.Join(mod, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		require.NoError(t, os.WriteFile(target, content, 0o644))
	}
	return mod
}

func goCommand(t *testing.T, dir string, env []string, args ...string) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOFLAGS=-mod=mod"), env...)
	outp, err := cmd.CombinedOutput()
	require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), outp)
}
