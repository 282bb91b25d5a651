//go:build !tenantc_nodemo

package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestDemoCommand: tenantc demo prints internal/demo's golden transcript
// (the README's) and exits 0; without a URL it is a usage error.
func TestDemoCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"demo", "--database-url", pgtest.AdminURL(t)}, &stdout, &stderr)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	want, err := os.ReadFile(repoRoot + "/internal/demo/testdata/transcript.txt")
	require.NoError(t, err)
	assert.Equal(t, string(want), stdout.String())
	assert.Empty(t, stderr.String())

	t.Setenv("DATABASE_URL", "")
	stdout.Reset()
	stderr.Reset()
	code = run([]string{"demo"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Equal(t, "tenantc demo: --database-url is required (or DATABASE_URL)\n", stderr.String())
}
