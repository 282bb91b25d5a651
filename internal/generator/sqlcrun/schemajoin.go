package sqlcrun

import (
	"bufio"
	"regexp"
	"slices"
	"strings"
)

// A wrapped block's schema reaches sqlc as one file, not a copy per schema
// file and migration: creating files is most of what tenantc adds to sqlc's
// own time (issue 15: writing the 1 600 inputs of a 500-table app, 800 of
// them schema files and migrations, took 1.5 s of a 14 s run on the machine
// of docs/BENCHMARKS.md; with the schema joined, 0.24 s).
//
// sqlc reads each schema file, drops what follows a rollback marker and
// psql's meta-commands, parses it and applies its statements to the catalog
// in order (compiler.parseCatalog in sqlc v1.31). So one file holding every
// file's text after those same steps, each ended with ";" on a line of its
// own, builds the same catalog: every file parsed on its own before this run
// (tenantc reports a file pg_query cannot parse and stops), so none leaves a
// comment, a string or a statement open for the next to close. A run that
// fails is run again without joining (Run), for sqlc's messages about each
// file.

// joinedSchema is the name of the joined schema in a block's schema directory.
const joinedSchema = "schema.sql"

// joinSchema returns files' text as sqlc reads it, joined.
func joinSchema(files []File) string {
	var b strings.Builder
	for _, f := range files {
		b.WriteString(removePsqlMetaCommands(removeRollbackStatements(f.SQL)))
		b.WriteString("\n;\n")
	}
	return b.String()
}

// perFile is in with every block's schema read a copy per file.
func perFile(in Input) Input {
	in.Blocks = slices.Clone(in.Blocks)
	for i := range in.Blocks {
		in.Blocks[i].SchemaParsed = false
	}
	return in
}

// removeRollbackStatements is sqlc's migrations.RemoveRollbackStatements
// (v1.31): the lines before the first rollback marker of goose, sql-migrate,
// tern or dbmate, joined by "\n". Like sqlc's it reads lines with a
// bufio.Scanner, so it drops carriage returns before newlines and stops at a
// line longer than the scanner's limit, as sqlc does for the file alone.
func removeRollbackStatements(contents string) string {
	s := bufio.NewScanner(strings.NewReader(contents))
	var lines []string
	for s.Scan() {
		if rollbackMarker(s.Text()) {
			break
		}
		lines = append(lines, s.Text())
	}
	return strings.Join(lines, "\n")
}

// rollbackMarker reports whether sqlc reads line as the start of a file's
// rollback part: goose's, sql-migrate's, tern's or dbmate's marker.
func rollbackMarker(line string) bool {
	l := strings.ToLower(line)
	return strings.HasPrefix(l, "-- +goose down") ||
		strings.HasPrefix(l, "-- +migrate down") ||
		strings.HasPrefix(l, "---- create above / drop below ----") ||
		strings.HasPrefix(l, "-- migrate:down")
}

// psqlMetaCommand is sqlc's: a line that begins with a backslash and a
// command name (pg_dump's \restrict, \connect, …).
var psqlMetaCommand = regexp.MustCompile(`^\\[A-Za-z!?;][^\n]*$`)

// removePsqlMetaCommands is sqlc's migrations.RemovePsqlMetaCommands (v1.31).
func removePsqlMetaCommands(contents string) string {
	s := bufio.NewScanner(strings.NewReader(contents))
	var lines []string
	for s.Scan() {
		if line := s.Text(); !psqlMetaCommand.MatchString(line) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// joinable reports whether sqlc reads every one of files whole, as tenantc
// parsed it: no line is a rollback marker, a psql meta-command or longer than
// sqlc's line reader takes. Where sqlc would cut a file short, the cut could
// leave a string or a comment open that the next file's text would close in
// a joined schema, so such a schema is not joined.
func joinable(files []File) bool {
	for _, f := range files {
		for line := range strings.Lines(f.SQL) {
			if len(line) >= bufio.MaxScanTokenSize {
				return false
			}
			line = strings.TrimRight(line, "\r\n")
			if rollbackMarker(line) || psqlMetaCommand.MatchString(line) {
				return false
			}
		}
	}
	return true
}
