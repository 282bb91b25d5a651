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
	"regexp"
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
	Delete
)

// Change is one file that a run writes or would write.
type Change struct {
	Path string
	Kind ChangeKind
}

func (c Change) String() string {
	return [...]string{"create ", "update ", "delete "}[c.Kind] + c.Path
}

// Diff returns how dir differs from files, sorted by path. Files under a prune
// directory that a generator wrote (they say "Code generated … DO NOT EDIT.")
// but files no longer holds are to be deleted, so a table removed from the
// schema takes its generated code with it.
func Diff(dir string, files []File, prune ...string) ([]Change, error) {
	var changes []Change
	want := map[string]bool{}
	for _, f := range files {
		want[f.Path] = true
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
	for _, p := range prune {
		entries, err := os.ReadDir(filepath.Join(dir, filepath.FromSlash(p)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			rel := p + "/" + e.Name()
			if e.IsDir() || want[rel] {
				continue
			}
			content, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
			if err != nil {
				return nil, err
			}
			if IsGenerated(content) {
				changes = append(changes, Change{rel, Delete})
			}
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}

// generatedMark is the line Go tools recognise as "generated"; SQL files carry it
// after "--".
var generatedMark = regexp.MustCompile(`(?m)^(//|--) Code generated .* DO NOT EDIT\.$`)

// IsGenerated reports whether content says a generator wrote it.
func IsGenerated(content []byte) bool {
	head := content[:min(len(content), 1024)]
	return generatedMark.Match(head)
}

// Write writes the changed files of files into dir and returns the changes.
// Every new content first goes to a temporary file beside its target; only when
// all of them are on disk are they renamed into place, so a failure part-way
// leaves the previous output untouched.
func Write(dir string, files []File, prune ...string) ([]Change, error) {
	changes, err := Diff(dir, files, prune...)
	if err != nil || len(changes) == 0 {
		return changes, err
	}
	content := map[string][]byte{}
	for _, f := range files {
		content[f.Path] = f.Content
	}
	temps := map[string]string{}
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, c := range changes {
		if c.Kind == Delete {
			continue
		}
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
		temps[c.Path] = tmp.Name()
		_, werr := tmp.Write(content[c.Path])
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr, os.Chmod(tmp.Name(), 0o644)); err != nil {
			cleanup()
			return nil, fmt.Errorf("writing %s: %w", c.Path, err)
		}
	}
	for _, c := range changes {
		target := filepath.Join(dir, filepath.FromSlash(c.Path))
		var err error
		if c.Kind == Delete {
			err = os.Remove(target)
		} else {
			err = os.Rename(temps[c.Path], target)
			delete(temps, c.Path)
		}
		if err != nil {
			cleanup()
			return nil, fmt.Errorf("writing %s: %w", c.Path, err)
		}
	}
	return changes, nil
}
