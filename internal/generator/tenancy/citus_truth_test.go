package tenancy_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestCitusRoutingTruth holds the routing rules to what Citus does (CITUS_URL;
// skipped without): for each query, vet's finding against EXPLAIN on a real
// coordinator — no finding exactly when Citus runs one task. querySchema's
// scoped tables are distributed by tenant_id in one group, the rest are
// reference tables. The standard queries first: every one of them runs as
// one task.
func TestCitusRoutingTruth(t *testing.T) {
	db := citustest.NewDatabase(t)
	m := queryModel(t)
	for _, stmt := range strings.Split(strings.TrimSpace(querySchema), ";\n") {
		if !strings.HasPrefix(stmt, "CREATE VIEW") {
			stmt = strings.Replace(stmt, "    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)\n", "", 1)
			stmt = strings.Replace(stmt, "    PRIMARY KEY (tenant_id, id),\n)", "    PRIMARY KEY (tenant_id, id)\n)", 1)
			db.Exec(t, db.AdminURL, stmt)
		}
	}
	for _, stmt := range []string{
		"SELECT create_reference_table('tenants')", "SELECT create_reference_table('plans')",
		"SELECT create_reference_table('audit_log')",
		"SELECT create_distributed_table('projects', 'tenant_id')",
		"SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'projects')",
		"ALTER TABLE tasks ADD FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)",
	} {
		db.Exec(t, db.AdminURL, stmt)
	}
	conn := pgtest.Connect(t, db.AdminURL)
	const tenant = "7b0c6f5e-0000-4000-8000-000000000001"
	other := "7b0c6f5e-0000-4000-8000-000000000002"
	taskCount := regexp.MustCompile(`Task Count: (\d+)`)
	explain := func(t *testing.T, sql string, args []any) (string, error) {
		rows, err := conn.Query(context.Background(), "EXPLAIN (COSTS OFF) "+sql, args...)
		var plan strings.Builder
		if err == nil {
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan.WriteString(line + "\n")
			}
			err = rows.Err()
		}
		return plan.String(), err
	}

	// The standard queries: each runs as one task.
	var files []*source.File
	for _, f := range crud.Generate(m, nil) {
		files = append(files, source.NewFile(crud.FileName(f.Table), source.Plain, string(f.Content())))
	}
	queries, diags := parse.Queries(files)
	require.Empty(t, diags)
	require.Empty(t, tenancy.CheckCitusQueries(m, queries))
	arg := regexp.MustCompile(`sqlc\.n?arg\((\w+)\)`)
	for _, q := range queries {
		t.Run(q.Name, func(t *testing.T) {
			var args []any
			numbers := map[string]string{}
			sql := arg.ReplaceAllStringFunc(q.SQL, func(s string) string {
				name := arg.FindStringSubmatch(s)[1]
				if n, ok := numbers[name]; ok {
					return n
				}
				switch {
				case name == "page_size":
					args = append(args, int64(10))
				case name == "tenant_id":
					args = append(args, tenant)
				case strings.HasSuffix(name, "id"):
					args = append(args, other)
				default:
					args = append(args, "x")
				}
				numbers[name] = fmt.Sprintf("$%d", len(args))
				return numbers[name]
			})
			plan, err := explain(t, sql, args)
			require.NoError(t, err, sql)
			assert.Equal(t, []string{"Task Count: 1"}, taskCount.FindAllString(plan, -1), "%s\n%s", sql, plan)
		})
	}
	for _, c := range []struct {
		sql  string
		args []any
	}{
		{"SELECT * FROM tasks WHERE tenant_id = $1 AND id = $2::uuid", []any{tenant, other}},
		{"SELECT * FROM tasks t WHERE t.tenant_id = $1", []any{tenant}},
		{"SELECT count(*) FROM tasks WHERE title = $1::text", []any{"x"}},
		{"SELECT * FROM tasks WHERE tenant_id = $1 OR title = $2::text", []any{tenant, "x"}},
		{"UPDATE tasks SET title = $2::text WHERE tenant_id = $1 AND id = $3::uuid", []any{tenant, "x", other}},
		{"UPDATE tasks SET title = $1::text WHERE id = $2::uuid", []any{"x", other}},
		{"DELETE FROM tasks WHERE id = $1::uuid", []any{other}},
		{"SELECT t.title, p.name FROM tasks t JOIN projects p ON p.tenant_id = t.tenant_id AND p.id = t.project_id WHERE t.tenant_id = $1", []any{tenant}},
		{"SELECT * FROM tasks JOIN projects USING (tenant_id) WHERE tasks.tenant_id = $1", []any{tenant}},
		{"SELECT * FROM projects p WHERE p.tenant_id = $1 AND EXISTS (SELECT 1 FROM tasks t WHERE t.tenant_id = p.tenant_id AND t.project_id = p.id)", []any{tenant}},
		{"SELECT * FROM projects WHERE tenant_id = $1 AND id IN (SELECT project_id FROM tasks)", []any{tenant}},
		{"SELECT * FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.tenant_id = $1", []any{tenant}},
		{"SELECT * FROM tasks t JOIN plans ON plans.id = 1 WHERE t.tenant_id = $1", []any{tenant}},
		{"SELECT * FROM tasks", nil},
		// The repositories pass the scope's tenant for every tenant parameter.
		{"SELECT * FROM tasks t, projects p WHERE t.tenant_id = $1 AND p.tenant_id = $2 AND p.id = t.project_id", []any{tenant, tenant}},
		{"SELECT * FROM tasks t, projects p WHERE t.tenant_id = $1 AND p.tenant_id = '" + other + "' AND p.id = t.project_id", []any{tenant}},
	} {
		t.Run(c.sql, func(t *testing.T) {
			diags := tenancy.CheckCitusQueries(m, []*catalog.Query{readQuery(t, c.sql)})
			plan, err := explain(t, c.sql, c.args)
			routed := false
			if err == nil {
				match := taskCount.FindStringSubmatch(plan)
				require.NotNil(t, match, "a Citus plan: %s", plan)
				routed = match[1] == "1"
			}
			t.Logf("vet: %d finding(s); Citus: %s %v", len(diags), strings.Join(taskCount.FindAllString(plan, -1), ", "), err)
			assert.Equal(t, routed, len(diags) == 0, "vet %v, Citus plan:\n%s(error: %v)", diags, plan, err)
		})
	}
}
