package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFileFlag is sqlc's -f: `generate -f app/sqlc.dev.yaml` reads that config,
// with its paths relative to its own directory, which is the project
// directory (output included); vet takes it too; --dir beside -f is refused.
func TestFileFlag(t *testing.T) {
	root := t.TempDir()
	app := filepath.Join(root, "app")
	copyPath(t, filepath.Join("..", "..", "internal", "generator", "testdata", "sqlc-config-file", "input"), app)

	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"generate", "-f", filepath.Join(app, "sqlc.dev.yaml")}, &stdout, &stderr), stderr.String())
	_, err := os.Stat(filepath.Join(app, "db", "store", "tenantc_repositories.go"))
	require.NoError(t, err, "the repositories are written in the config's directory")
	_, err = os.Stat(filepath.Join(app, "gen", "migrations", "000002_tenantc_rls_notes.up.sql"))
	require.NoError(t, err)

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run([]string{"generate", "--check", "--file", filepath.Join(app, "sqlc.dev.yaml")}, &stdout, &stderr), stderr.String())
	stderr.Reset()
	require.Equal(t, 0, run([]string{"vet", "-f", filepath.Join(app, "sqlc.dev.yaml")}, &stdout, &stderr), stderr.String())

	// Without -f the project's sqlc.yaml is read, and refused.
	stderr.Reset()
	require.Equal(t, 1, run([]string{"generate", "--check", "--dir", app}, &stdout, &stderr))
	require.Contains(t, stderr.String(), `sqlc.yaml:4:1: error: unknown key "not_a_key"`)

	stderr.Reset()
	require.Equal(t, 2, run([]string{"generate", "--dir", app, "-f", filepath.Join(app, "sqlc.dev.yaml")}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "pass --dir or -f, not both")
}
