package catalog

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/pgquery"
)

func TestQuoteIdent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"tasks", "tasks"},
		{"_tasks", "_tasks"},
		{"tasks_2026", "tasks_2026"},
		{"a$b", "a$b"},               // $ is an identifier character after the first
		{"", `""`},                   // the empty name cannot be written bare
		{"Tasks", `"Tasks"`},         // upper case would be folded
		{"userId", `"userId"`},       // Better Auth's columns
		{"2fa", `"2fa"`},             // digit first
		{"$x", `"$x"`},               // $ first is a parameter
		{"my table", `"my table"`},   // space
		{"a-b", `"a-b"`},             // operator character
		{"a.b", `"a.b"`},             // one name with a dot, not schema.table
		{`say "hi"`, `"say ""hi"""`}, // quotes inside are doubled
		{`"`, `""""`},
		{"größe", `"größe"`}, // non-ASCII letters are quoted, as quote_ident does
		{"user", `"user"`},   // reserved
		{"order", `"order"`},
		{"select", `"select"`},
		{"system_user", `"system_user"`}, // reserved since PostgreSQL 16
		{"left", `"left"`},               // TYPE_FUNC_NAME_KEYWORD
		{"name", "name"},                 // unreserved keyword
		{"between", "between"},           // COL_NAME_KEYWORD: can name a column
		{"ORDER", `"ORDER"`},             // upper case, not the keyword
	} {
		assert.Equal(t, tc.want, QuoteIdent(tc.in), "QuoteIdent(%q)", tc.in)
	}
}

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Name
	}{
		{"tasks", Name{"public", "tasks"}},
		{"Tasks", Name{"public", "tasks"}}, // unquoted: folded
		{`"Tasks"`, Name{"public", "Tasks"}},
		{"  tasks ", Name{"public", "tasks"}},
		{"app.tasks", Name{"app", "tasks"}},
		{"APP.Tasks", Name{"app", "tasks"}},
		{`"My App"."My Tasks"`, Name{"My App", "My Tasks"}},
		{`app."a.b"`, Name{"app", "a.b"}}, // a dot inside quotes is no separator
		{`"say ""hi"""`, Name{"public", `say "hi"`}},
		{`"user"`, Name{"public", "user"}},
		{"order", Name{"public", "order"}}, // not SQL, but the name is unambiguous
		{"2fa", Name{"public", "2fa"}},
		{"größe", Name{"public", "größe"}},
		{"GRÖSSE", Name{"public", "grÖsse"}}, // PostgreSQL folds A-Z only
	} {
		got, err := ParseName(tc.in)
		if assert.NoError(t, err, "ParseName(%q)", tc.in) {
			assert.Equal(t, tc.want, got, "ParseName(%q)", tc.in)
		}
	}
	// Unquoted names fold as PostgreSQL's parser folds them.
	for _, in := range []string{"Tasks", "APP.Tasks", "GRÖSSE", "app.Größe"} {
		tree, err := pgquery.Parse("SELECT 1 FROM " + in)
		require.NoError(t, err)
		rv := tree.Stmts[0].Stmt.GetSelectStmt().FromClause[0].GetRangeVar()
		want := Name{Schema: rv.Schemaname, Name: rv.Relname}
		if want.Schema == "" {
			want.Schema = "public"
		}
		got, err := ParseName(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, "ParseName(%q) and PostgreSQL's parser", in)
	}

	for _, tc := range []struct{ in, msg string }{
		{"", `name "": empty identifier`},
		{`""`, `name "\"\"": empty identifier`},
		{"app.", `name "app.": empty identifier`},
		{".tasks", `name ".tasks": empty identifier`},
		{"a.b.c", `name "a.b.c": want table or schema.table`},
		{`"tasks`, `name "\"tasks": unterminated quoted identifier`},
		{`"a"b`, `name "\"a\"b": unexpected "b"`},
	} {
		_, err := ParseName(tc.in)
		assert.EqualError(t, err, tc.msg, "ParseName(%q)", tc.in)
	}
}

// TestQuotedNamesRoundTrip: what QuoteIdent writes, PostgreSQL's own parser
// (pg_query, which sqlc uses too) and ParseName both read back as the same
// name.
func TestQuotedNamesRoundTrip(t *testing.T) {
	names := []string{"tasks", "Tasks", "userId", "2fa", "a$b", "my table", "a.b", `say "hi"`, `"`,
		"größe", "user", "order", "system_user", "left", "between", "name", "ORDER"}
	for _, schema := range []string{"public", "app", "My App", "user"} {
		for _, name := range names {
			sql := QuoteIdent(schema) + "." + QuoteIdent(name)
			tree, err := pgquery.Parse("SELECT 1 FROM " + sql)
			require.NoError(t, err, "PostgreSQL's parser reads %s", sql)
			rv := tree.Stmts[0].Stmt.GetSelectStmt().FromClause[0].GetRangeVar()
			assert.Equal(t, schema, rv.Schemaname, "schema of %s", sql)
			assert.Equal(t, name, rv.Relname, "name of %s", sql)

			got, err := ParseName(sql)
			require.NoError(t, err, sql)
			assert.Equal(t, Name{schema, name}, got, "ParseName(%s)", sql)
			assert.Equal(t, sql, Name{schema, name}.String())
		}
	}
}

// TestReservedKeywordsMatchTheParser: reservedKeywords is exactly the
// RESERVED_KEYWORD and TYPE_FUNC_NAME_KEYWORD entries of the kwlist.h that
// pg_query_go builds, so a parser upgrade that reserves a word (as
// PostgreSQL 16 did with system_user) fails here instead of generating SQL
// that does not parse. Each entry's kind is also asked of the scanner itself.
func TestReservedKeywordsMatchTheParser(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/pganalyze/pg_query_go/v6").Output()
	require.NoError(t, err, "locate pg_query_go's sources")
	kwlist, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "parser", "include", "postgres", "parser", "kwlist.h"))
	require.NoError(t, err)
	var want []string
	for _, m := range regexp.MustCompile(`PG_KEYWORD\("(\w+)", \w+, (RESERVED_KEYWORD|TYPE_FUNC_NAME_KEYWORD)`).FindAllSubmatch(kwlist, -1) {
		want = append(want, string(m[1]))
	}
	require.NotEmpty(t, want, "no keyword found in kwlist.h")
	var have []string
	for k := range reservedKeywords {
		have = append(have, k)
	}
	slices.Sort(want)
	slices.Sort(have)
	assert.Equal(t, want, have)

	for _, k := range have {
		res, err := pgquery.Scan(k)
		require.NoError(t, err)
		require.Len(t, res.Tokens, 1, k)
		kind := res.Tokens[0].KeywordKind
		assert.True(t, kind == pg_query.KeywordKind_RESERVED_KEYWORD || kind == pg_query.KeywordKind_TYPE_FUNC_NAME_KEYWORD,
			"%s is %s to the scanner", k, kind)
	}
}
