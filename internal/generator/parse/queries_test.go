package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// queryFile is a plain query file named q.sql.
func queryFile(sql string) *source.File { return source.NewFile("q.sql", source.Plain, sql) }

// oneQuery reads sql, annotated as "-- name: Q :exec" unless it carries its own
// annotation, and requires exactly one query and no diagnostics.
func oneQuery(t *testing.T, sql string) *catalog.Query {
	t.Helper()
	if !strings.Contains(sql, "-- name:") {
		sql = "-- name: Q :exec\n" + sql
	}
	qs, diags := Queries([]*source.File{queryFile(sql)})
	require.Empty(t, diags, "diagnostics")
	require.Len(t, qs, 1)
	return qs[0]
}

// at returns the position of the n-th (from 0) occurrence of sub in sql, in q.sql.
func at(t *testing.T, sql, sub string, n int) source.Pos {
	t.Helper()
	off := 0
	for i := 0; ; i++ {
		j := strings.Index(sql[off:], sub)
		require.GreaterOrEqual(t, j, 0, "%q not found", sub)
		if i == n {
			return queryFile(sql).Pos(off + j)
		}
		off += j + len(sub)
	}
}

func pub(n string) catalog.Name { return name(n) }

func TestQueriesSplitAndAnnotate(t *testing.T) {
	sql := `-- Queries of the app.

-- name: ListProjects :many
-- ListProjects returns every project; a semicolon here; does not split.
SELECT id, name FROM projects WHERE name <> 'a;b' ORDER BY name;

/* name: CreateProject :one */
INSERT INTO projects (name, body) VALUES ($1, $$ a ; b $$) RETURNING id;
-- name: ArchiveProject :execrows
UPDATE projects SET archived = true WHERE id = $1;
-- name: DeleteProject :exec
DELETE FROM projects WHERE id = $1;
-- name: Reset :exec
SET ROLE NONE;
-- name: CopyProjects :copyfrom
INSERT INTO projects (name) VALUES ($1);
-- name: Last :batchone
SELECT 1 -- no semicolon, a trailing comment
`
	qs, diags := Queries([]*source.File{queryFile(sql)})
	require.Empty(t, diags)
	type row struct{ Name, Cmd, Command, SQL string }
	var got []row
	for _, q := range qs {
		got = append(got, row{q.Name, q.Cmd, q.Command, q.SQL})
	}
	assert.Equal(t, []row{
		{"ListProjects", ":many", "select", "SELECT id, name FROM projects WHERE name <> 'a;b' ORDER BY name"},
		{"CreateProject", ":one", "insert", "INSERT INTO projects (name, body) VALUES ($1, $$ a ; b $$) RETURNING id"},
		{"ArchiveProject", ":execrows", "update", "UPDATE projects SET archived = true WHERE id = $1"},
		{"DeleteProject", ":exec", "delete", "DELETE FROM projects WHERE id = $1"},
		{"Reset", ":exec", "other", "SET ROLE NONE"},
		{"CopyProjects", ":copyfrom", "insert", "INSERT INTO projects (name) VALUES ($1)"},
		{"Last", ":batchone", "select", "SELECT 1"},
	}, got)
	assert.Equal(t, source.Pos{File: "q.sql", Line: 3, Col: 1}, qs[0].Pos, "the -- name: comment")
	assert.Equal(t, source.Pos{File: "q.sql", Line: 7, Col: 1}, qs[1].Pos)

	for _, cmd := range catalog.QueryCmds {
		q := oneQuery(t, "-- name: X "+cmd+"\nSELECT 1;")
		assert.Equal(t, cmd, q.Cmd)
	}
}

func TestQueriesRepositoryFiles(t *testing.T) {
	files, err := source.ReadPaths("../../..", []string{"queries"})
	require.NoError(t, err)
	qs, diags := Queries(files)
	assert.Empty(t, diags, "the example app's query files")
	assert.NotEmpty(t, qs)
}

