package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
)

// initGoldens are init's golden cases (package initconfig's testdata).
const initGoldens = "../../internal/generator/initconfig/testdata"

// blogProject copies the single-tenant blog of init's goldens.
func blogProject(t *testing.T) string {
	dir := t.TempDir()
	copyPath(t, filepath.Join(initGoldens, "blog", "input"), dir)
	return dir
}

func runInitIn(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(append([]string{"init"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// dirNames lists the names in dir, to see that nothing else was left there.
func dirNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestInitWrites: init writes the golden proposal, prints the summary to
// stderr and nothing to stdout, and leaves no temporary file behind.
func TestInitWrites(t *testing.T) {
	dir := blogProject(t)
	code, stdout, stderr := runInitIn(t, "--dir", dir)
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stdout)
	want, err := os.ReadFile(filepath.Join(initGoldens, "blog", "tenantc.yaml"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "tenantc.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	summary, err := os.ReadFile(filepath.Join(initGoldens, "blog", "stderr.txt"))
	require.NoError(t, err)
	require.Equal(t, string(summary)+"wrote "+filepath.Join(dir, "tenantc.yaml")+"\n", stderr)
	require.Equal(t, []string{"schema", "tenantc.yaml"}, dirNames(t, dir))
}

// TestInitRefusesExisting: a second init refuses, naming the file and
// --force, and leaves the file as it was; --force replaces it, keeping its
// tenant: and the sections init does not write.
func TestInitRefusesExisting(t *testing.T) {
	dir := blogProject(t)
	mine := []byte("version: 1\ntenant: {table: accounts, column: account_id}\nrules:\n  tenant-index-missing: warning  # mine\n")
	target := filepath.Join(dir, "tenantc.yaml")
	require.NoError(t, os.WriteFile(target, mine, 0o644))

	code, stdout, stderr := runInitIn(t, "--dir", dir)
	require.Equal(t, 1, code)
	require.Empty(t, stdout)
	require.Equal(t, "tenantc init: "+target+" exists; pass --force to replace it (its tenant:, store:, rules: and the other sections init does not write are kept), or --dry-run to print the proposal\n", stderr)
	got, err := os.ReadFile(target)
	require.NoError(t, err)
	require.Equal(t, string(mine), string(got), "refused, yet the file changed")

	code, _, stderr = runInitIn(t, "--dir", dir, "--force")
	require.Equal(t, 0, code, stderr)
	got, err = os.ReadFile(target)
	require.NoError(t, err)
	require.Contains(t, string(got), "  table: accounts\n  column: account_id")
	require.Contains(t, string(got), "# Kept from the tenantc.yaml replaced.\nrules:\n  tenant-index-missing: warning # mine\n")
	require.Contains(t, stderr, "tenant root: accounts (kept from tenantc.yaml), column account_id")
	require.Equal(t, []string{"schema", "tenantc.yaml"}, dirNames(t, dir))
}

// TestInitDryRun: --dry-run prints the file to stdout and writes nothing,
// with or without a tenantc.yaml there.
func TestInitDryRun(t *testing.T) {
	dir := blogProject(t)
	code, stdout, stderr := runInitIn(t, "--dir", dir, "--dry-run")
	require.Equal(t, 0, code, stderr)
	want, err := os.ReadFile(filepath.Join(initGoldens, "blog", "tenantc.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(want), stdout)
	require.Contains(t, stderr, "dry run: tenantc.yaml printed, nothing written\n")
	require.Equal(t, []string{"schema"}, dirNames(t, dir))

	mine := []byte("version: 1\n")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), mine, 0o644))
	code, stdout, stderr = runInitIn(t, "--dir", dir, "--dry-run")
	require.Equal(t, 0, code, stderr)
	require.NotEmpty(t, stdout)
	got, err := os.ReadFile(filepath.Join(dir, "tenantc.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(mine), string(got))
	require.Equal(t, []string{"schema", "tenantc.yaml"}, dirNames(t, dir))
}

// TestInitBadInput: what init cannot read is said with its place (or, for no
// project at all, where to run), and nothing is written.
func TestInitBadInput(t *testing.T) {
	t.Run("no project", func(t *testing.T) {
		dir := t.TempDir()
		code, _, stderr := runInitIn(t, "--dir", dir)
		require.Equal(t, 1, code)
		require.Contains(t, stderr, "tenantc init: no tenantc.yaml or sqlc.yaml found in "+dir)
		require.Empty(t, dirNames(t, dir))
	})
	t.Run("syntax error", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "schema"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "schema", "001.sql"), []byte("CREATE TABLE posts (\n    id bigserial PRIMARY KEY,\n    title text NOT NULL,,\n);\n"), 0o644))
		code, stdout, stderr := runInitIn(t, "--dir", dir)
		require.Equal(t, 1, code)
		require.Empty(t, stdout)
		require.Regexp(t, `(?m)^schema/001\.sql:3:\d+: error: `, stderr)
		require.Contains(t, stderr, "tenantc init: 1 error(s); nothing was written")
		require.Equal(t, []string{"schema"}, dirNames(t, dir))
	})
	t.Run("invalid tenantc.yaml", func(t *testing.T) {
		dir := blogProject(t)
		bad := []byte("version: 1\nglobals: [users]\n")
		require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), bad, 0o644))
		code, _, stderr := runInitIn(t, "--dir", dir, "--force")
		require.Equal(t, 1, code)
		require.Regexp(t, `(?m)^tenantc\.yaml:2:1: error: unknown key "globals"`, stderr)
		got, err := os.ReadFile(filepath.Join(dir, "tenantc.yaml"))
		require.NoError(t, err)
		require.Equal(t, string(bad), string(got))
	})
	t.Run("root without a key", func(t *testing.T) {
		dir := blogProject(t)
		mine := []byte("version: 1\ntenant: {table: post_tags}\n")
		require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), mine, 0o644))
		code, stdout, stderr := runInitIn(t, "--dir", dir, "--force")
		require.Equal(t, 1, code)
		require.Empty(t, stdout)
		require.Regexp(t, `(?m)^schema/001_blog\.sql:\d+:\d+: error: tenant table public\.post_tags needs a single-column primary key`, stderr)
		require.Contains(t, stderr, "nothing was written")
		got, err := os.ReadFile(filepath.Join(dir, "tenantc.yaml"))
		require.NoError(t, err)
		require.Equal(t, string(mine), string(got))
	})
	t.Run("stray argument", func(t *testing.T) {
		code, _, stderr := runInitIn(t, "--dir", t.TempDir(), "blog")
		require.Equal(t, 2, code)
		require.Contains(t, stderr, `unexpected argument "blog"`)
	})
}

