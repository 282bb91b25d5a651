package sqlcrun

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// joinedRun runs sqlc on schema and queries as a wrapped block, with the
// schema joined into one file or (join false) a copy per file.
func joinedRun(t *testing.T, schema []File, queries []File, join bool) (*Result, []string) {
	t.Helper()
	t.Setenv(CacheEnv, "off")
	in := Input{Blocks: []Block{{Index: 0, Schema: schema, Queries: queries, SchemaParsed: join}}}
	res, diags, err := Run(t.Context(), in)
	require.NoError(t, err)
	var got []string
	for _, d := range diags {
		got = append(got, d.Pos.String()+": "+d.Message)
	}
	return res, got
}

// joinedAsPerFile runs sqlc on schema and queries both ways, requires the
// same code and no message from each, and returns the joined run's result.
func joinedAsPerFile(t *testing.T, schema []File, queries []File) *Result {
	t.Helper()
	perFile, diags := joinedRun(t, schema, queries, false)
	require.Empty(t, diags)
	joined, diags := joinedRun(t, schema, queries, true)
	require.Empty(t, diags)
	require.Equal(t, perFile.Files, joined.Files)
	return joined
}

var joinQueries = []File{{Path: "queries/q.sql", SQL: "-- name: CountB :one\nSELECT count(*) FROM b;\n"}}

// TestJoinedSchemaSameOutput: sqlc writes the same code from a joined schema
// as from a copy per file, with files that end without a newline or a
// semicolon, with CRLF line ends, and empty ones.
func TestJoinedSchemaSameOutput(t *testing.T) {
	schema := []File{
		{Path: "schema/1.sql", SQL: "CREATE TABLE a (id int PRIMARY KEY)"},
		{Path: "schema/2.sql", SQL: ""},
		{Path: "schema/3.sql", SQL: "-- a comment at the end\r\nCREATE TABLE b (id int PRIMARY KEY,\r\n  a_id int REFERENCES a);\r\n-- the end"},
		{Path: "migrations/4.up.sql", SQL: "ALTER TABLE b ADD COLUMN note text NOT NULL DEFAULT '';\nCREATE TYPE mood AS ENUM ('ok', 'meh');\nALTER TABLE a ADD COLUMN m mood"},
	}
	joined := joinedAsPerFile(t, schema, joinQueries)
	require.Contains(t, fileOf(t, joined, "models.go"), "Mood")

	r, err := plan(Input{Blocks: []Block{{Schema: schema, Queries: joinQueries, SchemaParsed: true}}}, t.TempDir())
	require.NoError(t, err)
	require.True(t, r.joined)
	var names []string
	for name := range r.files {
		names = append(names, name)
	}
	require.ElementsMatch(t, []string{tenantDir + "/0/schema/" + joinedSchema, tenantDir + "/0/queries/q.sql"}, names)
}

// TestJoinedSchemaMapsErrors: what sqlc reports in a joined schema names the
// file and line it reports without joining (sqlc places messages without a
// location at 1:1 of their file, so a failed joined run is run again per
// file): the first file, a later file's first statement, a statement in the
// middle of a later file.
func TestJoinedSchemaMapsErrors(t *testing.T) {
	for name, bad := range map[string][]File{
		"in the first file": {
			{Path: "schema/1.sql", SQL: "CREATE TABLE b (id int);\nALTER TABLE missing ADD COLUMN x int;\n"},
			{Path: "schema/2.sql", SQL: "CREATE TABLE c (id int);\n"},
		},
		"first statement of a later file": {
			{Path: "schema/1.sql", SQL: "CREATE TABLE b (id int);\n"},
			{Path: "schema/2.sql", SQL: "CREATE TABLE c (id int);\n"},
			{Path: "schema/3.sql", SQL: "ALTER TABLE missing ADD COLUMN x int;\nCREATE TABLE d (id int);\n"},
		},
		"middle of a later file": {
			{Path: "schema/1.sql", SQL: "CREATE TABLE b (id int);\n\n\n"},
			{Path: "schema/2.sql", SQL: "CREATE TABLE c (id int);\n\n-- why\nALTER TABLE c\n  DROP COLUMN nope;\nCREATE TABLE d (id int);"},
			{Path: "schema/3.sql", SQL: "CREATE TABLE e (id int);\n"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, want := joinedRun(t, bad, joinQueries, false)
			require.NotEmpty(t, want, "sqlc reports the bad schema")
			_, got := joinedRun(t, bad, joinQueries, true)
			require.Equal(t, want, got)
		})
	}
}

// TestJoinable: a schema with a line sqlc would cut a file at, or drop, is
// not joined, and sqlc then reads each file on its own as before.
func TestJoinable(t *testing.T) {
	ok := File{Path: "a.sql", SQL: "CREATE TABLE a (id int);\n-- +goose up is not a rollback\n"}
	require.True(t, joinable([]File{ok}))
	for name, sql := range map[string]string{
		"goose down":  "CREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n",
		"dbmate down": "-- migrate:down\n",
		"tern":        "---- create above / drop below ----\n",
		"sql-migrate": "-- +migrate Down\r\n",
		"psql":        "\\restrict abc\nCREATE TABLE a (id int);\n",
		"long line":   "-- " + strings.Repeat("x", 70_000) + "\nCREATE TABLE a (id int);\n",
	} {
		require.False(t, joinable([]File{ok, {Path: "b.sql", SQL: sql}}), name)
	}

	// A plain schema file with a goose marker: sqlc drops what follows it in
	// that file only.
	schema := []File{
		{Path: "schema/1.sql", SQL: "CREATE TABLE b (id int PRIMARY KEY);\n-- +goose Down\nCREATE TABLE dropped (id int);\n/* an open comment sqlc never sees\n"},
		{Path: "schema/2.sql", SQL: "CREATE TABLE c (id int PRIMARY KEY);\n"},
	}
	q := []File{{Path: "queries/q.sql", SQL: "-- name: CountC :one\nSELECT count(*) FROM c;\n"}}
	joined := joinedAsPerFile(t, schema, q)
	require.NotContains(t, fileOf(t, joined, "models.go"), "Dropped")

	// Joined, the marker would drop the files after it too, and the run
	// would still succeed: without the enum the next file makes, and nothing
	// said. Not joined, the enum is there.
	schema = []File{
		{Path: "schema/1.sql", SQL: "CREATE TABLE b (id int PRIMARY KEY);\n-- +goose Down\nDROP TABLE b;\n"},
		{Path: "schema/2.sql", SQL: "CREATE TYPE mood AS ENUM ('ok', 'meh');\n"},
	}
	joined = joinedAsPerFile(t, schema, joinQueries)
	require.Contains(t, fileOf(t, joined, "models.go"), "type Mood string")
}

// TestJoinSchema: each file's text, ended with ";" on a line of its own.
func TestJoinSchema(t *testing.T) {
	require.Equal(t, "x;\ny;\n\n;\nz\n;\nw\r\nv\n;\n",
		joinSchema([]File{{Path: "a", SQL: "x;\ny;\n"}, {Path: "b", SQL: "z"}, {Path: "c", SQL: "w\r\nv"}}))
}