func TestQueriesErrors(t *testing.T) {
	cases := []struct {
		name, sql string
		want      []string // "line:col: message fragment"
	}{
		{"syntax error", "-- name: A :one\nSELECT 1;\n-- name: B :one\nSELEC 2;\n",
			[]string{`4:1: syntax error at or near "SELEC"`}},
		{"syntax error after multi-byte text and a parameter", "-- name: A :one\nSELECT 'ünï', @ñame FROM FROM;\n",
			[]string{`2:26: syntax error at or near "FROM"`}},
		{"no annotation", "-- name: A :one\nSELECT 1;\n\n-- just a comment\nSELECT 2;\n",
			[]string{"5:1: statement has no name annotation"}},
		{"unknown command", "-- name: A :single\nSELECT 1;\n",
			[]string{"1:12: unknown query command :single for A"}},
		{"no name", "-- name: \nSELECT 1;\n",
			[]string{"1:1: the annotation has no name"}},
		{"no command", "-- name: A\nSELECT 1;\n",
			[]string{"1:1: the annotation of A has no command"}},
		{"not a Go identifier", "-- name: 9lives :one\nSELECT 1;\n",
			[]string{`1:1: query name "9lives" is not a Go identifier`}},
		{"malformed", "--name: A :one\nSELECT 1;\n",
			[]string{"1:1: malformed annotation"}},
		{"extra words", "-- name: A :one please\nSELECT 1;\n",
			[]string{"1:1: malformed annotation"}},
		{"indented", "SELECT 0; -- name: A :one\n  -- name: B :one\nSELECT 1;\n",
			[]string{"1:1: statement has no name annotation", "1:11: the annotation must start its line", "2:3: the annotation must start its line"}},
		{"two annotations", "-- name: A :one\n-- name: B :one\nSELECT 1;\n",
			[]string{"1:1: no statement follows the annotation of A before the next annotation"}},
		{"annotation at the end", "-- name: A :one\nSELECT 1;\n-- name: B :one\n",
			[]string{"3:1: no statement follows the annotation of B"}},
		{"only an annotation", "-- name: A :one\n-- a comment; with a semicolon\n",
			[]string{"1:1: no statement follows the annotation of A"}},
		{"duplicate in one file", "-- name: A :one\nSELECT 1;\n-- name: A :many\nSELECT 2;\n",
			[]string{"3:1: query name A is already used at q.sql:1:1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, diags := Queries([]*source.File{queryFile(c.sql)})
			require.Len(t, diags, len(c.want), "%v", diags)
			diags.Sort()
			for i, w := range c.want {
				assert.Equal(t, diag.Error, diags[i].Severity)
				assert.Contains(t, fmtPos(diags[i]), w)
			}
		})
	}
}

func fmtPos(d diag.Diagnostic) string {
	return strings.TrimPrefix(d.Pos.String(), d.Pos.File+":") + ": " + d.Message
}

func TestQueriesDuplicateAcrossFiles(t *testing.T) {
	qs, diags := Queries([]*source.File{
		source.NewFile("a.sql", source.Plain, "-- name: GetTask :one\nSELECT 1;\n"),
		nil,
		source.NewFile("b.sql", source.Plain, "\n-- name: GetTask :one\nSELECT 2;\n-- name: Other :one\nSELECT 3;\n"),
	})
	require.Len(t, diags, 1)
	assert.Equal(t, source.Pos{File: "b.sql", Line: 2, Col: 1}, diags[0].Pos, "the second use")
	assert.Contains(t, diags[0].Message, "already used at a.sql:1:1")
	require.Len(t, qs, 2, "the duplicate is left out")
	assert.Equal(t, "GetTask", qs[0].Name)
	assert.Equal(t, "SELECT 1", qs[0].SQL)
	assert.Equal(t, "Other", qs[1].Name)
}

func TestRewriteNamedParams(t *testing.T) {
	cases := []struct{ in, want string }{
		{"SELECT @x", "SELECT $1"},
		{"WHERE id = @id AND a = @id AND b = @b", "WHERE id = $01 AND a = $01 AND b = $2"},
		{"VALUES (@first_name,@x)", "VALUES ($0000000001,$2)"},
		{"WHERE x = @x::int", "WHERE x = $1::int"},
		{"WHERE a @> b AND c <@d AND e=@f AND g @@ h", "WHERE a @> b AND c <@d AND e=@f AND g @@ h"},
		{"SELECT '@x', \"@x\", E'\\'@x', $$ @x $$, $t$ @x $t$ -- @x\n/* @x /* @x */ @x */", "SELECT '@x', \"@x\", E'\\'@x', $$ @x $$, $t$ @x $t$ -- @x\n/* @x /* @x */ @x */"},
		{"SELECT 'a@b.c' || @ñ", "SELECT 'a@b.c' || $01"},
		{"SELECT @ -1", "SELECT @ -1"},
	}
	for _, c := range cases {
		got := rewriteNamedParams(c.in)
		assert.Equal(t, c.want, got, c.in)
		assert.Len(t, got, len(c.in), "offsets must not move")
	}
}

