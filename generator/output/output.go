// Package output writes generated files the way protobuf-go's and sqlc's
// generators do: everything is rendered in memory first, then only files whose
// bytes changed are written, and a check mode reports them without writing.
package output

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// File is one generated file.
type File struct {
	// Path is slash-separated and relative to the project directory.
	Path    string
	Content []byte
}

// ChangeKind says how a file differs from what is on disk.
type ChangeKind int

const (
	Create ChangeKind = iota
	Update
)

// Change is one file that a run writes or would write.
type Change struct {
	Path string
	Kind ChangeKind
}

func (c Change) String() string {
	if c.Kind == Create {
		return "create " + c.Path
	}
	return "update " + c.Path
}

// Diff returns the files of files whose content differs from dir, sorted by path.
func Diff(dir string, files []File) ([]Change, error) {
	var changes []Change
	for _, f := range files {
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case errors.Is(err, os.ErrNotExist):
			changes = append(changes, Change{f.Path, Create})
		case err != nil:
			return nil, err
		case !bytes.Equal(old, f.Content):
			changes = append(changes, Change{f.Path, Update})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}

// Write writes the changed files of files into dir and returns the changes.
// Every new content first goes to a temporary file beside its target; only when
// all of them are on disk are they renamed into place, so a failure part-way
// leaves the previous output untouched.
func Write(dir string, files []File) ([]Change, error) {
	changes, err := Diff(dir, files)
	if err != nil || len(changes) == 0 {
		return changes, err
	}
	content := map[string][]byte{}
	for _, f := range files {
		content[f.Path] = f.Content
	}
	var temps []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, c := range changes {
		target := filepath.Join(dir, filepath.FromSlash(c.Path))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			cleanup()
			return nil, err
		}
		tmp, err := os.CreateTemp(filepath.Dir(target), ".tenantc-*")
		if err != nil {
			cleanup()
			return nil, err
		}
		temps = append(temps, tmp.Name())
		_, werr := tmp.Write(content[c.Path])
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
			cleanup()
			return nil, fmt.Errorf("writing %s: %w", c.Path, err)
		}
	}
	for i, c := range changes {
		if err := os.Rename(temps[i], filepath.Join(dir, filepath.FromSlash(c.Path))); err != nil {
			cleanup()
			return nil, fmt.Errorf("writing %s: %w", c.Path, err)
		}
	}
	return changes, nil
}
