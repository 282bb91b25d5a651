package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/benchkit"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// The Go benchmarks measure one caller at a time (the command also measures
// 32) on small data by default:
//
//	go test ./bench -run '^$' -bench . -benchtime 2s
//	go test ./bench -run '^$' -bench . -benchtime 2s -args -tenants 50 -projects 2000
var (
	tenants  = flag.Int("tenants", 10, "tenants seeded for the benchmarks")
	projects = flag.Int("projects", 200, "projects per tenant seeded for the benchmarks")
)

// shared is the one database every test and benchmark of this process uses.
// It cannot be dropped in a t.Cleanup (it outlives each of them), so TestMain
// drops it after the run.
var (
	sharedOnce sync.Once
	shared     *benchkit.Env
	sharedErr  error
	sharedURL  string
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs
	code := pgtest.Main(m)
	if shared != nil {
		// With an external server (DATABASE_URL or pgtest's default URL) this
		// drops the database and roles. If pgtest started a throwaway cluster,
		// Main has already stopped and deleted it, with everything in it, and
		// there is nothing left to drop.
		if err := shared.Close(); err != nil && (sharedURL == os.Getenv("DATABASE_URL") || sharedURL == pgtest.DefaultURL) {
			os.Stderr.WriteString(err.Error() + "\n")
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

func env(tb testing.TB) *benchkit.Env {
	tb.Helper()
	url := pgtest.AdminURL(tb) // skips (or fails on CI) without PostgreSQL
	sharedOnce.Do(func() {
		sharedURL = url
		shared, sharedErr = benchkit.Prepare(context.Background(), url, "..", benchkit.Options{
			Tenants: *tenants, Projects: *projects, MaxConns: 8,
		})
	})
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

func variant(e *benchkit.Env, name string) benchkit.Variant {
	for _, v := range e.Variants(e.Pool) {
		if v.Name == name {
			return v
		}
	}
	panic("no variant " + name)
}

// TestRun prepares the database and makes a tiny Run: every call of every
// variant is checked (the right project, a full page, no other tenant's row),
// and the report has every cell with calls in it, round trips as the tenant
// package documents them, and the ratios last.
func TestRun(t *testing.T) {
	e := env(t)
	rep, err := benchkit.Run(context.Background(), e, benchkit.Config{
		Duration: 40 * time.Millisecond, Warmup: 10 * time.Millisecond, Rounds: 2, Callers: []int{1, 4},
	})
	require.NoError(t, err)
	require.Len(t, rep.Results, len(benchkit.VariantNames)*len(benchkit.Ops)*2)
	for _, r := range rep.Results {
		require.Positive(t, r.Calls, "%s %s %d callers made no calls", r.Variant, r.Op, r.Callers)
		require.Positive(t, r.P50, "%s %s", r.Variant, r.Op)
	}
	wantTrips := map[string]float64{
		benchkit.Tenantc: 1, benchkit.TenantcRun: 2, benchkit.Plain: 1, benchkit.Naive: 4, benchkit.PlainBatch: 1,
	}
	require.Len(t, rep.RoundTrips, len(benchkit.VariantNames)*len(benchkit.Ops))
	for _, rt := range rep.RoundTrips {
		require.Equal(t, wantTrips[rt.Variant], rt.PerCall, "round trips of %s %s", rt.Variant, rt.Op)
	}
	var out bytes.Buffer
	require.NoError(t, rep.Write(&out))
	text := out.String()
	ratios := strings.Index(text, "ratios vs plain (a)")
	require.Positive(t, ratios, text)
	require.Greater(t, ratios, strings.Index(text, "results"), "ratios are printed last")
	require.Contains(t, text[ratios:], "tenantc", text)
}

// TestVerification: a call for a project of another tenant finds nothing, in
// every variant (RLS, or the plain query's predicate), and the check turns
// that into an error rather than a fast empty call.
func TestVerification(t *testing.T) {
	e := env(t)
	ctx := context.Background()
	own := e.Keys[0]
	var other benchkit.Key
	for _, k := range e.Keys {
		if k.Tenant != own.Tenant {
			other = k
			break
		}
	}
	require.NotEmpty(t, other.Tenant)
	cross := benchkit.Key{Tenant: own.Tenant, ID: other.ID}
	for _, v := range e.Variants(e.Pool) {
		require.NoError(t, v.Do(ctx, benchkit.GetByID, own), v.Name)
		require.NoError(t, v.Do(ctx, benchkit.List, own), v.Name)
		err := v.Do(ctx, benchkit.GetByID, cross)
		require.ErrorContains(t, err, "no row", "%s read another tenant's project", v.Name)
	}
}

// The benchmarks: BenchmarkGetByID and BenchmarkList, each with a
// sub-benchmark per variant.
//
// How the ratio to plain is measured: in every sub-benchmark but plain's,
// each iteration makes one call of the variant and one call of plain (a) for
// the same key, back to back on the same pool, alternating which goes first,
// and times each separately. ns/op is replaced by the variant's own time per
// call; plain-ns/op is plain's time in the same iterations, and x-plain their
// ratio. Pairing the calls this way exposes both to the same moment of a
// noisy machine, which comparing two sub-benchmarks run seconds apart does
// not. trips/op are the round trips of one call, counted on the socket.
func BenchmarkGetByID(b *testing.B) { benchOp(b, benchkit.GetByID) }
func BenchmarkList(b *testing.B)    { benchOp(b, benchkit.List) }

var (
	tripsOnce sync.Once
	trips     []benchkit.RoundTrip
	tripsErr  error
)

func benchOp(b *testing.B, op benchkit.Op) {
	e := env(b)
	ctx := context.Background()
	tripsOnce.Do(func() { trips, tripsErr = e.RoundTrips(ctx) })
	if tripsErr != nil {
		b.Fatal(tripsErr)
	}
	plain := variant(e, benchkit.Plain)
	for _, name := range []string{benchkit.Tenantc, benchkit.TenantcRun, benchkit.Plain, benchkit.Naive} {
		v := variant(e, name)
		b.Run(name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			var own, base time.Duration
			timed := func(v benchkit.Variant, k benchkit.Key) time.Duration {
				t0 := time.Now()
				if err := v.Do(ctx, op, k); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			for i := 0; b.Loop(); i++ {
				k := e.RandomKey(rng)
				switch {
				case name == benchkit.Plain:
					own += timed(v, k)
				case i%2 == 0:
					own += timed(v, k)
					base += timed(plain, k)
				default:
					base += timed(plain, k)
					own += timed(v, k)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(own.Nanoseconds())/n, "ns/op")
			if name != benchkit.Plain {
				b.ReportMetric(float64(base.Nanoseconds())/n, "plain-ns/op")
				b.ReportMetric(float64(own)/float64(base), "x-plain")
			}
			for _, t := range trips {
				if t.Variant == name && t.Op == op {
					b.ReportMetric(t.PerCall, "trips/op")
				}
			}
		})
	}
}

// TestRunScale makes a tiny RunScale: two sizes, both exec modes, every op;
// the report has every cell, one round trip per call in both modes, and the
// flatness table.
func TestRunScale(t *testing.T) {
	url := pgtest.AdminURL(t)
	rep, err := benchkit.RunScale(context.Background(), url, "..", benchkit.ScaleConfig{
		Rows: []int{400, 800}, Tenants: 20,
		Run: benchkit.Config{Duration: 40 * time.Millisecond, Warmup: 10 * time.Millisecond, Rounds: 2},
	})
	require.NoError(t, err)
	require.Len(t, rep.Runs, 4) // 2 sizes × 2 exec modes
	for _, run := range rep.Runs {
		require.Len(t, run.Report.Results, 2*len(benchkit.Ops), "%d rows, %s", run.Rows, run.Mode) // tenantc and plain
		for _, r := range run.Report.Results {
			require.Positive(t, r.Calls, "%d rows %s: %s %s made no calls", run.Rows, run.Mode, r.Variant, r.Op)
			require.Equal(t, 1.0, r.RoundTrips, "%d rows %s: round trips of %s %s", run.Rows, run.Mode, r.Variant, r.Op)
		}
	}
	var out bytes.Buffer
	require.NoError(t, rep.Write(&out))
	require.Contains(t, out.String(), "flatness")
	require.Contains(t, out.String(), "exec")
}

// TestPlansAtScale: on 100 000 rows of 1000 tenants, spread over the heap,
// every generated statement under the policy keeps the plan of the
// hand-written one on the table without RLS — an index scan with tenant_id
// in its Index Cond, never a sequential scan — and the policy's setting is
// read once, in an InitPlan, not per row in a Filter. Both plan cache modes:
// the generic plan pgx's default exec mode ends up running, and the custom
// plan of QueryExecModeExec (PgBouncer's).
func TestPlansAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100 000 rows")
	}
	url := pgtest.AdminURL(t)
	ctx := context.Background()
	e, err := benchkit.Prepare(ctx, url, "..", benchkit.Options{Tenants: 1000, Projects: 100, MaxConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, e.Close()) })
	k := e.Keys[len(e.Keys)/2]
	for _, op := range benchkit.Ops {
		for _, mode := range []string{benchkit.GenericPlan, benchkit.CustomPlan} {
			for _, rls := range []bool{true, false} {
				plan, err := e.ExplainJSON(ctx, op, rls, mode, k)
				require.NoError(t, err)
				dump, _ := json.MarshalIndent(plan, "", " ")
				what := fmt.Sprintf("%s, %s, rls %v:\n%s", op, mode, rls, dump)
				var tenantIndex, initPlan bool
				plan.Walk(func(n benchkit.PlanNode) {
					require.NotEqual(t, "Seq Scan", n.NodeType, what)
					require.NotEqual(t, "Bitmap Heap Scan", n.NodeType, what)
					require.NotContains(t, n.Filter, "current_setting", "the setting is evaluated per row: "+what)
					require.NotContains(t, n.IndexCond, "current_setting", what)
					if strings.HasSuffix(n.NodeType, "Index Scan") || n.NodeType == "Index Only Scan" {
						if strings.Contains(n.IndexCond, "tenant_id") {
							tenantIndex = true
						}
					}
					if n.ParentRelation == "InitPlan" {
						initPlan = true
					}
				})
				require.True(t, tenantIndex, "no index scan on tenant_id: "+what)
				require.Equal(t, rls, initPlan, "the policy's setting is read in an InitPlan exactly when RLS applies: "+what)
			}
		}
	}
}
