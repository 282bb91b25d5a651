package benchkit

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Plan is the EXPLAIN ANALYZE output of one query.
type Plan struct {
	Name string
	Text string // one line per plan line, each ending in a newline
}

// Explain returns EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) of the GetByID and
// List queries, generated on projects under its policy (in a transaction
// with the tenant set, as the app role) and hand-written on
// bench_plain_projects. The statements are those the variants send (the
// generated ones without sqlc's "-- name" comment), with the first seeded
// key's values; each runs once, so its plan is a custom plan for them.
func (e *Env) Explain(ctx context.Context) ([]Plan, error) {
	k := e.Keys[0]
	const generatedGet = `SELECT tenant_id, id, name, description, archived_at, created_at FROM public.projects
WHERE tenant_id = $1
  AND id = $2`
	const generatedList = `SELECT tenant_id, id, name, description, archived_at, created_at FROM public.projects
WHERE tenant_id = $1
ORDER BY id
LIMIT $2`
	queries := []struct {
		name, sql string
		rls       bool
		args      []any
	}{
		{"tenantc / naive GetByID: generated GetProject on projects (RLS)", generatedGet, true, []any{k.Tenant, k.ID}},
		{"plain GetByID: bench_plain_projects (no RLS)", getPlainProject, false, []any{k.Tenant, k.ID}},
		{"tenantc / naive List: generated ListProjects on projects (RLS)", generatedList, true, []any{k.Tenant, e.Options.PageSize}},
		{"plain List: bench_plain_projects (no RLS)", listPlainProjects, false, []any{k.Tenant, e.Options.PageSize}},
	}
	var plans []Plan
	for _, q := range queries {
		var text strings.Builder
		err := pgx.BeginFunc(ctx, e.Pool, func(tx pgx.Tx) error {
			if q.rls {
				if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", string(k.Tenant)); err != nil {
					return err
				}
			}
			rows, _ := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+q.sql, q.args...)
			lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, l := range lines {
				text.WriteString("  " + l + "\n")
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("benchkit: explain %s: %w", q.name, err)
		}
		plans = append(plans, Plan{Name: q.name, Text: text.String()})
	}
	return plans, nil
}
