package tenancy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// TestCheckCitusQueries: which queries Citus can route to one shard, as
// citus-fan-out and citus-join-off-tenant see it, in every spelling of a
// parameter sqlc accepts.
func TestCheckCitusQueries(t *testing.T) {
	m := queryModel(t)
	fanOut, offJoin := rule.CitusFanOut.Name, rule.CitusJoinOffTenant.Name
	for _, c := range []struct {
		name, sql string
		want      []string // rule:table, in order
	}{
		// Routed: an explicit tenant predicate, however the value is written.
		{"positional", "SELECT * FROM tasks WHERE tenant_id = $1 AND id = $2", nil},
		{"sqlc.arg", "SELECT * FROM tasks t WHERE t.tenant_id = sqlc.arg(tenant_id)", nil},
		{"sqlc.narg cast", "SELECT * FROM tasks WHERE sqlc.narg(tenant_id)::uuid = tenant_id", nil},
		{"named @", "SELECT * FROM tasks WHERE tenant_id = @tenant_id AND title = @title", nil},
		{"qualified schema", "SELECT * FROM public.tasks WHERE public.tasks.tenant_id = $1", nil},
		{"constant", "SELECT * FROM tasks WHERE tenant_id = '7b0c6f5e-0000-4000-8000-000000000000'", nil},
		{"join on tenant", "SELECT t.title, p.name FROM tasks t JOIN projects p ON p.tenant_id = t.tenant_id AND p.id = t.project_id WHERE t.tenant_id = @tenant_id", nil},
		{"join using", "SELECT * FROM tasks JOIN projects USING (tenant_id) WHERE tasks.tenant_id = $1", nil},
		{"both pinned to one value", "SELECT * FROM tasks t, projects p WHERE t.tenant_id = $1 AND p.tenant_id = $1 AND p.id = t.project_id", nil},
		{"update", "UPDATE tasks SET title = $2 WHERE tenant_id = $1 AND id = $3", nil},
		{"delete using", "DELETE FROM tasks t USING projects p WHERE p.tenant_id = t.tenant_id AND p.id = t.project_id AND t.tenant_id = $1", nil},
		{"correlated sub-select", "SELECT * FROM projects p WHERE p.tenant_id = $1 AND EXISTS (SELECT 1 FROM tasks t WHERE t.tenant_id = p.tenant_id AND t.project_id = p.id)", nil},
		{"insert values", "INSERT INTO tasks (id, project_id, title) VALUES ($1, $2, $3)", nil},
		{"global and root", "SELECT * FROM plans, tenants", nil},
		{"cte routed", "WITH x AS (SELECT * FROM tasks WHERE tenant_id = $1) SELECT * FROM x", nil},

		// Fan-out: no predicate, or one Citus cannot route by.
		{"no predicate", "SELECT * FROM tasks", []string{fanOut + ":public.tasks"}},
		{"policy only count", "SELECT count(*) FROM tasks WHERE title = $1", []string{fanOut + ":public.tasks"}},
		{"under OR", "SELECT * FROM tasks WHERE tenant_id = $1 OR title = $2", []string{fanOut + ":public.tasks"}},
		{"cast column", "SELECT * FROM tasks WHERE tenant_id::text = $1", []string{fanOut + ":public.tasks"}},
		{"IN list", "SELECT * FROM tasks WHERE tenant_id = ANY($1::uuid[])", []string{fanOut + ":public.tasks"}},
		{"update without", "UPDATE tasks SET title = $1 WHERE id = $2", []string{fanOut + ":public.tasks"}},
		{"delete without", "DELETE FROM tasks WHERE id = $1", []string{fanOut + ":public.tasks"}},
		{"insert select", "INSERT INTO tasks (id, project_id, title) SELECT id, id, name FROM projects", []string{fanOut + ":public.projects"}},
		{"sub-select unpinned", "SELECT * FROM projects WHERE tenant_id = $1 AND id IN (SELECT project_id FROM tasks)", []string{fanOut + ":public.tasks"}},
		{"cte unpinned", "WITH x AS (SELECT * FROM tasks) SELECT * FROM x", []string{fanOut + ":public.tasks"}},

		// Joins off the tenant column.
		{"join on id only", "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.tenant_id = $1", []string{offJoin + ":public.projects"}},
		// The repositories fill every tenant parameter from the scope: $1 and $2 are one tenant.
		{"two tenant parameters", "SELECT * FROM tasks t, projects p WHERE t.tenant_id = $1 AND p.tenant_id = $2", nil},
		{"two tenants", "SELECT * FROM tasks t, projects p WHERE t.tenant_id = $1 AND p.tenant_id = '7b0c6f5e-0000-4000-8000-000000000000'", []string{offJoin + ":public.projects"}},
		{"self join", "SELECT * FROM tasks a JOIN tasks b ON b.project_id = a.project_id WHERE a.tenant_id = $1", []string{offJoin + ":public.tasks"}},
		{"unpinned join", "SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id", []string{fanOut + ":public.tasks", offJoin + ":public.projects"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := readQuery(t, c.sql)
			var got []string
			for _, d := range tenancy.CheckCitusQueries(m, []*catalog.Query{q}) {
				got = append(got, d.Rule+":"+d.Table)
				assert.NotEmpty(t, d.Fix, "every finding says how to fix it")
				assert.True(t, d.Pos.IsValid())
			}
			assert.Equal(t, c.want, got)
		})
	}
}

