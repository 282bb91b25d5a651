package source

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Annotation lines that switch between up and down parts. goose writes
// "-- +goose Up", dbmate "-- migrate:up" (optionally followed by options such as
// "transaction:false").
var (
	gooseMarker  = regexp.MustCompile(`(?mi)^[ \t]*--[ \t]*\+goose[ \t]+(up|down)\b.*$`)
	dbmateMarker = regexp.MustCompile(`(?m)^[ \t]*--[ \t]*migrate:(up|down)\b.*$`)
	// sql-migrate v1.8 (sqlparse.ParseMigration) takes a line for a command
	// only when it starts with exactly "-- +migrate " and the first word after
	// it (strings.Fields) is "Up" or "Down", case-sensitive; options such as
	// "notransaction" may follow. Any other "-- +..." line is dropped
	// unread, so a "-- +migrate down" leaves the lines below in the section
	// above.
	sqlMigrateMarker = regexp.MustCompile(`(?m)^-- \+migrate [ \t\v\f\r]*(Up|Down)(?:[ \t\v\f\r][^\n]*)?$`)
	// sqlMigrateLike is what a user may have meant as a sql-migrate command.
	sqlMigrateLike = regexp.MustCompile(`(?mi)^[ \t]*--[ \t]*\+[ \t]*migrate[ \t]*(up|down)\b.*$`)
	// ternLike is what a user may have meant as tern's separator.
	ternLike = regexp.MustCompile(`(?mi)^[ \t]*-+[ \t]*create[ \t]+above[ \t]*/[ \t]*drop[ \t]+below\b.*$`)
)

// TernSeparator parts a tern migration: tern v2 (migrate.LoadMigrations)
// splits the file at the first occurrence of exactly this text, wherever it
// is, and runs what comes before it as the up migration.
const TernSeparator = "---- create above / drop below ----"

// Parse detects the migration convention of one file and keeps only its up part.
// name is the path shown in messages.
func Parse(name string, content []byte) *File {
	format, text := detect(name, content)
	f := NewFile(name, format, keep(format, text, "up"))
	f.Problems = nearMisses(format, text)
	return f
}

// Down returns the down part of a file in its convention, at original
// offsets (every other byte a space); "" for a file without one, such as a
// golang-migrate .up.sql (its down part is a file of its own) or plain SQL.
func Down(name string, content []byte) string {
	format, text := detect(name, content)
	switch format {
	case GolangMigrate, Plain:
		return ""
	}
	return keep(format, text, "down")
}

func detect(name string, content []byte) (Format, string) {
	text := string(content)
	switch {
	case strings.HasSuffix(name, ".up.sql"):
		return GolangMigrate, text
	case mayGoose(text) && gooseMarker.MatchString(text):
		return Goose, text
	case mayDbmate(text) && dbmateMarker.MatchString(text):
		return Dbmate, text
	case maySQLMigrate(text) && sqlMigrateMarker.MatchString(text):
		return SQLMigrate, text
	case strings.Contains(text, TernSeparator):
		return Tern, text
	default:
		return Plain, text
	}
}

// The guards of the regular expressions run over whole files, which match at
// a few MB/s (75 ms for the 438 KB of query files of a 500-table app): each
// expression can match only where its guard holds, so the guard skips it
// where it cannot (TestGuardsHoldWhereTheExpressionsMatch). A guard's text
// has no s: (?i) also matches ſ for it, which lower-casing leaves as it is.
func mayGoose(text string) bool          { return containsFold(text, "+goo") }
func mayDbmate(text string) bool         { return strings.Contains(text, "migrate:") }
func maySQLMigrate(text string) bool     { return strings.Contains(text, "-- +migrate ") }
func maySQLMigrateLike(text string) bool { return containsFold(text, "migrate") }
func mayTernLike(text string) bool       { return containsFold(text, "above") }
func mayMetaCommand(text string) bool    { return strings.IndexByte(text, '\\') >= 0 }

// containsFold reports whether text contains sub, which is lower case, in
// any case.
func containsFold(text, sub string) bool {
	return strings.Contains(strings.ToLower(text), sub)
}

