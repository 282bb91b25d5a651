package sqlcrun

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cacheInput is a small project for the cache tests: query is its one query.
func cacheInput(query string) Input {
	return Input{
		Schema:  []File{{Path: "schema/a.sql", SQL: "CREATE TABLE notes (id bigint PRIMARY KEY, body text NOT NULL);\n"}},
		Queries: []File{{Path: "queries/notes.sql", SQL: query}},
	}
}

const cacheQuery = "-- name: CountNotes :one\nSELECT count(*) FROM notes;\n"

// useCache points the cache at a fresh directory for the test and returns
// its sqlc/ directory.
func useCache(t *testing.T) string {
	root := t.TempDir()
	t.Setenv(CacheEnv, root)
	return filepath.Join(root, "sqlc")
}

func runOK(t *testing.T, in Input) *Result {
	t.Helper()
	res, diags, err := Run(t.Context(), in)
	require.NoError(t, err)
	require.Empty(t, diags)
	return res
}

// entries lists the cache's entries (their keys).
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	var keys []string
	for _, d := range des {
		if d.Type().IsRegular() && d.Name() != "trim" && !strings.HasPrefix(d.Name(), ".") {
			keys = append(keys, d.Name())
		}
	}
	return keys
}

// forge rewrites one file of the entry key and, with manifest, its manifest
// line too, so the entry stays whole: what a later run returns then shows
// whether it came from the cache. Without manifest the file's bytes change
// and its line does not: a disk error.
func forge(t *testing.T, dir, key, name, content string, manifest bool) {
	t.Helper()
	entry := filepath.Join(dir, key)
	files, ok := readEntry(entry)
	require.True(t, ok, "entry %s is whole before it is forged", key)
	require.Contains(t, files, name)
	if manifest {
		files[name] = []byte(content)
		require.NoError(t, os.WriteFile(entry, encodeEntry(files), 0o644))
		return
	}
	data, err := os.ReadFile(entry)
	require.NoError(t, err)
	i := bytes.LastIndex(data, files[name])
	require.NotEqual(t, -1, i)
	data[i] ^= 0xff
	require.NoError(t, os.WriteFile(entry, data, 0o644))
}

func fileOf(t *testing.T, res *Result, name string) string {
	t.Helper()
	for _, f := range res.Files {
		if f.Path == res.Out+"/"+name {
			return string(f.Content)
		}
	}
	t.Fatalf("no %s in %v", name, res.Files)
	return ""
}

// TestCacheHit: the second run of the same inputs is served from the cache
// (a forged, consistent entry is what it returns) and, unforged, gives
// output identical to sqlc's.
func TestCacheHit(t *testing.T) {
	dir := useCache(t)
	first := runOK(t, cacheInput(cacheQuery))
	keys := entries(t, dir)
	require.Len(t, keys, 1)

	second := runOK(t, cacheInput(cacheQuery))
	require.Equal(t, first, second)

	forge(t, dir, keys[0], tenantDir+"/0/out/models.go", "// from the cache\n", true)
	third := runOK(t, cacheInput(cacheQuery))
	require.Equal(t, "// from the cache\n", fileOf(t, third, "models.go"))
}

// TestCacheBackground: with Background set, the entry is stored and the
// scratch directory removed on it: done once it is waited for, and the
// result is the same as without.
func TestCacheBackground(t *testing.T) {
	dir := useCache(t)
	scratch := t.TempDir()
	t.Setenv("TMPDIR", scratch) // os.MkdirTemp's directory, on Unix
	var background sync.WaitGroup
	in := cacheInput(cacheQuery)
	in.Background = &background
	first := runOK(t, in)
	background.Wait()
	require.Len(t, entries(t, dir), 1)
	left, err := os.ReadDir(scratch)
	require.NoError(t, err)
	require.Empty(t, left, "the scratch directory is removed")

	require.Equal(t, first, runOK(t, cacheInput(cacheQuery)), "the stored entry is sqlc's output")
}

// TestCacheMiss: a changed input (one byte of a query) is another key: sqlc
// runs again and its new output is stored beside the first.
func TestCacheMiss(t *testing.T) {
	dir := useCache(t)
	first := runOK(t, cacheInput(cacheQuery))
	second := runOK(t, cacheInput(strings.Replace(cacheQuery, "CountNotes", "CountAllNotes", 1)))
	require.Len(t, entries(t, dir), 2)
	require.NotEqual(t, fileOf(t, first, "notes.sql.go"), fileOf(t, second, "notes.sql.go"))
	require.Contains(t, fileOf(t, second, "notes.sql.go"), "func (q *Queries) CountAllNotes(")
}

// TestCacheCorrupt: an entry whose file disagrees with its manifest, or
// whose manifest is cut short, is ignored: sqlc runs and the entry is
// replaced by a whole one.
func TestCacheCorrupt(t *testing.T) {
	dir := useCache(t)
	want := runOK(t, cacheInput(cacheQuery))
	key := entries(t, dir)[0]

	forge(t, dir, key, tenantDir+"/0/out/models.go", "// corrupt\n", false)
	require.Equal(t, want, runOK(t, cacheInput(cacheQuery)))
	_, whole := readEntry(filepath.Join(dir, key))
	require.True(t, whole, "the corrupt entry is replaced")

	entry := filepath.Join(dir, key)
	data, err := os.ReadFile(entry)
	require.NoError(t, err)
	for _, cut := range []int{len(data) - 1, bytes.Index(data, []byte(entryEnd)) + 1, 10} {
		require.NoError(t, os.WriteFile(entry, data[:cut], 0o644))
		_, whole := readEntry(entry)
		require.False(t, whole, "an entry cut at byte %d of %d", cut, len(data))
	}
	appended := append(slices.Clone(data), 'x')
	require.NoError(t, os.WriteFile(entry, appended, 0o644))
	_, whole = readEntry(entry)
	require.False(t, whole, "an entry with a byte after its last file")
	require.NoError(t, os.WriteFile(entry, data[:len(data)/2], 0o644))
	require.Equal(t, want, runOK(t, cacheInput(cacheQuery)))
	_, whole = readEntry(filepath.Join(dir, key))
	require.True(t, whole, "the partial entry is replaced")
}