// TestCheckCitusQueriesMessage pins one finding of each rule as printed.
func TestCheckCitusQueriesMessage(t *testing.T) {
	m := queryModel(t)
	q := readQuery(t, "-- name: ListTitles :many\nSELECT t.title FROM tasks t\nJOIN projects p ON p.id = t.project_id;")
	diags := tenancy.CheckCitusQueries(m, []*catalog.Query{q})
	require.Len(t, diags, 2)
	assert.Equal(t, "q.sql:2:21: warning: query ListTitles reads public.tasks without an equality on its tenant column tenant_id: on Citus the policy filters the rows but does not route the query, so it runs on every shard (32 by default) instead of one [citus-fan-out]\n"+
		"\tadd AND t.tenant_id = sqlc.arg(tenant_id) to the WHERE clause (the repositories fill the tenant parameter from the scope, tenant.IDFrom(ctx)); or, if the query is meant to run on every shard, turn the rule off for the table: rules: {citus-fan-out: {severity: off, tables: [tasks]}}", diags[0].String())
	assert.Contains(t, diags[1].String(), "q.sql:3:6: warning: query ListTitles joins public.projects (p) with public.tasks (t) without equating their tenant columns")
	assert.Contains(t, diags[1].String(), "add AND p.tenant_id = t.tenant_id to the join condition")
}

// FuzzCheckCitusQueries: whatever the query, the routing check neither
// panics nor reports without a position and a fix.
func FuzzCheckCitusQueries(f *testing.F) {
	for _, s := range []string{
		"SELECT * FROM tasks t JOIN projects p USING (tenant_id) WHERE t.tenant_id = @tenant_id",
		"WITH x AS (DELETE FROM tasks WHERE id = $1 RETURNING *) SELECT * FROM x, projects p WHERE p.tenant_id = x.tenant_id",
		"MERGE INTO tasks t USING projects p ON p.tenant_id = t.tenant_id WHEN MATCHED THEN DELETE",
		"SELECT (SELECT count(*) FROM tasks WHERE tasks.tenant_id = projects.tenant_id) FROM projects WHERE tenant_id = sqlc.arg(tenant_id)",
		"UPDATE tasks SET title = p.name FROM projects p WHERE p.id = tasks.project_id",
		"INSERT INTO tasks SELECT * FROM tasks ON CONFLICT (tenant_id, id) DO UPDATE SET title = excluded.title",
	} {
		f.Add(s)
	}
	m := queryModel(&testing.T{})
	f.Fuzz(func(t *testing.T, sql string) {
		qs, _ := parse.Queries([]*source.File{source.NewFile("q.sql", source.Plain, "-- name: Q :exec\n"+sql)})
		for _, d := range tenancy.CheckCitusQueries(m, qs) {
			if !d.Pos.IsValid() || d.Fix == "" {
				t.Fatalf("%v", d)
			}
		}
	})
}