// keep blanks everything of text outside its section part ("up" or "down").
func keep(format Format, text, part string) string {
	switch format {
	case Goose:
		return keepSection(text, gooseMarker, part)
	case Dbmate:
		return keepSection(text, dbmateMarker, part)
	case SQLMigrate:
		return keepSection(text, sqlMigrateMarker, part)
	case Tern:
		at := strings.Index(text, TernSeparator)
		if part == "up" {
			return blank(text, at, len(text))
		}
		return blank(text, 0, at+len(TernSeparator))
	default:
		return text
	}
}

// keepSection blanks everything that is not inside a section named part. Text
// before the first marker belongs to no section, so the tools ignore it and
// so do we.
func keepSection(text string, marker *regexp.Regexp, part string) string {
	b := []byte(text)
	in := false
	last := 0
	for _, m := range marker.FindAllStringSubmatchIndex(text, -1) {
		if !in {
			blankBytes(b, last, m[0])
		}
		blankBytes(b, m[0], m[1]) // the marker line itself is a comment either way
		in = strings.EqualFold(text[m[2]:m[3]], part)
		last = m[1]
	}
	if !in {
		blankBytes(b, last, len(b))
	}
	return string(b)
}

func blank(text string, from, to int) string {
	b := []byte(text)
	blankBytes(b, from, to)
	return string(b)
}

