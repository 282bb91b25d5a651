package benchkit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantc/tenantc/gen/db"
	"github.com/tenantc/tenantc/tenant"
)

// Op is the call measured.
type Op string

const (
	GetByID Op = "GetByID" // one project by (tenant, id)
	List    Op = "List"    // the first PageSize projects of a tenant, ORDER BY id
	Count   Op = "Count"   // count(*) of a tenant's projects
)

// Ops are every operation, in report order.
var Ops = []Op{GetByID, List, Count}

// Variant names, in report order.
const (
	Tenantc    = "tenantc"     // generated repository on tenant.DB.Scope: batch [set_config, query]
	TenantcRun = "tenantc-run" // the same repository call inside tenant.Run
	Plain      = "plain"       // (a) sqlc-style query with WHERE tenant_id = $1, table without RLS
	Naive      = "naive"       // (b) pgx.Tx: BEGIN, set_config, query, COMMIT
	// PlainBatch splits tenantc's overhead in two: it is (a)'s query on the
	// table without RLS, sent the way tenantc sends statements (through
	// tdb.Scope(): batch [set_config, query]). tenantc minus PlainBatch is
	// what the policy costs; PlainBatch minus Plain what the batch and the
	// set_config cost.
	PlainBatch = "plain-batch"
)

// VariantNames are every variant, in report order.
var VariantNames = []string{Tenantc, TenantcRun, Plain, Naive, PlainBatch}

// Variant is one way of making the calls. Do runs one call and checks its
// result: a GetByID must find exactly the project asked for, a List must
// return a full page, every row must belong to the tenant asked for, and a
// Count must be the tenant's number of projects.
type Variant struct {
	Name  string
	About string // what it sends, for the report
	do    func(ctx context.Context, op Op, k Key) error
}

// Do makes one call of op for k (List reads k.Tenant's first page).
func (v Variant) Do(ctx context.Context, op Op, k Key) error {
	return v.do(ctx, op, k)
}

// Variants returns every variant over pool, which must log in as e.App
// (Run passes e.Pool; round trips are counted on a pool of their own).
func (e *Env) Variants(pool *pgxpool.Pool) []Variant {
	tdb := tenant.NewDB(pool)
	fast := db.NewProjectsRepo(tdb.Scope()) // stateless: safe for concurrent use
	plain := NewPlain(pool)
	plainBatch := NewPlain(tdb.Scope().Querier())
	page := e.Options.PageSize
	want := min(int(page), e.Options.Projects)
	count := int64(e.Options.Projects)

	return []Variant{{
		Name:  Tenantc,
		About: "db.NewProjectsRepo(tdb.Scope()).GetProject / .ListProjects: one batch [set_config, query] on projects (RLS)",
		do: func(ctx context.Context, op Op, k Key) error {
			ctx = tenant.WithID(ctx, k.Tenant)
			switch op {
			case GetByID:
				p, err := fast.GetProject(ctx, k.ID)
				return checkOne(Tenantc, k, p.TenantID, p.ID, err)
			case Count:
				n, err := fast.CountProjects(ctx)
				return checkCount(Tenantc, k.Tenant, count, n, err)
			}
			ps, err := fast.ListProjects(ctx, page)
			return checkPage(Tenantc, k.Tenant, want, ps, err, generatedTenant)
		},
	}, {
		Name:  TenantcRun,
		About: "tenant.Run + the same repository call: batch [BEGIN, set_config, query], then COMMIT",
		do: func(ctx context.Context, op Op, k Key) error {
			ctx = tenant.WithID(ctx, k.Tenant)
			switch op {
			case GetByID:
				var p db.Project
				err := tenant.Run(ctx, tdb, func(ctx context.Context, s *tenant.Scope) (err error) {
					p, err = db.NewProjectsRepo(s).GetProject(ctx, k.ID)
					return err
				})
				return checkOne(TenantcRun, k, p.TenantID, p.ID, err)
			case Count:
				var n int64
				err := tenant.Run(ctx, tdb, func(ctx context.Context, s *tenant.Scope) (err error) {
					n, err = db.NewProjectsRepo(s).CountProjects(ctx)
					return err
				})
				return checkCount(TenantcRun, k.Tenant, count, n, err)
			}
			var ps []db.Project
			err := tenant.Run(ctx, tdb, func(ctx context.Context, s *tenant.Scope) (err error) {
				ps, err = db.NewProjectsRepo(s).ListProjects(ctx, page)
				return err
			})
			return checkPage(TenantcRun, k.Tenant, want, ps, err, generatedTenant)
		},
	}, {
		Name:  Plain,
		About: "(a) hand-written sqlc-style query, WHERE tenant_id = $1, on bench_plain_projects (no RLS), bare pool",
		do: func(ctx context.Context, op Op, k Key) error {
			switch op {
			case GetByID:
				p, err := plain.GetPlainProject(ctx, GetPlainProjectParams{TenantID: k.Tenant, ID: k.ID})
				return checkOne(Plain, k, p.TenantID, p.ID, err)
			case Count:
				n, err := plain.CountPlainProjects(ctx, k.Tenant)
				return checkCount(Plain, k.Tenant, count, n, err)
			}
			ps, err := plain.ListPlainProjects(ctx, ListPlainProjectsParams{TenantID: k.Tenant, PageSize: page})
			return checkPage(Plain, k.Tenant, want, ps, err, plainTenant)
		},
	}, {
		Name:  Naive,
		About: "(b) pool.Begin; Exec set_config('app.tenant_id', $1, true); generated sqlc query (with its tenant predicate) on projects (RLS); Commit",
		do: func(ctx context.Context, op Op, k Key) error {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return fmt.Errorf("%s %s: %w", Naive, op, err)
			}
			defer tx.Rollback(ctx) // after Commit: a no-op
			if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", string(k.Tenant)); err != nil {
				return fmt.Errorf("%s %s: set_config: %w", Naive, op, err)
			}
			q := db.New(tx)
			switch op {
			case GetByID:
				p, err := q.GetProject(ctx, db.GetProjectParams{TenantID: k.Tenant, ID: k.ID})
				if err == nil {
					err = tx.Commit(ctx)
				}
				return checkOne(Naive, k, p.TenantID, p.ID, err)
			case Count:
				n, err := q.CountProjects(ctx, k.Tenant)
				if err == nil {
					err = tx.Commit(ctx)
				}
				return checkCount(Naive, k.Tenant, count, n, err)
			}
			ps, err := q.ListProjects(ctx, db.ListProjectsParams{TenantID: k.Tenant, PageSize: page})
			if err == nil {
				err = tx.Commit(ctx)
			}
			return checkPage(Naive, k.Tenant, want, ps, err, generatedTenant)
		},
	}, {
		Name:  PlainBatch,
		About: "split: (a)'s query on bench_plain_projects (no RLS), sent through tdb.Scope(): batch [set_config, query]",
		do: func(ctx context.Context, op Op, k Key) error {
			ctx = tenant.WithID(ctx, k.Tenant)
			switch op {
			case GetByID:
				p, err := plainBatch.GetPlainProject(ctx, GetPlainProjectParams{TenantID: k.Tenant, ID: k.ID})
				return checkOne(PlainBatch, k, p.TenantID, p.ID, err)
			case Count:
				n, err := plainBatch.CountPlainProjects(ctx, k.Tenant)
				return checkCount(PlainBatch, k.Tenant, count, n, err)
			}
			ps, err := plainBatch.ListPlainProjects(ctx, ListPlainProjectsParams{TenantID: k.Tenant, PageSize: page})
			return checkPage(PlainBatch, k.Tenant, want, ps, err, plainTenant)
		},
	}}
}