func TestQuerySqlcParameters(t *testing.T) {
	sql := `-- name: Search :many
SELECT sqlc.embed(projects), t.id
FROM projects JOIN tasks t ON t.project_id = projects.id
WHERE projects.id = sqlc.arg(project_id) AND t.owner = sqlc.narg('owner')
  AND t.id IN (sqlc.slice(ids)) AND lower(t.title) = lower(@title) AND t.title LIKE @pattern
  AND t.note ~ sqlc.arg(re);
`
	q := oneQuery(t, sql)
	assert.Equal(t, []catalog.QueryTable{
		{Name: pub("projects"), Pos: at(t, sql, "projects", 1)},
		{Name: pub("tasks"), Pos: at(t, sql, "tasks", 0)},
	}, q.Tables, "sqlc.embed(projects) names no relation")
	require.Len(t, q.Patterns, 3, "%+v: parameters are no columns", q.Patterns)
	assert.Equal(t, catalog.PatternFilter{Op: "lower()", Column: "title", Table: pub("tasks"), Pos: at(t, sql, "lower(t.title)", 0)}, q.Patterns[0])
	assert.Equal(t, catalog.PatternFilter{Op: "LIKE", Column: "title", Table: pub("tasks"), Pos: at(t, sql, "LIKE @pattern", 0)}, q.Patterns[1],
		"positions after @name parameters are where the file has them")
	assert.Equal(t, catalog.PatternFilter{Op: "~", Column: "note", Table: pub("tasks"), Pos: at(t, sql, "~ sqlc", 0)}, q.Patterns[2])
	assert.Equal(t, strings.TrimSuffix(strings.TrimPrefix(sql, "-- name: Search :many\n"), ";\n"), q.SQL, "SQL as written, @names included")
}

func TestQueryTables(t *testing.T) {
	type tbl struct {
		name    string
		written bool
	}
	cases := []struct {
		name, sql string
		want      []tbl
	}{
		{"join and subquery", "SELECT * FROM projects p JOIN tasks t ON t.project_id = p.id WHERE p.owner IN (SELECT id FROM users) AND EXISTS (SELECT 1 FROM tasks)",
			[]tbl{{"projects", false}, {"tasks", false}, {"users", false}}},
		{"schema-qualified", `SELECT * FROM billing.invoices, "Odd"."Name", public.projects`,
			[]tbl{{"billing.invoices", false}, {"Odd.Name", false}, {"projects", false}}},
		{"CTE names are no tables", "WITH recent AS (SELECT * FROM tasks), again AS (SELECT * FROM recent) SELECT * FROM again JOIN recent USING (id) JOIN public.recent r ON true",
			[]tbl{{"tasks", false}, {"recent", false}}},
		{"data-modifying CTE", "WITH gone AS (DELETE FROM comments WHERE task_id = $1 RETURNING id) INSERT INTO audit (id) SELECT id FROM gone",
			[]tbl{{"comments", true}, {"audit", true}}},
		{"insert select", "INSERT INTO tasks (project_id, title) SELECT id, name FROM projects WHERE id = $1",
			[]tbl{{"tasks", true}, {"projects", false}}},
		{"update from", "UPDATE tasks t SET title = p.name FROM projects p WHERE p.id = t.project_id",
			[]tbl{{"tasks", true}, {"projects", false}}},
		{"delete using", "DELETE FROM comments USING tasks WHERE tasks.id = comments.task_id",
			[]tbl{{"comments", true}, {"tasks", false}}},
		{"merge", "MERGE INTO tasks t USING projects p ON t.project_id = p.id WHEN MATCHED THEN DELETE",
			[]tbl{{"tasks", true}, {"projects", false}}},
		{"read then written", "INSERT INTO tasks (title) SELECT title FROM tasks WHERE id = $1",
			[]tbl{{"tasks", true}}},
		{"written then read", "UPDATE tasks SET n = (SELECT count(*) FROM tasks)",
			[]tbl{{"tasks", true}}},
		{"FOR UPDATE OF names an alias", "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id FOR UPDATE OF t",
			[]tbl{{"tasks", false}, {"projects", false}}},
		{"truncate", "TRUNCATE tasks, public.comments",
			[]tbl{{"tasks", true}, {"comments", true}}},
		{"set operation", "SELECT id FROM tasks UNION SELECT id FROM comments",
			[]tbl{{"tasks", false}, {"comments", false}}},
		{"lateral and functions", "SELECT * FROM projects p, LATERAL (SELECT * FROM tasks WHERE project_id = p.id) t, generate_series(1, 3)",
			[]tbl{{"projects", false}, {"tasks", false}}},
		{"no tables", "SELECT 1", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := oneQuery(t, c.sql)
			var got []tbl
			for _, qt := range q.Tables {
				n := qt.Name.Schema + "." + qt.Name.Name
				got = append(got, tbl{strings.TrimPrefix(n, "public."), qt.Written})
				assert.True(t, qt.Pos.IsValid())
			}
			assert.Equal(t, c.want, got)
		})
	}
}

