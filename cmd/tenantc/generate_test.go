package main

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/filetree"
)

// repoRoot is this repository: its schema/ and gen/ are the example app.
const repoRoot = "../.."

// TestCommittedOutputIsCurrent is what CI asks of every change: generate --check
// on this repository finds nothing to do.
func TestCommittedOutputIsCurrent(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"generate", "--check", "--dir", repoRoot}, &stdout, &stderr)
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	require.Empty(t, stdout.String())
	require.NotContains(t, stderr.String(), ": warning:", "the example schema should be clean")
}

// TestTour is README's tour: adding one scoped table and generating creates
// exactly one new migration and the table's repository, and changes nothing
// else; generating again changes nothing; --check agrees at each step.
func TestTour(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"schema", "queries", "gen", "tenantc.yaml", "sqlc.yaml"} {
		copyPath(t, filepath.Join(repoRoot, p), filepath.Join(dir, p))
	}
	before := snapshot(t, dir)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "010_notes.sql"), []byte(`CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
`), 0o644))

	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run([]string{"generate", "--check", "--dir", dir}, &stdout, &stderr), stderr.String())
	require.Contains(t, stdout.String(), "would create gen/migrations/")

	stdout.Reset()
	stderr.Reset()
	require.Equal(t, 0, run([]string{"generate", "--dir", dir}, &stdout, &stderr), stderr.String())
	after := snapshot(t, dir)
	var added, changed []string
	for p, content := range after {
		old, ok := before[p]
		switch {
		case !ok:
			added = append(added, p)
		case !bytes.Equal(old, content):
			changed = append(changed, p)
		}
	}
	for p := range before {
		require.Contains(t, after, p, "generate removed %s", p)
	}
	// One new migration; besides it only the Go side (the table's standard
	// queries, sqlc's code and the repositories) changes.
	require.ElementsMatch(t, []string{
		"schema/010_notes.sql",
		"gen/migrations/000013_tenantc_rls_notes.up.sql",
		"gen/migrations/000013_tenantc_rls_notes.down.sql",
		"gen/queries/tenantc_notes.sql",
		"gen/db/tenantc_notes.sql.go",
	}, added)
	require.ElementsMatch(t, []string{"gen/db/models.go", "gen/db/tenantc_repositories.go"}, changed)
	require.Contains(t, string(after["gen/db/tenantc_repositories.go"]), "func NewNotesRepo(s *tenant.Scope) *NotesRepo")
	up := string(after["gen/migrations/000013_tenantc_rls_notes.up.sql"])
	require.Contains(t, up, "CREATE POLICY tenantc_tenant_isolation ON public.notes")

	stdout.Reset()
	require.Equal(t, 0, run([]string{"generate", "--dir", dir}, &stdout, &stderr))
	require.Empty(t, stdout.String(), "a second run writes nothing")
	require.Equal(t, after, snapshot(t, dir))
	require.Equal(t, 0, run([]string{"generate", "--check", "--dir", dir}, &stdout, &stderr))
}

// TestErrorsWriteNothing: a schema with an error fails with a located message
// and leaves the output directory as it was.
func TestErrorsWriteNothing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "schema"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "a.sql"), []byte(
		"CREATE TABLE tenants (id uuid PRIMARY KEY);\nCREATE TABLE ok (tenant_id uuid NOT NULL REFERENCES tenants, id int, PRIMARY KEY (tenant_id, id));\nCREATE TABLE bad (tenant_id uuid, id int PRIMARY KEY);\n"), 0o644))
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, run([]string{"generate", "--dir", dir}, &stdout, &stderr))
	require.Contains(t, stderr.String(), "schema/a.sql:3:19: error: tenant column public.bad.tenant_id is nullable")
	require.Contains(t, stderr.String(), "nothing was written")
	_, err := os.Stat(filepath.Join(dir, "gen"))
	require.True(t, os.IsNotExist(err), "no output directory may appear")

	stderr.Reset()
	require.Equal(t, 2, run([]string{"generate", "--rule", "nope=off", "--dir", dir}, &stdout, &stderr))
	require.Contains(t, stderr.String(), `unknown rule "nope"`)
	require.Equal(t, 2, run([]string{"frobnicate"}, &stdout, &stderr))
}

// TestSQLCErrorsWriteNothing: a run that fails in sqlc, after its
// migrations and standard queries went to disk under temporary names, leaves
// the project as it was: no temporary file, no new directory.
func TestSQLCErrorsWriteNothing(t *testing.T) {
	notes := []byte("CREATE TABLE notes (\n    tenant_id uuid NOT NULL REFERENCES tenants (id),\n    id uuid NOT NULL,\n    PRIMARY KEY (tenant_id, id)\n);\n")
	bad := []byte("-- name: BadNote :one\nSELECT nope FROM notes;\n")
	for _, withGen := range []bool{true, false} {
		t.Run(fmt.Sprintf("gen committed %t", withGen), func(t *testing.T) {
			dir := t.TempDir()
			paths := []string{"schema", "queries", "tenantc.yaml", "sqlc.yaml"}
			if withGen {
				paths = append(paths, "gen")
			}
			for _, p := range paths {
				copyPath(t, filepath.Join(repoRoot, p), filepath.Join(dir, p))
			}
			require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "010_notes.sql"), notes, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "queries", "notes.sql"), bad, 0o644))
			before := treeWithDirs(t, dir)

			var stdout, stderr bytes.Buffer
			require.Equal(t, 1, run([]string{"generate", "--dir", dir}, &stdout, &stderr), stderr.String())
			require.Contains(t, stderr.String(), `queries/notes.sql:2:8: error: sqlc: column "nope" does not exist`)
			require.Contains(t, stderr.String(), "nothing was written")
			after := treeWithDirs(t, dir)
			require.Equal(t, slices.Sorted(maps.Keys(before)), slices.Sorted(maps.Keys(after)))
			require.Equal(t, before, after)
		})
	}
}

// treeWithDirs is every path below dir: a file's content, or "dir/".
func treeWithDirs(t *testing.T, dir string) map[string]string {
	t.Helper()
	got, err := filetree.ReadWithDirs(dir)
	require.NoError(t, err)
	return got
}

func snapshot(t *testing.T, dir string) map[string][]byte {
	files, err := filetree.Read(dir)
	require.NoError(t, err)
	return files
}

func copyPath(t *testing.T, from, to string) {
	info, err := os.Stat(from)
	require.NoError(t, err)
	if info.IsDir() {
		require.NoError(t, os.CopyFS(to, os.DirFS(from)))
		return
	}
	content, err := os.ReadFile(from)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Dir(to), 0o755))
	require.NoError(t, os.WriteFile(to, content, 0o644))
}
