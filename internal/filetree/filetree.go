// Package filetree reads a directory tree into memory, for tests that compare
// what a generator wrote with what it should have written.
package filetree

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Read returns every regular file below dir by its slash-separated path relative
// to dir. A missing dir reads as empty.
func Read(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if os.IsNotExist(err) && p == dir {
			return filepath.SkipDir
		}
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		content, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = content
		return err
	})
	return files, err
}

// ReadWithDirs is Read with the directories below dir too, each as "dir/",
// and the contents as strings: for a test that must also see a directory a
// failed run left behind, empty or not.
func ReadWithDirs(dir string) (map[string]string, error) {
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			got[filepath.ToSlash(rel)] = "dir/"
			return nil
		}
		content, err := os.ReadFile(p)
		got[filepath.ToSlash(rel)] = string(content)
		return err
	})
	return got, err
}
