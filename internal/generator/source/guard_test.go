package source

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// guards pairs each regular expression run over whole files with the test
// that guards it: the expression may match only where the guard holds.
var guards = []struct {
	name  string
	re    *regexp.Regexp
	guard func(string) bool
}{
	{"goose", gooseMarker, mayGoose},
	{"dbmate", dbmateMarker, mayDbmate},
	{"sql-migrate", sqlMigrateMarker, maySQLMigrate},
	{"sql-migrate near miss", sqlMigrateLike, maySQLMigrateLike},
	{"tern near miss", ternLike, mayTernLike},
	{"psql meta-command", psqlMetaCommand, mayMetaCommand},
}

// TestGuardsHoldWhereTheExpressionsMatch: on every SQL file of the
// repository's test data and examples, and on markers in every spelling the
// expressions accept (case, Unicode case folding, spacing), a match of an
// expression comes with its guard; so guarding changes no result, only
// skips the expressions where they cannot match.
func TestGuardsHoldWhereTheExpressionsMatch(t *testing.T) {
	corpus := []string{
		"-- +goose Up\nSELECT 1;\n-- +goose Down\n", "--+GOOSE UP\n", "  --  +GoOsE\tdown\n", "-- +gooſe Up\n", "-- +GOOſE Down\n",
		"-- migrate:up\n", "-- migrate:down transaction:false\n",
		"-- +migrate Up\n", "-- +migrate   Down notransaction\n", "-- +Migrate up\n", "--+ MIGRATE down\n", "-- +mıgrate up\n",
		"---- create above / drop below ----\n", "--- CREATE ABOVE/DROP BELOW\n", "-- Create  Above / drop below\n",
		`\restrict abc` + "\n", "SELECT 1;\n\\connect x\n", "\\! ls\n",
		"", "SELECT 'no markers here';\n",
	}
	matched := map[string]int{}
	walked := 0
	for _, root := range []string{"../..", "../../../examples", "../../../schema", "../../../gen/migrations"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sql") {
				return err
			}
			b, err := os.ReadFile(p)
			corpus = append(corpus, string(b))
			walked++
			return err
		})
		require.NoError(t, err)
	}
	require.Greater(t, walked, 100)
	for _, text := range corpus {
		for _, g := range guards {
			if g.re.MatchString(text) {
				matched[g.name]++
				require.True(t, g.guard(text), "%s matches without its guard:\n%s", g.name, text)
			}
		}
	}
	for _, g := range guards {
		require.Positive(t, matched[g.name], "%s: no text of the corpus matches, so this tests nothing", g.name)
	}
}

func TestContainsFold(t *testing.T) {
	for _, c := range []struct {
		text, sub string
		want      bool
	}{
		{"x +GOOSE", "+goo", true},
		{"+Go", "+goo", false},
		{"aaaaAAAAabovE", "above", true},
		{"ABOV", "above", false},
		{"mmmmMigratE", "migrate", true},
		{"migrat", "migrate", false},
		{"", "above", false},
		{"é above", "above", true},
	} {
		require.Equal(t, c.want, containsFold(c.text, c.sub), "%q in %q", c.sub, c.text)
	}
}