// TestInitDatabaseURL: with --database-url, init reads a live database built
// from the blog schema (in a directory with no SQL at all) and proposes what
// it proposes from the SQL files, but for the first comment, which says
// where the schema came from — never the URL, which may hold a password.
func TestInitDatabaseURL(t *testing.T) {
	db := pgtest.NewDatabase(t)
	sql, err := os.ReadFile(filepath.Join(initGoldens, "blog", "input", "schema", "001_blog.sql"))
	require.NoError(t, err)
	db.Exec(t, db.OwnerURL, string(sql))

	dir := t.TempDir()
	code, stdout, stderr := runInitIn(t, "--dir", dir, "--database-url", db.OwnerURL, "--dry-run")
	require.Equal(t, 0, code, stderr)
	want, err := os.ReadFile(filepath.Join(initGoldens, "blog", "tenantc.yaml"))
	require.NoError(t, err)
	body := func(s string) string {
		_, after, ok := strings.Cut(s, "\nversion: 1\n")
		require.True(t, ok)
		return after
	}
	require.Equal(t, body(string(want)), body(stdout))
	require.True(t, strings.HasPrefix(stdout, "# tenantc.yaml proposed by tenantc init from a live database (--database-url)."), stdout)
	require.NotContains(t, stdout+stderr, db.Name)
	require.Empty(t, dirNames(t, dir))
}

// TestInitFileFlag: with -f, the project is the sqlc config's directory, and
// tenantc.yaml is written there; the goose project's own migrations
// directory becomes tenantc's.
func TestInitFileFlag(t *testing.T) {
	dir := t.TempDir()
	copyPath(t, filepath.Join(initGoldens, "blog-goose", "input"), dir)
	code, _, stderr := runInitIn(t, "-f", filepath.Join(dir, "sqlc.yaml"))
	require.Equal(t, 0, code, stderr)
	got, err := os.ReadFile(filepath.Join(dir, "tenantc.yaml"))
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(initGoldens, "blog-goose", "tenantc.yaml"))
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	require.Contains(t, string(got), "migrations:\n  dir: db/migrations\n  format: goose\n")
}
