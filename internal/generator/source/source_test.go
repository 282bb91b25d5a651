package source

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUpPartsKeepOffsets(t *testing.T) {
	cases := []struct {
		name, text string
		format     Format
		up         []string // statements that must survive
		down       []string // statements that must be blanked
	}{
		{"goose.sql", "-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n", Goose,
			[]string{"CREATE TABLE a (id int);"}, []string{"DROP TABLE a;"}},
		{"goose_two_ups.sql", "SELECT 'before';\n-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n-- +goose Up\nCREATE TABLE b (id int);\n", Goose,
			[]string{"CREATE TABLE a", "CREATE TABLE b"}, []string{"DROP TABLE a;", "'before'"}},
		{"dbmate.sql", "-- migrate:up transaction:false\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n", Dbmate,
			[]string{"CREATE TABLE a (id int);"}, []string{"DROP TABLE a;"}},
		{"1_a.up.sql", "CREATE TABLE a (id int);\n", GolangMigrate, []string{"CREATE TABLE a"}, nil},
		{"20240101120000-a.sql", "-- comment before\n-- +migrate Up notransaction\r\nCREATE TABLE a (id int);\n-- +migrate StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n-- +migrate StatementEnd\n-- +migrate Down\nDROP TABLE a;\n-- +migrate   Up\nCREATE TABLE b (id int);\n", SQLMigrate,
			[]string{"CREATE TABLE a (id int);", "CREATE FUNCTION f()", "CREATE TABLE b"}, []string{"DROP TABLE a;", "comment before"}},
		{"001_a.sql", "CREATE TABLE a (id int);\n\n---- create above / drop below ----\n\nDROP TABLE a;\n", Tern,
			[]string{"CREATE TABLE a (id int);"}, []string{"DROP TABLE a;", "create above"}},
		{"002_a.sql", "CREATE TABLE a (id int); ---- create above / drop below ---- DROP TABLE a;\n---- create above / drop below ----\nDROP TABLE b;\n", Tern,
			[]string{"CREATE TABLE a (id int);"}, []string{"DROP TABLE a;", "DROP TABLE b;"}},
		{"plain.sql", "CREATE TABLE a (id int);\n-- migrate:upper is not a marker\n", Plain, []string{"CREATE TABLE a"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Parse(c.name, []byte(c.text))
			require.Equal(t, c.format, f.Format)
			require.Len(t, f.SQL, len(c.text), "offsets must not move")
			require.Equal(t, strings.Count(c.text, "\n"), strings.Count(f.SQL, "\n"), "lines must not move")
			for _, s := range c.up {
				require.Contains(t, f.SQL, s)
				require.Equal(t, strings.Index(c.text, s), strings.Index(f.SQL, s))
			}
			for _, s := range c.down {
				require.NotContains(t, f.SQL, s)
			}
		})
	}
}

func TestDownParts(t *testing.T) {
	for _, c := range []struct{ name, text, down string }{
		{"goose.sql", "-- +goose Up\nCREATE TABLE a ();\n-- +goose Down\nDROP TABLE a;\n", "DROP TABLE a;"},
		{"dbmate.sql", "-- migrate:up\nCREATE TABLE a ();\n-- migrate:down\nDROP TABLE a;\n", "DROP TABLE a;"},
		{"1-a.sql", "-- +migrate Up\nCREATE TABLE a ();\n-- +migrate Down\nDROP TABLE a;\n-- +migrate Up\nCREATE TABLE b ();\n-- +migrate Down notransaction\nDROP TABLE b;\n", "DROP TABLE a;\n\n\n\nDROP TABLE b;"},
		{"001_a.sql", "CREATE TABLE a ();\n---- create above / drop below ----\nDROP TABLE a;\n", "DROP TABLE a;"},
		{"1_a.up.sql", "CREATE TABLE a ();\n", ""},
		{"plain.sql", "CREATE TABLE a ();\n", ""},
	} {
		got := Down(c.name, []byte(c.text))
		if c.down != "" {
			require.Len(t, got, len(c.text), c.name)
		}
		require.Equal(t, c.down, regexp.MustCompile(`(?m)^ +$`).ReplaceAllString(strings.TrimSpace(got), ""), c.name)
	}
}