// blankBytes replaces b[from:to] with spaces, keeping newlines.
func blankBytes(b []byte, from, to int) {
	for i := from; i < to; i++ {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// nearMisses reports the lines that look like a sql-migrate command or tern's
// separator but that the tool does not take for one: it runs the lines below
// as part of the section above (a down part as part of the up migration), or,
// for sql-migrate without a single command, refuses the file.
func nearMisses(format Format, text string) []Problem {
	var out []Problem
	if (format == SQLMigrate || format == Plain) && maySQLMigrateLike(text) {
		for _, m := range sqlMigrateLike.FindAllStringSubmatchIndex(text, -1) {
			line := text[m[0]:m[1]]
			if sqlMigrateMarker.MatchString(line) {
				continue
			}
			want := "-- +migrate Up"
			if strings.EqualFold(text[m[2]:m[3]], "down") {
				want = "-- +migrate Down"
			}
			out = append(out, Problem{Offset: m[0], Message: fmt.Sprintf(
				"%q is not a sql-migrate command: sql-migrate reads only lines starting with exactly \"-- +migrate \" followed by Up or Down (case-sensitive), and skips this one, so the lines below it stay in the section above; write %q",
				strings.TrimRight(line, "\r"), want)})
		}
	}
	if format == Tern {
		if at := strings.Index(text, "{{"); at >= 0 && at < strings.Index(text, TernSeparator) {
			out = append(out, Problem{Offset: at, Message: "tern runs a migration as a Go template, expanding {{ … }} first, but tenantc and sqlc read the SQL as written, so they would not see the schema tern makes; write the SQL itself in the up part"})
		}
	}
	if format == Plain && mayTernLike(text) {
		for _, m := range ternLike.FindAllStringIndex(text, -1) {
			out = append(out, Problem{Offset: m[0], Message: fmt.Sprintf(
				"%q is not tern's separator: tern splits a migration only at the exact text %q, so it would run the lines below as part of the up migration; write %q",
				strings.TrimRight(text[m[0]:m[1]], "\r"), TernSeparator, TernSeparator)})
		}
	}
	return out
}

// ReadPaths reads every SQL file named by paths, each relative to dir, as sqlc
// v1.31.1 finds them (its sqlpath.Glob): a path holding *, ?, [ or ] is a
// pattern and stands for its matches in lexical order; a directory contributes
// its files (not recursively) in lexical order; of all these, only names that
// IsSQLFile accepts are read, so an explicitly named hidden or non-.sql file is
// skipped as sqlc skips it. A file named twice is read once, at its first place.
func ReadPaths(dir string, paths []string) ([]*File, error) {
	var files []*File
	seen := map[string]bool{}
	for _, p := range paths {
		names, err := sqlFiles(dir, p)
		if err != nil {
			return nil, err
		}
		for _, rel := range names {
			rel = filepath.ToSlash(filepath.Clean(rel))
			if seen[rel] {
				continue
			}
			seen[rel] = true
			content, err := os.ReadFile(filepath.Join(dir, rel))
			if err != nil {
				return nil, err
			}
			files = append(files, Parse(rel, content))
		}
	}
	return files, nil
}

// ReadSchema reads schema files as ReadPaths does and blanks the psql
// meta-command lines in them, as sqlc does before parsing a schema (not queries).
func ReadSchema(dir string, paths []string) ([]*File, error) {
	files, err := ReadPaths(dir, paths)
	for _, f := range files {
		f.SQL = BlankMetaCommands(f.SQL) // same length and newlines: lineStarts hold
	}
	return files, err
}

// psqlMetaCommand is sqlc's own test for a psql meta-command line
// (internal/migrations.psqlMetaCommand): a backslash in the first column and a
// command name. pg_dump writes "\restrict KEY" and "\unrestrict KEY" since
// PostgreSQL 17.6, 16.10, 15.14, 14.19 and 13.22; no SQL parser accepts them.
var psqlMetaCommand = regexp.MustCompile(`(?m)^\\[A-Za-z!?;][^\n]*$`)

// BlankMetaCommands replaces every psql meta-command line of text with spaces.
// sqlc removes these lines; blanking them instead keeps the line:col of all
// that follows. Like sqlc, it looks at lines, not at strings: a dollar-quoted
// body line starting with such a backslash is blanked too, so tenantc and sqlc
// see the same schema.
func BlankMetaCommands(text string) string {
	if !mayMetaCommand(text) {
		return text
	}
	return psqlMetaCommand.ReplaceAllStringFunc(text, func(line string) string {
		return strings.Repeat(" ", len(line))
	})
}

// IsGlob reports whether a configured path is a pattern, by sqlc's test.
func IsGlob(p string) bool { return strings.ContainsAny(p, "*?[]") }

// Glob returns the paths, relative to dir, that pattern (relative to dir)
// matches, in lexical order; none is not an error, as for sqlc.
func Glob(dir, pattern string) ([]string, error) {
	if dir == "" {
		dir = "."
	}
	matches, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, fmt.Errorf("%s: %v; fix the pattern (filepath.Match syntax: *, ?, [a-z])", filepath.ToSlash(pattern), err)
	}
	out := make([]string, 0, len(matches))
	for _, m := range matches {
		rel, err := filepath.Rel(dir, m)
		if err != nil {
			return nil, err
		}
		out = append(out, rel)
	}
	return out, nil
}

// IsSQLFile reports whether sqlc reads a file of this name: it ends in .sql, is
// not hidden (editors' lock and swap files are dot files) and is not a
// golang-migrate down migration.
func IsSQLFile(name string) bool {
	base := filepath.Base(name)
	return strings.HasSuffix(base, ".sql") && !strings.HasPrefix(base, ".") && !IsDownFile(base)
}

// sqlFiles lists the files configured path p names, relative to dir, in the
// order sqlc reads them.
func sqlFiles(dir, p string) ([]string, error) {
	paths := []string{p}
	if IsGlob(p) {
		var err error
		if paths, err = Glob(dir, p); err != nil {
			return nil, err
		}
	}
	var out []string
	for _, rel := range paths {
		full := filepath.Join(dir, rel)
		info, err := os.Stat(full)
		if err != nil {
			if os.IsNotExist(err) {
				return nil, fmt.Errorf("%s: schema path does not exist; create it, or set schema: in tenantc.yaml (or sqlc.yaml)", filepath.ToSlash(rel))
			}
			return nil, err
		}
		if !info.IsDir() {
			if IsSQLFile(rel) {
				out = append(out, rel)
			}
			continue
		}
		entries, err := os.ReadDir(full) // sorted by name
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) && IsSQLFile(e.Name()) {
				out = append(out, filepath.Join(rel, e.Name()))
			}
		}
	}
	return out, nil
}
