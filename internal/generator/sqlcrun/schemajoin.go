package sqlcrun

import (
	"bufio"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/source"
)

// A wrapped block's schema reaches sqlc as one file, not a copy per schema
// file and migration: creating files is most of what tenantc adds to sqlc's
// own time (issue 15: writing the 1 600 inputs of a 500-table app, 800 of
// them schema files and migrations, took 1.5 s of a 14 s run on the machine
// of docs/BENCHMARKS.md; with the schema joined, 0.24 s).
//
// sqlc reads each schema file, drops what follows a rollback marker and
// psql's meta-commands, parses it and applies its statements to the catalog
// in order (compiler.parseCatalog in sqlc v1.31). For files with neither
// (joinable), one file holding their texts, each ended with ";" on a line of
// its own, builds the same catalog: every file parsed on its own before this
// run (tenantc reports a file pg_query cannot parse and stops) or written by
// tenantc in it, so none leaves a comment, a string or a statement open for
// the next to close. A
// run that fails is run again without joining (Run), for sqlc's messages
// about each file.

// joinedSchema is the name of the joined schema in a block's schema directory.
const joinedSchema = "schema.sql"

// joinSchema returns files' texts joined, each ended with ";" on a line of
// its own.
func joinSchema(files []File) string {
	var b strings.Builder
	for _, f := range files {
		b.WriteString(f.SQL)
		b.WriteString("\n;\n")
	}
	return b.String()
}

// joinable reports whether sqlc reads every one of files whole, as tenantc
// parsed it: no line is a rollback marker, a psql meta-command or longer than
// sqlc's line reader takes (bufio.Scanner's limit: it stops there). Where
// sqlc cuts a file short, the cut can leave a string or a comment open that
// the next file's text would close in a joined schema, so such a schema is
// not joined.
func joinable(files []File) bool {
	for _, f := range files {
		if source.BlankMetaCommands(f.SQL) != f.SQL {
			return false
		}
		for line := range strings.Lines(f.SQL) {
			if len(line) >= bufio.MaxScanTokenSize || rollbackMarker(line) {
				return false
			}
		}
	}
	return true
}

// rollbackMarker reports whether sqlc reads line as the start of a file's
// rollback part (migrations.RemoveRollbackStatements in sqlc v1.31):
// goose's, sql-migrate's, tern's or dbmate's marker, in any case.
func rollbackMarker(line string) bool {
	l := strings.ToLower(line)
	return strings.HasPrefix(l, "-- +goose down") ||
		strings.HasPrefix(l, "-- +migrate down") ||
		strings.HasPrefix(l, "---- create above / drop below ----") ||
		strings.HasPrefix(l, "-- migrate:down")
}

// perFile is in with every block's schema read a copy per file.
func perFile(in Input) Input {
	in.Blocks = slices.Clone(in.Blocks)
	for i := range in.Blocks {
		in.Blocks[i].SchemaParsed = false
	}
	return in
}
