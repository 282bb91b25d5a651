package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildsWithoutTheDemo is the way out of the build loop: go generate
// runs tenantc, and the demo links gen/db and gen/store, so a gen/ that does
// not compile would stop tenantc from building and regenerating it. With a
// gen/db that does not compile (an overlay: the checkout is not touched),
// tenantc fails to build, and builds with -tags tenantc_nodemo, whose demo
// command says it was left out.
func TestBuildsWithoutTheDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tenantc twice")
	}
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.go")
	require.NoError(t, os.WriteFile(broken, []byte("package db\n\nvar _ = undefinedAfterARuntimeBump\n"), 0o644))
	overlay, err := json.Marshal(map[string]any{"Replace": map[string]string{filepath.Join(root, "gen", "db", "db.go"): broken}})
	require.NoError(t, err)
	overlayFile := filepath.Join(dir, "overlay.json")
	require.NoError(t, os.WriteFile(overlayFile, overlay, 0o644))
	bin := filepath.Join(dir, "tenantc")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	build := func(tags ...string) (string, error) {
		args := append([]string{"build", "-overlay", overlayFile, "-o", bin}, tags...)
		cmd := exec.Command("go", append(args, ".")...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := build()
	require.Error(t, err, "the overlay must break the demo's build")
	assert.Contains(t, out, "undefinedAfterARuntimeBump")

	out, err = build("-tags", "tenantc_nodemo")
	require.NoError(t, err, out)
	cmd := exec.Command(bin, "demo", "--database-url", "postgres://unused")
	msg, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 2, exit.ExitCode())
	assert.Contains(t, string(msg), "built without the demo")
	help, err := exec.Command(bin, "generate", "-h").CombinedOutput()
	require.NoError(t, err, string(help))
	assert.True(t, strings.HasPrefix(string(help), "Usage: tenantc generate"), string(help))
}
