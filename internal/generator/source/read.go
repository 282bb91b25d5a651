package source

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Annotation lines that switch between up and down parts. goose writes
// "-- +goose Up", dbmate "-- migrate:up" (optionally followed by options such as
// "transaction:false").
var (
	gooseMarker  = regexp.MustCompile(`(?mi)^[ \t]*--[ \t]*\+goose[ \t]+(up|down)\b.*$`)
	dbmateMarker = regexp.MustCompile(`(?m)^[ \t]*--[ \t]*migrate:(up|down)\b.*$`)
)

// Parse detects the migration convention of one file and keeps only its up part.
// name is the path shown in messages.
func Parse(name string, content []byte) *File {
	text := string(content)
	switch {
	case strings.HasSuffix(name, ".up.sql"):
		return NewFile(name, GolangMigrate, text)
	case gooseMarker.MatchString(text):
		return NewFile(name, Goose, keepUp(text, gooseMarker))
	case dbmateMarker.MatchString(text):
		return NewFile(name, Dbmate, keepUp(text, dbmateMarker))
	default:
		return NewFile(name, Plain, text)
	}
}

// keepUp blanks everything that is not inside an up section. Text before the
// first marker belongs to no section, so the tools ignore it and so do we.
func keepUp(text string, marker *regexp.Regexp) string {
	b := []byte(text)
	up := false
	last := 0
	blank := func(from, to int) {
		for i := from; i < to; i++ {
			if b[i] != '\n' {
				b[i] = ' '
			}
		}
	}
	for _, m := range marker.FindAllStringSubmatchIndex(text, -1) {
		if !up {
			blank(last, m[0])
		}
		blank(m[0], m[1]) // the marker line itself is a comment either way
		up = strings.EqualFold(text[m[2]:m[3]], "up")
		last = m[1]
	}
	if !up {
		blank(last, len(b))
	}
	return string(b)
}

// ReadPaths reads every SQL file named by paths, each relative to dir. A
// directory contributes its *.sql files (not recursively, as sqlc reads them) in
// lexical order; golang-migrate down files are skipped. A path listed twice is read
// once, at its first place.
func ReadPaths(dir string, paths []string) ([]*File, error) {
	var files []*File
	seen := map[string]bool{}
	add := func(rel string) error {
		rel = filepath.ToSlash(filepath.Clean(rel))
		if seen[rel] {
			return nil
		}
		seen[rel] = true
		content, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			return err
		}
		files = append(files, Parse(rel, content))
		return nil
	}
	for _, p := range paths {
		full := filepath.Join(dir, p)
		info, err := os.Stat(full)
		if err != nil {
			if os.IsNotExist(err) {
				return nil, fmt.Errorf("%s: schema path does not exist; create it, or set schema: in tenantc.yaml (or sqlc.yaml)", filepath.ToSlash(p))
			}
			return nil, err
		}
		if !info.IsDir() {
			if err := add(p); err != nil {
				return nil, err
			}
			continue
		}
		entries, err := os.ReadDir(full)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0 {
				if strings.HasSuffix(e.Name(), ".sql") && !IsDownFile(e.Name()) {
					names = append(names, e.Name())
				}
			}
		}
		sort.Strings(names)
		for _, n := range names {
			if err := add(filepath.Join(p, n)); err != nil {
				return nil, err
			}
		}
	}
	return files, nil
}
