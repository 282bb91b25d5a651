package output

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var _ = flag.Bool("update", false, "rewrite golden files (none in this package)")

func TestWriteOnlyWhatChanged(t *testing.T) {
	dir := t.TempDir()
	files := []File{{Path: "gen/b.sql", Content: []byte("b\n")}, {Path: "gen/a.sql", Content: []byte("a\n")}}
	changes, err := Write(dir, files)
	require.NoError(t, err)
	require.Equal(t, []Change{{"gen/a.sql", Create}, {"gen/b.sql", Create}}, changes)

	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(filepath.Join(dir, "gen/a.sql"), old, old))
	files[0].Content = []byte("b2\n")
	changes, err = Write(dir, files)
	require.NoError(t, err)
	require.Equal(t, []Change{{"gen/b.sql", Update}}, changes)
	info, err := os.Stat(filepath.Join(dir, "gen/a.sql"))
	require.NoError(t, err)
	require.True(t, info.ModTime().Equal(old), "an unchanged file is not rewritten")

	changes, err = Diff(dir, files)
	require.NoError(t, err)
	require.Empty(t, changes)
	entries, err := os.ReadDir(filepath.Join(dir, "gen"))
	require.NoError(t, err)
	require.Len(t, entries, 2, "no temporary files are left behind")
}

func TestWriteFailureLeavesOldOutput(t *testing.T) {
	dir := t.TempDir()
	_, err := Write(dir, []File{{Path: "gen/a.sql", Content: []byte("a\n")}})
	require.NoError(t, err)
	// "gen/a.sql/x" cannot be created: a.sql is a file. Nothing else may change.
	_, err = Write(dir, []File{{Path: "gen/a.sql", Content: []byte("new\n")}, {Path: "gen/a.sql/x", Content: []byte("x")}})
	require.Error(t, err)
	content, err := os.ReadFile(filepath.Join(dir, "gen/a.sql"))
	require.NoError(t, err)
	require.Equal(t, "a\n", string(content))
	entries, err := os.ReadDir(filepath.Join(dir, "gen"))
	require.NoError(t, err)
	require.Len(t, entries, 1)
}
