// Package source reads schema SQL the way the user's migration tool reads it.
//
// A file's text is kept at its original length with every part the tool would not
// run as an "up" migration blanked out (newlines kept), so a byte offset found by
// the parser is also an offset into the file the user wrote and maps straight to
// file:line:col.
package source

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Pos is a place in a file the user wrote. Line and Col count from 1; Col counts
// characters, as editors do.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return "<unknown>"
	case p.Line == 0:
		return p.File
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
}

// IsValid reports whether p names a file.
func (p Pos) IsValid() bool { return p.File != "" }

// Format names the migration convention a file follows.
type Format string

const (
	Plain         Format = "plain"
	Goose         Format = "goose"
	GolangMigrate Format = "golang-migrate"
	Dbmate        Format = "dbmate"
	SQLMigrate    Format = "sql-migrate"
	Tern          Format = "tern"
)

// Formats lists every supported format, in the order documentation shows them.
var Formats = []Format{Plain, Goose, GolangMigrate, Dbmate, SQLMigrate, Tern}

// File is one SQL file ready for the parser.
type File struct {
	// Path is the file's path as shown in messages: slash-separated and relative to
	// the project directory.
	Path string
	// Format is the convention detected for this file.
	Format Format
	// SQL is the file's up part at original offsets; every other byte is a space.
	SQL string
	// Problems are the lines of the file its tool reads otherwise than the
	// user most likely meant (a near-miss marker); each is an error at its
	// place.
	Problems []Problem
	// lineStarts holds the byte offset at which each line starts.
	lineStarts []int
}

// Problem is something wrong in a file's text, at a byte offset of it.
type Problem struct {
	Offset  int
	Message string
}

// NewFile returns a file holding sql as its up part, with positions relative to it.
func NewFile(path string, format Format, sql string) *File {
	f := &File{Path: path, Format: format, SQL: sql, lineStarts: []int{0}}
	for i := 0; i < len(sql); i++ {
		if sql[i] == '\n' {
			f.lineStarts = append(f.lineStarts, i+1)
		}
	}
	return f
}

// Pos converts a byte offset into the file into a position.
func (f *File) Pos(offset int) Pos {
	if offset < 0 {
		return Pos{File: f.Path}
	}
	if offset > len(f.SQL) {
		offset = len(f.SQL)
	}
	line := 0
	lo, hi := 0, len(f.lineStarts)-1
	for lo <= hi { // last line start <= offset
		mid := (lo + hi) / 2
		if f.lineStarts[mid] <= offset {
			line, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	col := utf8.RuneCountInString(f.SQL[f.lineStarts[line]:offset]) + 1
	return Pos{File: f.Path, Line: line + 1, Col: col}
}

// CharOffset converts a 1-based character position (as PostgreSQL reports syntax
// errors) into a byte offset.
func (f *File) CharOffset(charPos int) int {
	n := 1
	for i := range f.SQL {
		if n == charPos {
			return i
		}
		n++
	}
	return len(f.SQL)
}

// IsDownFile reports whether name is a golang-migrate down migration, which
// never counts towards the schema.
func IsDownFile(name string) bool { return strings.HasSuffix(name, ".down.sql") }