// TestCacheOff: TENANTC_CACHE=off stores nothing and reads nothing.
func TestCacheOff(t *testing.T) {
	t.Setenv(CacheEnv, "off")
	require.Empty(t, cacheDir())
	home := t.TempDir() // where a cache would go if off were ignored
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", home)
	runOK(t, cacheInput(cacheQuery))
	des, err := os.ReadDir(home)
	require.NoError(t, err)
	require.Empty(t, des)
}

// TestCacheable: a config whose output depends on more than its files — a
// database for sqlc's analysis, a codegen plugin — is never cached.
func TestCacheable(t *testing.T) {
	for config, want := range map[string]bool{
		"version: '2'\nsql: [{engine: postgresql, schema: s, queries: q, gen: {go: {out: out}}}]\n":           true,
		"version: '2'\nsql: [{engine: postgresql, database: {uri: 'postgres://x'}, gen: {go: {out: out}}}]\n": false,
		"version: '2'\nsql: [{engine: postgresql, database: {managed: true}}]\n":                              false,
		"version: '2'\nplugins: [{name: py, wasm: {url: 'https://x'}}]\nsql: [{engine: postgresql}]\n":        false,
		"version: '2'\nsql: [{engine: postgresql, codegen: [{plugin: py, out: out}]}]\n":                      false,
		"version: '1'\npackages: [{path: out, schema: s, queries: q}]\n":                                      true,
		"not: [yaml\n": false,
	} {
		require.Equal(t, want, cacheable([]byte(config)), config)
	}
}

// TestBuildIdentity: the running binary (this test binary, built by the go
// command) is named by its Go build ID, not a hash of its 80 MB.
func TestBuildIdentity(t *testing.T) {
	id, err := buildIdentity()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(id, "go build id "), id)
	require.Greater(t, len(id), len("go build id ")+20, id)
}

// TestRecall: what Remember stored is recalled for exactly the same kind and
// input; an entry that disagrees with its manifest is a miss.
func TestRecall(t *testing.T) {
	dir := useCache(t)
	key, _, ok := Recall("gofmt", []byte("package db\n"))
	require.False(t, ok)
	require.Equal(t, dir, filepath.Dir(key))
	Remember(key, []byte("package db\n\n"))
	again, content, ok := Recall("gofmt", []byte("package db\n"))
	require.True(t, ok)
	require.Equal(t, key, again)
	require.Equal(t, "package db\n\n", string(content))

	_, _, ok = Recall("gofmt", []byte("package db \n"))
	require.False(t, ok, "another input")
	_, _, ok = Recall("vet", []byte("package db\n"))
	require.False(t, ok, "another kind")

	forge(t, dir, filepath.Base(key), memoFile, "", false)
	_, _, ok = Recall("gofmt", []byte("package db\n"))
	require.False(t, ok, "a corrupt entry")

	t.Setenv(CacheEnv, "off")
	key, _, ok = Recall("gofmt", []byte("package db\n"))
	require.False(t, ok)
	require.Empty(t, key)
	Remember(key, []byte("x")) // nowhere: no error
}

// TestCheckedBefore: a check passed on some files is remembered for exactly
// those files; other contents, another kind or the cache turned off are
// checked again.
func TestCheckedBefore(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	files := map[string][]byte{"gen/db/a.go": []byte("package db\n")}
	key, ok := CheckedBefore("typecheck", files)
	require.False(t, ok)
	require.NotEmpty(t, key)
	MarkChecked(key)
	again, ok := CheckedBefore("typecheck", files)
	require.True(t, ok)
	require.Equal(t, key, again)
	_, ok = CheckedBefore("typecheck", map[string][]byte{"gen/db/a.go": []byte("package db \n")})
	require.False(t, ok, "other contents")
	_, ok = CheckedBefore("vet", files)
	require.False(t, ok, "another check")
	t.Setenv(CacheEnv, "off")
	key, ok = CheckedBefore("typecheck", files)
	require.False(t, ok)
	require.Empty(t, key)
	MarkChecked(key) // nowhere to write: no error, no panic
}

// TestCacheTrim: storing an entry deletes entries unused for cacheMaxAge —
// files, and the directories an older format of the cache kept — and keeps
// the rest.
func TestCacheTrim(t *testing.T) {
	dir := useCache(t)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "old-format", "files"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stale"), encodeEntry(nil), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fresh"), encodeEntry(nil), 0o644))
	long := time.Now().Add(-cacheMaxAge - time.Hour)
	for _, name := range []string{"old-format", "stale"} {
		require.NoError(t, os.Chtimes(filepath.Join(dir, name), long, long))
	}
	runOK(t, cacheInput(cacheQuery))
	keys := entries(t, dir)
	require.Len(t, keys, 2, "fresh and the new entry: %v", keys)
	require.Contains(t, keys, "fresh")
	require.NoDirExists(t, filepath.Join(dir, "old-format"))
}
