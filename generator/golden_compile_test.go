package generator_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGoldenGoCompiles builds and vets the Go code of every golden case in a
// module of its own (a replace points at this checkout), as sqlc and
// protobuf-go do with their testdata: a golden file that does not compile is a
// bug its diff would not show.
func TestGoldenGoCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds modules")
	}
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	cases, err := filepath.Glob("testdata/*/output")
	require.NoError(t, err)
	for _, out := range cases {
		var goFiles []string
		require.NoError(t, filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
			if err == nil && strings.HasSuffix(p, ".go") {
				goFiles = append(goFiles, p)
			}
			return err
		}))
		if len(goFiles) == 0 {
			continue
		}
		t.Run(filepath.Base(filepath.Dir(out)), func(t *testing.T) {
			mod := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte(
				"module example.com/golden\n\ngo 1.26\n\nrequire github.com/tenantc/tenantc v0.0.0\n\nreplace github.com/tenantc/tenantc => "+root+"\n"), 0o644))
			for _, f := range goFiles {
				rel, err := filepath.Rel(out, f)
				require.NoError(t, err)
				content, err := os.ReadFile(f)
				require.NoError(t, err)
				target := filepath.Join(mod, rel)
				require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
				require.NoError(t, os.WriteFile(target, content, 0o644))
			}
			for _, args := range [][]string{{"mod", "tidy"}, {"vet", "./..."}} {
				cmd := exec.Command("go", args...)
				cmd.Dir = mod
				cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
				outp, err := cmd.CombinedOutput()
				require.NoError(t, err, "go %s:\n%s", strings.Join(args, " "), outp)
			}
		})
	}
}
