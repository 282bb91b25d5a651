package migration

import (
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
