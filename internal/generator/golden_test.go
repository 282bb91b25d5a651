package generator_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/filetree"
	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/golden"
)

// TestGolden runs the generator on every testdata/<case>/input project and
// compares what it would write with testdata/<case>/output, and the diagnostics
// it prints with testdata/<case>/stderr.txt (absent when it prints none).
// A case that succeeds is then written and generated again: the second run must
// produce nothing.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		if !c.IsDir() {
			continue
		}
		t.Run(c.Name(), func(t *testing.T) {
			root := filepath.Join("testdata", c.Name())
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))

			opts := goldenOptions(root, dir)
			res, runErr := generator.Run(t.Context(), opts)
			var stderr strings.Builder
			if res != nil {
				for _, d := range res.Diagnostics {
					stderr.WriteString(d.String() + "\n")
				}
			}
			if runErr != nil && (res == nil || len(res.Diagnostics) == 0) {
				stderr.WriteString(runErr.Error() + "\n")
			}
			got := map[string][]byte{}
			if runErr == nil {
				for _, f := range res.Files {
					got[f.Path] = f.Content
				}
			}

			if golden.Update() { // rewrite testdata/<case>/output and stderr.txt
				writeExpected(t, root, got, stderr.String())
				return
			}
			want := readTree(t, filepath.Join(root, "output"))
			require.Equal(t, sortedKeys(want), sortedKeys(got), "generated file names")
			for p := range want {
				require.Equal(t, string(want[p]), string(got[p]), "content of %s", p)
			}
			wantStderr, err := os.ReadFile(filepath.Join(root, "stderr.txt"))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			require.Equal(t, string(wantStderr), stderr.String(), "diagnostics")

			if runErr != nil {
				return
			}
			_, err = output.Write(dir, res.Files, res.Prune...)
			require.NoError(t, err)
			again, err := generator.Run(t.Context(), opts)
			require.NoError(t, err)
			changes, err := output.Diff(dir, again.Files, again.Prune...)
			require.NoError(t, err)
			require.Empty(t, changes, "a second run must change nothing")
		})
	}
}

// goldenOptions are the options of the case in root, copied to dir: a case
// may name its sqlc config, as -f does, in a file sqlc-file.
func goldenOptions(root, dir string) generator.Options {
	opts := generator.Options{Dir: dir}
	if name, err := os.ReadFile(filepath.Join(root, "sqlc-file")); err == nil {
		opts.SQLCFile = strings.TrimSpace(string(name))
	}
	return opts
}

func writeExpected(t *testing.T, root string, files map[string][]byte, stderr string) {
	out := filepath.Join(root, "output")
	require.NoError(t, os.RemoveAll(out))
	for p, content := range files {
		target := filepath.Join(out, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(target), 0o755))
		require.NoError(t, os.WriteFile(target, content, 0o644))
	}
	errFile := filepath.Join(root, "stderr.txt")
	if stderr == "" {
		os.Remove(errFile)
		return
	}
	require.NoError(t, os.WriteFile(errFile, []byte(stderr), 0o644))
}

func readTree(t *testing.T, dir string) map[string][]byte {
	files, err := filetree.Read(dir)
	require.NoError(t, err)
	return files
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
