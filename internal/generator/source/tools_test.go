package source

import (
	"strings"
	"testing"
	"testing/fstest"

	ternmigrate "github.com/jackc/tern/v2/migrate"
	"github.com/rubenv/sql-migrate/sqlparse"
	"github.com/stretchr/testify/require"
)

// sqlLines is text's SQL, line by line, as the tools and tenantc both keep
// it: comment and blank lines dropped, each line trimmed.
func sqlLines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			out = append(out, line)
		}
	}
	return out
}

// TestPartsAgreeWithSQLMigrate: the up and down parts tenantc reads are the
// statements sql-migrate v1.8's own parser runs, near-miss commands included.
func TestPartsAgreeWithSQLMigrate(t *testing.T) {
	for _, text := range []string{
		"-- before\n-- +migrate Up\nCREATE TABLE a (id int);\n-- +migrate Down\nDROP TABLE a;\n",
		"-- +migrate Up notransaction\r\nCREATE TABLE a (id int);\r\n-- +migrate   Down\r\nDROP TABLE a;\r\n",
		"-- +migrate Up\n-- +migrate StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n-- +migrate StatementEnd\n-- +migrate Down\nDROP FUNCTION f();\n-- +migrate Up\nCREATE TABLE b ();\n",
		"-- +migrate Up\nCREATE TABLE a ();\n-- +migrate down\nDROP TABLE a;\n",
		"-- +migrate Up\nCREATE TABLE a ();\n-- +migrate\tDown\nDROP TABLE a;\n",
		"-- +migrate Up\nCREATE TABLE a ();\n -- +migrate Down\nDROP TABLE a;\n",
		"-- +migrate Up\nCREATE TABLE a ();\n-- +migrate Upgrade\nCREATE TABLE b ();\n-- +migrate Down\nDROP TABLE b;\n",
	} {
		parsed, err := sqlparse.ParseMigration(strings.NewReader(text))
		require.NoError(t, err, text)
		f := Parse("m.sql", []byte(text))
		require.Equal(t, SQLMigrate, f.Format, text)
		require.Equal(t, sqlLines(strings.Join(parsed.UpStatements, "\n")), sqlLines(f.SQL), "up part of %q", text)
		require.Equal(t, sqlLines(strings.Join(parsed.DownStatements, "\n")), sqlLines(Down("m.sql", []byte(text))), "down part of %q", text)
	}
}

// TestPartsAgreeWithTern: the up and down parts tenantc reads are those tern
// v2's own loader splits a migration into.
func TestPartsAgreeWithTern(t *testing.T) {
	for _, text := range []string{
		"CREATE TABLE a (id int);\n\n---- create above / drop below ----\n\nDROP TABLE a;\n",
		"CREATE TABLE a (id int); ---- create above / drop below ---- DROP TABLE a;\n---- create above / drop below ----\nDROP TABLE b;\n",
		"---- tern: disable-tx ----\nCREATE TABLE a (id int);\n---- create above / drop below ----\r\nDROP TABLE a;\r\n",
		"CREATE TABLE a (id int);\n--- create above / drop below ---\nDROP TABLE a;\n",
	} {
		m := &ternmigrate.Migrator{}
		require.NoError(t, m.LoadMigrations(fstest.MapFS{"001_m.sql": {Data: []byte(text)}}), text)
		f := Parse("001_m.sql", []byte(text))
		require.Equal(t, sqlLines(m.Migrations[0].UpSQL), sqlLines(f.SQL), "up part of %q", text)
		require.Equal(t, sqlLines(m.Migrations[0].DownSQL), sqlLines(Down("001_m.sql", []byte(text))), "down part of %q", text)
	}
}