// checkOne fails a GetByID that returned an error or no row, or a row other
// than k's.
func checkOne(variant string, k Key, gotTenant tenant.ID, gotID pgtype.UUID, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s GetByID(tenant %s, id %s): no row: the call measured nothing", variant, k.Tenant, uuidString(k.ID))
	}
	if err != nil {
		return fmt.Errorf("%s GetByID(tenant %s, id %s): %w", variant, k.Tenant, uuidString(k.ID), err)
	}
	if gotTenant != k.Tenant || gotID != k.ID {
		return fmt.Errorf("%s GetByID(tenant %s, id %s): got project %s of tenant %s",
			variant, k.Tenant, uuidString(k.ID), uuidString(gotID), gotTenant)
	}
	return nil
}

// checkCount fails a Count that returned an error or another number than
// the tenant's seeded projects: a count that sees other tenants' rows, or
// none, measures the wrong thing.
func checkCount(variant string, t tenant.ID, want, got int64, err error) error {
	if err != nil {
		return fmt.Errorf("%s Count(tenant %s): %w", variant, t, err)
	}
	if got != want {
		return fmt.Errorf("%s Count(tenant %s): %d projects, want %d", variant, t, got, want)
	}
	return nil
}

// checkPage fails a List that returned an error, not a full page, or a row of
// another tenant.
func checkPage[P any](variant string, t tenant.ID, want int, ps []P, err error, tenantOf func(*P) tenant.ID) error {
	if err != nil {
		return fmt.Errorf("%s List(tenant %s): %w", variant, t, err)
	}
	if len(ps) != want {
		return fmt.Errorf("%s List(tenant %s): %d rows, want %d", variant, t, len(ps), want)
	}
	for i := range ps {
		if got := tenantOf(&ps[i]); got != t {
			return fmt.Errorf("%s List(tenant %s): row %d belongs to tenant %s", variant, t, i, got)
		}
	}
	return nil
}

func generatedTenant(p *db.Project) tenant.ID    { return p.TenantID }
func plainTenant(p *BenchPlainProject) tenant.ID { return p.TenantID }

func uuidString(u pgtype.UUID) string {
	v, _ := u.Value()
	s, _ := v.(string)
	return s
}

// RandomKey picks a seeded project uniformly; every tenant has as many
// projects, so its tenant is uniform too.
func (e *Env) RandomKey(rng *rand.Rand) Key {
	return e.Keys[rng.IntN(len(e.Keys))]
}
