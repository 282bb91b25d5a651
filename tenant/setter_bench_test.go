package tenant_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/tenant"
)

// BenchmarkSetter compares the two ways of setting the tenant on one
// database, one pool, one process: a GetByID-like fast-path query (one row
// by key, the tenant column in the predicate, as tenantc's generated Get
// has it) with set_config, then with the setter function of
// WithSetterFunction, separately and then alternating call by call
// (fast/paired, which reports the ratio); and the same two ways in Run:
//
//	go test ./tenant/ -run '^$' -bench Setter -benchtime 2000x -count 3
func BenchmarkSetter(b *testing.B) {
	pdb := newSetterDatabase(b)
	pool := newPool(b, pdb.AppURL, pgx.QueryExecModeCacheStatement, 4, nil)
	ctx := tenant.WithID(context.Background(), tenantA)
	var id int64
	if err := tenant.NewDB(pool).Scope().Querier().QueryRow(ctx, "SELECT min(id) FROM items").Scan(&id); err != nil {
		b.Fatal(err)
	}
	const get = "SELECT id, body FROM items WHERE tenant_id = $1 AND id = $2"
	ways := []struct {
		name string
		db   *tenant.DB
	}{
		{"set_config", tenant.NewDB(pool)},
		{"function", setterDB(pool)},
	}
	getOne := func(q tenant.Querier) {
		var it item
		if err := q.QueryRow(ctx, get, string(tenantA), id).Scan(&it.ID, &it.Body); err != nil {
			b.Fatal(err)
		}
	}
	// Side by side, so that -count's repetitions of one sub-benchmark do
	// not all fall into one quiet or busy moment of a shared machine.
	for _, w := range ways {
		b.Run("fast/"+w.name, func(b *testing.B) {
			b.ReportAllocs()
			q := w.db.Scope().Querier()
			for b.Loop() {
				getOne(q)
			}
		})
	}
	// paired alternates the two ways call by call and times each, so that
	// both meet the same load: on a shared machine the ratio it reports is
	// steadier than one of two separate runs.
	b.Run("fast/paired", func(b *testing.B) {
		var spent [2]time.Duration
		qs := [2]tenant.Querier{ways[0].db.Scope().Querier(), ways[1].db.Scope().Querier()}
		i := 0
		for b.Loop() {
			start := time.Now()
			getOne(qs[i%2])
			spent[i%2] += time.Since(start)
			i++
		}
		n := float64(i / 2)
		b.ReportMetric(float64(spent[0].Nanoseconds())/n, "set_config-ns/call")
		b.ReportMetric(float64(spent[1].Nanoseconds())/n, "function-ns/call")
		b.ReportMetric(float64(spent[1])/float64(spent[0]), "ratio")
	})
	for _, w := range ways {
		b.Run("Run/"+w.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := tenant.Run(ctx, w.db, func(ctx context.Context, s *tenant.Scope) error {
					getOne(s.Querier())
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
