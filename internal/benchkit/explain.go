package benchkit

import (
	"context"
	"encoding/json"
	"errors"
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

// PlanNode is one node of EXPLAIN (FORMAT JSON): the fields the plan tests
// read, and its children.
type PlanNode struct {
	NodeType       string     `json:"Node Type"`
	Relation       string     `json:"Relation Name"`
	Index          string     `json:"Index Name"`
	IndexCond      string     `json:"Index Cond"`
	Filter         string     `json:"Filter"`
	OneTimeFilter  string     `json:"One-Time Filter"`
	ParentRelation string     `json:"Parent Relationship"`
	SubplanName    string     `json:"Subplan Name"`
	Plans          []PlanNode `json:"Plans"`
}

// Walk calls f on n and every node below it, parents first.
func (n PlanNode) Walk(f func(PlanNode)) {
	f(n)
	for _, c := range n.Plans {
		c.Walk(f)
	}
}

// Plan cache modes for [Env.ExplainJSON]: a prepared statement's generic
// plan (what pgx's default exec mode runs once PostgreSQL switches to it),
// and a custom plan for the values (what QueryExecModeExec's unnamed
// statements always get, and every execution before the switch).
const (
	GenericPlan = "force_generic_plan"
	CustomPlan  = "force_custom_plan"
)

// The statements the variants send: the generated ones without sqlc's
// "-- name" comment (gen/db/tenantc_projects.sql.go) and plain's.
const (
	generatedGet = `SELECT tenant_id, id, name, description, archived_at, created_at FROM public.projects
WHERE tenant_id = $1
  AND id = $2`
	generatedList = `SELECT tenant_id, id, name, description, archived_at, created_at FROM public.projects
WHERE tenant_id = $1
ORDER BY id
LIMIT $2`
	generatedCount = `SELECT count(*) FROM public.projects
WHERE tenant_id = $1`
)

// ExplainJSON returns the plan of op's statement for key k, as the
// application role with k's tenant set: the generated statement on projects
// (under its policy) if rls, else plain's on bench_plain_projects. The
// statement is PREPAREd and EXPLAIN EXECUTEd under plan_cache_mode mode
// (GenericPlan or CustomPlan), in a transaction that is rolled back, on a
// connection of its own (a prepared statement outlives the transaction, and
// must not be left on a pooled connection).
func (e *Env) ExplainJSON(ctx context.Context, op Op, rls bool, mode string, k Key) (PlanNode, error) {
	var sql string
	var args []string
	id := fmt.Sprintf("'%s'::uuid", uuidString(k.ID))
	tenantArg := fmt.Sprintf("'%s'::uuid", k.Tenant)
	switch op {
	case GetByID:
		sql, args = generatedGet, []string{tenantArg, id}
		if !rls {
			sql = getPlainProject
		}
	case List:
		sql, args = generatedList, []string{tenantArg, fmt.Sprint(e.Options.PageSize)}
		if !rls {
			sql = listPlainProjects
		}
	case Count:
		sql, args = generatedCount, []string{tenantArg}
		if !rls {
			sql = countPlainProjects
		}
	default:
		return PlanNode{}, fmt.Errorf("benchkit: no op %q", op)
	}
	if mode != GenericPlan && mode != CustomPlan {
		return PlanNode{}, fmt.Errorf("benchkit: plan cache mode %q", mode)
	}
	var out []struct{ Plan PlanNode }
	conn, err := pgx.Connect(ctx, e.AppURL)
	if err != nil {
		return PlanNode{}, fmt.Errorf("benchkit: explain %s: %w", op, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true), set_config('plan_cache_mode', $2, true)",
			string(k.Tenant), mode); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "PREPARE tcbench_explain AS "+sql); err != nil {
			return err
		}
		var raw []byte
		if err := tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) EXECUTE tcbench_explain("+strings.Join(args, ", ")+")").Scan(&raw); err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &out); err != nil {
			return err
		}
		return tx.Rollback(ctx) // nothing to keep
	})
	if err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return PlanNode{}, fmt.Errorf("benchkit: explain %s (rls %v, %s): %w", op, rls, mode, err)
	}
	if len(out) != 1 {
		return PlanNode{}, fmt.Errorf("benchkit: explain %s: %d plans", op, len(out))
	}
	return out[0].Plan, nil
}