func TestQuerySettingsSessionsAndDDL(t *testing.T) {
	cases := []struct {
		name, sql string
		settings  []catalog.SettingCall // Pos is left out of the comparison
		session   *catalog.SessionChange
		ddl       string
	}{
		{"set_config and current_setting", "SELECT set_config('app.tenant_id', $1, true), current_setting('App.Tenant_Id'::text, true), pg_catalog.current_setting($2)",
			[]catalog.SettingCall{{Function: "set_config", Setting: "app.tenant_id"}, {Function: "current_setting", Setting: "App.Tenant_Id"}, {Function: "current_setting"}}, nil, ""},
		{"in a filter", "SELECT * FROM tasks WHERE tenant_id = current_setting('app.tenant_id')::uuid",
			[]catalog.SettingCall{{Function: "current_setting", Setting: "app.tenant_id"}}, nil, ""},
		{"a function of another schema", "SELECT util.set_config('a', 'b')", nil, nil, ""},
		{"show", "SHOW app.tenant_id", []catalog.SettingCall{{Function: "show", Setting: "app.tenant_id"}}, nil, ""},
		{"set role", "SET ROLE admin", nil, &catalog.SessionChange{Statement: "SET ROLE", Setting: "role"}, ""},
		{"set local role", "SET LOCAL ROLE admin", nil, &catalog.SessionChange{Statement: "SET LOCAL ROLE", Setting: "role"}, ""},
		{"reset role", "RESET ROLE", nil, &catalog.SessionChange{Statement: "RESET ROLE", Setting: "role"}, ""},
		{"reset all", "RESET ALL", nil, &catalog.SessionChange{Statement: "RESET ALL"}, ""},
		{"session authorization", "SET SESSION AUTHORIZATION DEFAULT", nil, &catalog.SessionChange{Statement: "SET SESSION AUTHORIZATION", Setting: "session_authorization"}, ""},
		{"set the tenant", "SET app.tenant_id = '00000000-0000-0000-0000-000000000001'", nil, &catalog.SessionChange{Statement: "SET", Setting: "app.tenant_id"}, ""},
		{"set local", "SET LOCAL statement_timeout TO '5s'", nil, &catalog.SessionChange{Statement: "SET LOCAL", Setting: "statement_timeout"}, ""},
		{"reset a variable", "RESET search_path", nil, &catalog.SessionChange{Statement: "RESET", Setting: "search_path"}, ""},
		{"set transaction", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", nil, &catalog.SessionChange{Statement: "SET TRANSACTION"}, ""},
		{"discard", "DISCARD ALL", nil, &catalog.SessionChange{Statement: "DISCARD ALL"}, ""},
		{"create table", "CREATE TABLE notes (id int)", nil, nil, "CREATE TABLE"},
		{"create unique index", "CREATE UNIQUE INDEX ON tasks (title)", nil, nil, "CREATE UNIQUE INDEX"},
		{"create or replace function", "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", nil, nil, "CREATE OR REPLACE FUNCTION"},
		{"alter table", "ALTER TABLE tasks DISABLE ROW LEVEL SECURITY", nil, nil, "ALTER TABLE"},
		{"drop policy", "DROP POLICY tenantc_tenant_isolation ON tasks", nil, nil, "DROP POLICY"},
		{"truncate", "TRUNCATE tasks", nil, nil, "TRUNCATE"},
		{"grant", "GRANT SELECT ON tasks TO PUBLIC", nil, nil, "GRANT"},
		{"revoke", "REVOKE SELECT ON tasks FROM PUBLIC", nil, nil, "REVOKE"},
		{"comment", "COMMENT ON TABLE tasks IS 'x'", nil, nil, "COMMENT"},
		{"select into", "SELECT * INTO copy FROM tasks", nil, nil, "SELECT … INTO"},
		{"create table as", "CREATE TABLE copy AS SELECT * FROM tasks", nil, nil, "CREATE TABLE"},
		{"plain DML", "INSERT INTO tasks (title) VALUES ('CREATE TABLE x')", nil, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := oneQuery(t, c.sql)
			var settings []catalog.SettingCall
			for _, s := range q.Settings {
				assert.True(t, s.Pos.IsValid())
				s.Pos = source.Pos{}
				settings = append(settings, s)
			}
			assert.Equal(t, c.settings, settings)
			if c.session == nil {
				assert.Nil(t, q.Session)
			} else {
				require.NotNil(t, q.Session)
				assert.Equal(t, source.Pos{File: "q.sql", Line: 2, Col: 1}, q.Session.Pos)
				q.Session.Pos = source.Pos{}
				assert.Equal(t, c.session, q.Session)
			}
			if c.ddl == "" {
				assert.Nil(t, q.DDL)
			} else {
				require.NotNil(t, q.DDL)
				assert.Equal(t, c.ddl, q.DDL.Statement)
				assert.Equal(t, source.Pos{File: "q.sql", Line: 2, Col: 1}, q.DDL.Pos)
			}
		})
	}
	q := oneQuery(t, "-- name: Q :one\nSELECT 1,\n  set_config('a', 'b', true);")
	assert.Equal(t, source.Pos{File: "q.sql", Line: 3, Col: 3}, q.Settings[0].Pos, "the call")
}

