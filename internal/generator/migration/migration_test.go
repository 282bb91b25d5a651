package migration

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/source"
)

func TestNextVersion(t *testing.T) {
	for _, c := range []struct {
		existing []string
		next     uint64
		width    int
	}{
		{nil, 1, 6},
		{[]string{"README.md", "000007_x.up.sql", "000003_y.up.sql"}, 8, 6},
		{[]string{"20240101120000_init.up.sql", "20240101120000_init.down.sql"}, 20240101120001, 14},
		{[]string{"1_init.sql", "9_more.sql"}, 10, 1},
	} {
		next, width := NextVersion(c.existing)
		require.Equal(t, c.next, next, "%v", c.existing)
		require.Equal(t, c.width, width, "%v", c.existing)
	}
}

// TestFilesReadBack: every format's file reads back as the up part, and its
// down part, that went in.
func TestFilesReadBack(t *testing.T) {
	for _, format := range source.Formats {
		files := Files(Options{Dir: "m", Format: format}, "000001_x", "CREATE TABLE x ();", "DROP TABLE x;")
		var up, down string
		for _, f := range files {
			switch {
			case source.IsDownFile(f.Path):
				down += source.Parse(f.Path, f.Content).SQL
			default:
				up += source.Parse(f.Path, f.Content).SQL
				down += source.Down(f.Path, f.Content)
			}
		}
		require.Contains(t, up, "CREATE TABLE x ();", format)
		if format != source.Plain { // plain's down part is a comment
			require.NotContains(t, up, "DROP TABLE", format)
			require.Contains(t, down, "DROP TABLE x;", format)
			require.NotContains(t, down, "CREATE TABLE", format)
		}
	}
}

func TestVersionsByFormat(t *testing.T) {
	for _, c := range []struct {
		format   source.Format
		existing []string
		want     string
	}{
		{source.Tern, nil, "001"},
		{source.Tern, []string{"001_init.sql", "002_more.sql", "tern.conf"}, "003"},
		{source.SQLMigrate, nil, "00000000000001"},
		{source.SQLMigrate, []string{"20240101120000-init.sql"}, "20240101120001"},
		{source.SQLMigrate, []string{"7_init.sql"}, "8"},
		{source.GolangMigrate, nil, "000001"},
	} {
		require.Equal(t, c.want, Options{Format: c.format, Existing: c.existing}.Versions().Next(), "%s %v", c.format, c.existing)
	}
}

func TestStatementMarkers(t *testing.T) {
	for _, format := range source.Formats {
		begin, end := StatementMarkers(format)
		switch format {
		case source.Goose, source.SQLMigrate:
			// The markers are the tool's commands: they read as such.
			f := source.Parse("x.sql", []byte(Files(Options{Format: format}, "1_x", begin+"SELECT 1;"+end, "")[0].Content))
			require.Equal(t, format, f.Format)
			require.Contains(t, f.SQL, "StatementBegin")
		default:
			require.Empty(t, begin+end, format)
		}
	}
}

func TestVersionsCount(t *testing.T) {
	v := NewVersions([]string{"000004_a.up.sql"})
	require.Equal(t, "000005", v.Next())
	require.Equal(t, "000006", v.Next())
}

func TestFiles(t *testing.T) {
	opts := Options{Dir: "m"}
	for _, c := range []struct {
		format source.Format
		want   map[string]string
	}{
		{source.GolangMigrate, map[string]string{
			"m/1_x.up.sql":   Header + "UP;\n",
			"m/1_x.down.sql": Header + "DOWN;\n",
		}},
		{source.Goose, map[string]string{"m/1_x.sql": Header + "-- +goose Up\nUP;\n\n-- +goose Down\nDOWN;\n"}},
		{source.Dbmate, map[string]string{"m/1_x.sql": Header + "-- migrate:up\nUP;\n\n-- migrate:down\nDOWN;\n"}},
		{source.Plain, map[string]string{"m/1_x.sql": Header + "UP;\n\n-- To revert by hand:\n-- DOWN;\n"}},
		{source.SQLMigrate, map[string]string{"m/1-x.sql": Header + "-- +migrate Up\nUP;\n\n-- +migrate Down\nDOWN;\n"}},
		{source.Tern, map[string]string{"m/1_x.sql": Header + "UP;\n\n---- create above / drop below ----\nDOWN;\n"}},
	} {
		opts.Format = c.format
		got := map[string]string{}
		files := Files(opts, "1_x", "UP;", "DOWN;")
		for _, f := range files {
			got[f.Path] = string(f.Content)
		}
		require.Equal(t, c.want, got, "%s", c.format)
		require.Len(t, Names(files), len(files))
	}
}

// TestFilesNoTransaction: a no-transaction migration carries each tool's
// marker (golang-migrate and plain need none) and reads back as the up and
// down parts that went in, the marker being a comment to the parser.
func TestFilesNoTransaction(t *testing.T) {
	for format, marker := range map[source.Format]string{
		source.Goose:         "-- +goose NO TRANSACTION\n-- +goose Up\n",
		source.Dbmate:        "-- migrate:up transaction:false\n",
		source.SQLMigrate:    "-- +migrate Up notransaction\n",
		source.Tern:          TernNoTransaction + "\n",
		source.GolangMigrate: "",
		source.Plain:         "",
	} {
		files := FilesNoTransaction(Options{Dir: "m", Format: format}, "000002_fill", "CALL p();", "SELECT 1;")
		up := files[0]
		require.Contains(t, string(up.Content), Header+marker, format)
		require.Equal(t, "CALL p();", trimmed(source.Parse(up.Path, up.Content).SQL), format)
		switch format {
		case source.Plain: // no down part a tool would run
		case source.GolangMigrate:
			require.Equal(t, Header+"SELECT 1;\n", string(files[1].Content))
		default:
			require.Equal(t, "SELECT 1;", trimmed(source.Down(up.Path, up.Content)), format)
		}
	}
}

// trimmed drops blank and comment lines: the parser blanks what is not the
// part's SQL, and a marker is a comment.
func trimmed(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "--") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
