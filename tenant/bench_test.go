package tenant_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tenantc/tenantc/tenant"
)

// The benchmarks read one tenant's items (itemsPerTenant rows) four ways,
// on one pool in the default exec mode, one call at a time:
//
//	go test ./tenant/ -run '^$' -bench . -benchtime 2s
const (
	benchQuery = "SELECT id, body FROM items"
	benchPlain = "SELECT id, body FROM plain_items WHERE tenant_id = $1" // no RLS, no setting
)

func benchSetup(b *testing.B) (*pgxpool.Pool, *tenant.DB, context.Context) {
	b.ReportAllocs()
	pdb := newDatabase(b)
	pool := newPool(b, pdb.AppURL, pgx.QueryExecModeCacheStatement, 4, nil)
	return pool, tenant.NewDB(pool), tenant.WithID(context.Background(), tenantA)
}

type item struct {
	ID   int64
	Body string
}

func collectItems(b *testing.B, rows pgx.Rows, err error) {
	if err != nil {
		b.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[item])
	if err != nil || len(got) != itemsPerTenant {
		b.Fatalf("%d rows, %v", len(got), err)
	}
}

// BenchmarkFastPath: one batch [set_config, query], one round trip.
func BenchmarkFastPath(b *testing.B) {
	_, db, ctx := benchSetup(b)
	q := db.Scope().Querier()
	for b.Loop() {
		rows, err := q.Query(ctx, benchQuery)
		collectItems(b, rows, err)
	}
}

// BenchmarkRun: [BEGIN, set_config, query], then COMMIT: two round trips.
func BenchmarkRun(b *testing.B) {
	_, db, ctx := benchSetup(b)
	for b.Loop() {
		err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
			rows, err := s.Querier().Query(ctx, benchQuery)
			collectItems(b, rows, err)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNaiveTx: BEGIN, set_config, query, COMMIT one by one: four round trips.
func BenchmarkNaiveTx(b *testing.B) {
	pool, _, ctx := benchSetup(b)
	for b.Loop() {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", string(tenantA)); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, benchQuery)
			collectItems(b, rows, err)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlainQuery: the baseline, WHERE tenant_id = $1 on a table without RLS.
func BenchmarkPlainQuery(b *testing.B) {
	pool, _, ctx := benchSetup(b)
	for b.Loop() {
		rows, err := pool.Query(ctx, benchPlain, string(tenantA))
		collectItems(b, rows, err)
	}
}

// BenchmarkCopyFrom copies copyRows rows per call: through a tenant scope
// (a batch of INSERTs, since PostgreSQL refuses COPY FROM under RLS), as
// pipelined INSERTs without a tenant for comparison, and as System's real
// COPY.
func BenchmarkCopyFrom(b *testing.B) {
	const copyRows = 1000
	rows := make([][]any, copyRows)
	for i := range rows {
		rows[i] = []any{"copied"}
	}
	sysRows := make([][]any, copyRows)
	for i := range sysRows {
		sysRows[i] = []any{string(tenantA), "copied"}
	}
	b.Run("tenant scope", func(b *testing.B) {
		_, db, ctx := benchSetup(b)
		for b.Loop() {
			if _, err := db.Scope().Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, pgx.CopyFromRows(rows)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("System COPY", func(b *testing.B) {
		b.ReportAllocs()
		pdb := newDatabase(b)
		sys := tenant.NewSystemDB(newPool(b, newRole(b, pdb, "sys", "BYPASSRLS"), pgx.QueryExecModeCacheStatement, 4, nil))
		ctx := context.Background()
		for b.Loop() {
			err := tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
				_, err := s.Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"}, pgx.CopyFromRows(sysRows))
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkRunSQL: database/sql on pgx's stdlib driver, BEGIN, set_config,
// query, COMMIT one by one (database/sql sends BEGIN itself): four round
// trips, as BenchmarkNaiveTx.
func BenchmarkRunSQL(b *testing.B) {
	pool, _, ctx := benchSetup(b)
	db := tenant.NewSQLDB(stdlib.OpenDBFromPool(pool))
	for b.Loop() {
		err := tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
			rows, err := s.Querier().QueryContext(ctx, benchQuery)
			if err != nil {
				return err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var it item
				if err := rows.Scan(&it.ID, &it.Body); err != nil {
					return err
				}
				n++
			}
			if n != itemsPerTenant {
				b.Fatalf("%d rows", n)
			}
			return rows.Err()
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