func TestQueryPatternFilters(t *testing.T) {
	// want lists "Op column table" per filter; table is "-" when unresolved, and
	// candidates follow after "|".
	cases := []struct {
		name, sql string
		want      []string
	}{
		{"like", "SELECT * FROM tasks WHERE title LIKE $1", []string{"LIKE title tasks|tasks"}},
		{"not like", "SELECT * FROM tasks WHERE title NOT LIKE $1", []string{"NOT LIKE title tasks|tasks"}},
		{"ilike", "SELECT * FROM tasks WHERE title ILIKE $1", []string{"ILIKE title tasks|tasks"}},
		{"not ilike", "SELECT * FROM tasks WHERE title NOT ILIKE $1", []string{"NOT ILIKE title tasks|tasks"}},
		{"similar", "SELECT * FROM tasks WHERE title SIMILAR TO $1 OR title NOT SIMILAR TO 'x'", []string{"SIMILAR TO title tasks|tasks", "NOT SIMILAR TO title tasks|tasks"}},
		{"regex", "SELECT * FROM tasks WHERE a ~ $1 OR b ~* $1 OR c !~ $1 OR d !~* $1", []string{"~ a tasks|tasks", "~* b tasks|tasks", "!~ c tasks|tasks", "!~* d tasks|tasks"}},
		{"like any", "SELECT * FROM tasks WHERE title ILIKE ANY ($1::text[])", []string{"ILIKE ANY title tasks|tasks"}},
		{"operator spelling", "SELECT * FROM tasks WHERE title ~~* $1", []string{"ILIKE title tasks|tasks"}},
		{"lower and upper", "SELECT * FROM tasks WHERE lower(title) = $1 AND pg_catalog.upper(code::text) = 'A'", []string{"lower() title tasks|tasks", "upper() code tasks|tasks"}},
		{"lower inside like is one filter", "SELECT * FROM tasks WHERE lower(title) LIKE lower($1)", []string{"LIKE title tasks|tasks"}},
		{"collate and cast", `SELECT * FROM tasks WHERE title COLLATE "C" LIKE $1 OR id::text LIKE '1%'`, []string{"LIKE title tasks|tasks", "LIKE id tasks|tasks"}},
		{"alias", "SELECT * FROM tasks t WHERE t.title LIKE $1", []string{"LIKE title tasks|"}},
		{"table name", "SELECT * FROM public.tasks WHERE tasks.title LIKE $1 AND public.tasks.note LIKE $1", []string{"LIKE title tasks|", "LIKE note tasks|"}},
		{"other schema", "SELECT * FROM app.tasks WHERE app.tasks.title LIKE $1", []string{"LIKE title app.tasks|"}},
		{"join on", "SELECT * FROM projects p JOIN tasks t ON t.project_id = p.id AND t.title ~ $1", []string{"~ title tasks|"}},
		{"unqualified in a join", "SELECT * FROM projects p JOIN tasks t ON t.project_id = p.id WHERE title LIKE $1", []string{"LIKE title -|projects,tasks"}},
		{"having", "SELECT project_id FROM tasks GROUP BY project_id, title HAVING title LIKE $1", []string{"LIKE title tasks|tasks"}},
		{"sub-select", "SELECT * FROM projects p WHERE p.id IN (SELECT project_id FROM tasks WHERE title LIKE $1)", []string{"LIKE title tasks|tasks,projects"}},
		{"correlated", "SELECT * FROM projects p WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id AND p.name ILIKE $1)", []string{"ILIKE name projects|"}},
		{"update and delete", "UPDATE tasks SET done = true WHERE title ~ $1", []string{"~ title tasks|tasks"}},
		{"delete using", "DELETE FROM comments c USING tasks t WHERE c.task_id = t.id AND t.title LIKE $1", []string{"LIKE title tasks|"}},
		{"CTE column", "WITH x AS (SELECT title FROM tasks) SELECT * FROM x WHERE x.title LIKE $1 OR title LIKE $1", []string{"LIKE title -|", "LIKE title -|"}},
		{"sub-select alias", "SELECT * FROM (SELECT title FROM tasks) s WHERE s.title LIKE $1", []string{"LIKE title -|"}},
		{"filter inside a CTE", "WITH x AS (SELECT * FROM tasks WHERE title ILIKE $1) SELECT * FROM x", []string{"ILIKE title tasks|tasks"}},
		{"insert select", "INSERT INTO audit (t) SELECT title FROM tasks WHERE title LIKE $1", []string{"LIKE title tasks|tasks"}},
		{"equality is fine", "SELECT * FROM tasks WHERE title = $1 AND title >= $2", nil},
		{"lower of a parameter is fine", "SELECT * FROM tasks WHERE title = lower($1) AND title = lower(sqlc.arg(x)) AND title = upper(@y)", nil},
		{"a parameter on the left", "SELECT * FROM tasks WHERE $1 LIKE title", nil},
		{"outside filters", "SELECT lower(title), title LIKE 'a%' FROM tasks ORDER BY lower(title)", nil},
		{"an expression, not a column", "SELECT * FROM tasks WHERE (title || note) LIKE $1 AND data->>'k' LIKE $1", nil},
		{"sqlc.arg is no column", "SELECT * FROM tasks WHERE lower(sqlc.arg(title)) = title", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := oneQuery(t, c.sql)
			var got []string
			for _, p := range q.Patterns {
				table := "-"
				if p.Table != (catalog.Name{}) {
					table = strings.TrimPrefix(p.Table.Schema+"."+p.Table.Name, "public.")
				}
				var cands []string
				for _, n := range p.Candidates {
					cands = append(cands, strings.TrimPrefix(n.Schema+"."+n.Name, "public."))
				}
				got = append(got, p.Op+" "+p.Column+" "+table+"|"+strings.Join(cands, ","))
				assert.Equal(t, 2, p.Pos.Line)
			}
			assert.Equal(t, c.want, got)
		})
	}

	sql := "-- name: Q :many\nSELECT * FROM tasks t\nWHERE t.done AND t.title NOT ILIKE $1 AND lower(t.note) = $2;"
	q := oneQuery(t, sql)
	require.Len(t, q.Patterns, 2)
	assert.Equal(t, at(t, sql, "NOT ILIKE", 0), q.Patterns[0].Pos)
	assert.Equal(t, at(t, sql, "lower(", 0), q.Patterns[1].Pos)
}

// FuzzQueries feeds arbitrary text through Queries: bad input must give
// diagnostics, never a panic, and every query's SQL must be a piece of its file.
func FuzzQueries(f *testing.F) {
	seeds, _ := filepath.Glob("../../../queries/*.sql")
	for _, p := range seeds {
		if content, err := os.ReadFile(p); err == nil {
			f.Add(string(content))
		}
	}
	f.Add("-- name: A :one\nSELECT @a, '@b' FROM t WHERE lower(x) LIKE @c;\n/* name: B :many */ SELECT $$;$$")
	f.Fuzz(func(t *testing.T, sql string) {
		qs, _ := Queries([]*source.File{queryFile(sql)})
		for _, q := range qs {
			if !strings.Contains(sql, q.SQL) {
				t.Fatalf("query %s: %q is not part of the file", q.Name, q.SQL)
			}
		}
	})
}