// TestNearMissMarkers: a line the user meant as a sql-migrate command or as
// tern's separator, but that the tool reads as a comment (so it runs the down
// part as part of the up migration), is a problem at its place.
func TestNearMissMarkers(t *testing.T) {
	for _, c := range []struct {
		text   string
		format Format
		line   string // the line reported; "" for none
		want   string
	}{
		{"-- +migrate Up\nCREATE TABLE a ();\n-- +migrate down\nDROP TABLE a;\n", SQLMigrate, "-- +migrate down", `write "-- +migrate Down"`},
		{"-- +migrate Up\nCREATE TABLE a ();\n  -- +migrate Down\nDROP TABLE a;\n", SQLMigrate, "  -- +migrate Down", `write "-- +migrate Down"`},
		{"--+migrate Up\nCREATE TABLE a ();\n", Plain, "--+migrate Up", `write "-- +migrate Up"`},
		{"-- +migrate\tUp\nCREATE TABLE a ();\n", Plain, "-- +migrate\tUp", `write "-- +migrate Up"`},
		{"-- +migrate Up\n-- +migrate StatementBegin\n-- +migrate StatementEnd\n-- +migrate Upgrade is a comment\n", SQLMigrate, "", ""},
		{"CREATE TABLE a ();\n--- create above / drop below ---\nDROP TABLE a;\n", Plain, "--- create above / drop below ---", `tern splits a migration only at the exact text "---- create above / drop below ----"`},
		{"CREATE TABLE a ();\n---- CREATE ABOVE / DROP BELOW ----\r\nDROP TABLE a;\n", Plain, "---- CREATE ABOVE / DROP BELOW ----", "is not tern's separator"},
		{"CREATE TABLE a ();\n----- create above / drop below -----\nDROP TABLE a;\n", Tern, "", ""},
		{"CREATE TABLE a ();\n{{ template \"shared/x.sql\" . }}\n---- create above / drop below ----\n{{ template \"down\" }}\n", Tern, "{{", "tern runs a migration as a Go template"},
	} {
		f := Parse("m.sql", []byte(c.text))
		require.Equal(t, c.format, f.Format, c.text)
		if c.line == "" {
			require.Empty(t, f.Problems, c.text)
			continue
		}
		require.Len(t, f.Problems, 1, c.text)
		require.Equal(t, strings.Index(c.text, c.line), f.Problems[0].Offset)
		if c.line != "{{" {
			require.Contains(t, f.Problems[0].Message, fmt.Sprintf("%q", c.line))
		}
		require.Contains(t, f.Problems[0].Message, c.want)
	}
}

func TestPos(t *testing.T) {
	f := NewFile("a.sql", Plain, "SELECT 1;\n-- ünïcode\nSELECT x;")
	require.Equal(t, Pos{File: "a.sql", Line: 1, Col: 1}, f.Pos(0))
	off := strings.Index(f.SQL, "x;")
	require.Equal(t, "a.sql:3:8", f.Pos(off).String())
	// PostgreSQL reports character positions; ü and ï are two bytes each.
	require.Equal(t, strings.Index(f.SQL, "SELECT x"), f.CharOffset(len([]rune("SELECT 1;\n-- ünïcode\n"))+1))
	require.Equal(t, "a.sql:2:5", f.Pos(strings.Index(f.SQL, "n")).String(), "columns count characters")
}

func TestIsDownFile(t *testing.T) {
	require.True(t, IsDownFile("0001_a.down.sql"))
	require.False(t, IsDownFile("0001_a.up.sql"))
}

func TestReadPathsLikeSQLC(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		full := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	for _, name := range []string{"schema/b.sql", "schema/a.sql", "schema/.hidden.sql", "schema/.#a.sql", "schema/a.sql~",
		"schema/notes.txt", "schema/1_x.down.sql", "extra/z.sql", "extra/.z.sql", ".top.sql", "top.psql"} {
		write(name, "SELECT 1;\n")
	}
	read := func(paths ...string) []string {
		files, err := ReadPaths(dir, paths)
		require.NoError(t, err)
		var names []string
		for _, f := range files {
			names = append(names, f.Path)
		}
		return names
	}
	require.Equal(t, []string{"schema/a.sql", "schema/b.sql"}, read("schema"))
	require.Equal(t, []string{"schema/a.sql", "schema/b.sql", "extra/z.sql"}, read("schema/*.sql", "extra/*"))
	require.Equal(t, []string{"schema/b.sql", "extra/z.sql", "schema/a.sql"}, read("schema/b.sql", "*", "schema"), "a directory matched by a pattern is read; each file once")
	require.Empty(t, read(".top.sql", "top.psql", "schema/.hidden.sql"), "sqlc skips named hidden and non-.sql files too")
	require.Empty(t, read("nothing/*.sql"), "a pattern matching nothing is no files, as for sqlc")
	_, err := ReadPaths(dir, []string{"schema/[.sql"})
	require.ErrorContains(t, err, "schema/[.sql: syntax error in pattern")
}

func TestBlankMetaCommands(t *testing.T) {
	text := "\\restrict KEY\nCREATE TABLE a (id int);\n  \\not at the line start\n\\\\ not a command name\r\n\\unrestrict KEY\r\n"
	got := BlankMetaCommands(text)
	require.Len(t, got, len(text), "offsets must not move")
	require.Equal(t, "             \nCREATE TABLE a (id int);\n  \\not at the line start\n\\\\ not a command name\r\n"+strings.Repeat(" ", len("\\unrestrict KEY\r"))+"\n", got)

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.sql"), []byte(text), 0o644))
	schema, err := ReadSchema(dir, []string{"s.sql"})
	require.NoError(t, err)
	require.Equal(t, got, schema[0].SQL)
	require.Equal(t, "s.sql:2:14", schema[0].Pos(strings.Index(got, "a (")).String())
	queries, err := ReadPaths(dir, []string{"s.sql"})
	require.NoError(t, err)
	require.Equal(t, text, queries[0].SQL, "sqlc strips meta-commands from schema files only")
}
