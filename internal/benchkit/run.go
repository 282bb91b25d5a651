package benchkit

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
)

// Config says what Run measures and for how long. Zero fields take the
// defaults.
type Config struct {
	// Duration is the measured time of each variant × op × callers cell;
	// default 3s.
	Duration time.Duration
	// Warmup runs each cell unmeasured first; default 500ms. It also opens
	// the pool's connections and prepares the statements on each.
	Warmup time.Duration
	// Rounds splits Duration into turns: the variants of an op × callers
	// pair take turns, in a rotating order, so drift on a noisy machine is
	// spread over all of them instead of landing on whichever ran last.
	// Default 3.
	Rounds int
	// Callers are the numbers of concurrent callers; default 1 and 32.
	Callers []int
	// Variants and Ops select what to run; default all, in report order.
	// Baseline (a), Plain, is always run: the ratios need it.
	Variants []string
	Ops      []Op
	// Explain adds EXPLAIN ANALYZE of the RLS and the plain queries to the
	// report.
	Explain bool
	// Seed makes the choice of keys repeatable.
	Seed uint64
	// Progress receives a line per cell; nil for none.
	Progress io.Writer
}

func (c Config) withDefaults() Config {
	if c.Duration <= 0 {
		c.Duration = 3 * time.Second
	}
	if c.Warmup <= 0 {
		c.Warmup = 500 * time.Millisecond
	}
	if c.Rounds <= 0 {
		c.Rounds = 3
	}
	if len(c.Callers) == 0 {
		c.Callers = []int{1, 32}
	}
	if len(c.Variants) == 0 {
		c.Variants = VariantNames
	}
	var names []string
	for _, n := range append(slices.Clone(c.Variants), Plain) {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	c.Variants = names
	if len(c.Ops) == 0 {
		c.Ops = Ops
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return c
}

// Result is one cell: a variant's op at a number of concurrent callers.
type Result struct {
	Variant    string
	Op         Op
	Callers    int
	Calls      int           // measured calls
	Elapsed    time.Duration // measured time, all turns
	P50, P99   time.Duration // of the calls' latencies, nearest rank
	Mean       time.Duration
	PerSec     float64 // Calls / Elapsed
	RoundTrips float64 // per call, from RoundTrips
	// ClientCPU and ServerCPU are the CPU time per measured call of this
	// process and of the application role's backends (see cpuMeter);
	// ServerCPU is -1 when the server is not on this machine. At many
	// callers on few cores, calls/s follows their sum.
	ClientCPU, ServerCPU time.Duration
	// Turns are the same figures for each turn alone: the ratios to plain
	// are taken turn by turn (plain's turn r against the variant's turn r,
	// minutes apart at most) and reported as min / median / max, so a
	// reader sees how much of a ratio is the machine's noise.
	Turns []Turn
}

// Turn is what one turn of a cell measured.
type Turn struct {
	P50    time.Duration
	PerSec float64
}

// VariantInfo describes a variant in the report.
type VariantInfo struct{ Name, About string }

// Report is what Run measured, with what it ran on.
type Report struct {
	Server, Pgx, Go  string
	GOMAXPROCS, CPUs int
	TLS              bool
	ExecMode         string
	Tenants          int
	Projects         int // per tenant
	MaxConns         int32
	PageSize         int32
	Duration, Warmup time.Duration
	Rounds           int
	Stale            []string

	Variants   []VariantInfo
	RoundTrips []RoundTrip
	Results    []Result
	Plans      []Plan
}

// Run counts round trips, then measures every selected variant × op ×
// callers cell on e.Pool and returns the report. Every call's result is
// checked (see [Variant]); the first failure stops the run.
func Run(ctx context.Context, e *Env, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	for _, c := range cfg.Callers {
		if c <= 0 {
			return nil, fmt.Errorf("benchkit: %d callers", c)
		}
	}
	var variants []Variant
	for _, v := range e.Variants(e.Pool) {
		if slices.Contains(cfg.Variants, v.Name) {
			variants = append(variants, v)
		}
	}
	if len(variants) != len(cfg.Variants) {
		return nil, fmt.Errorf("benchkit: unknown variant in %v; known: %v", cfg.Variants, VariantNames)
	}

	rep := &Report{
		Server: e.Server, Pgx: moduleVersion("github.com/jackc/pgx/v5"),
		Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH, GOMAXPROCS: runtime.GOMAXPROCS(0), CPUs: runtime.NumCPU(),
		TLS: e.TLS, ExecMode: e.Pool.Config().ConnConfig.DefaultQueryExecMode.String(),
		Tenants: e.Options.Tenants, Projects: e.Options.Projects, MaxConns: e.Options.MaxConns, PageSize: e.Options.PageSize,
		Duration: cfg.Duration, Warmup: cfg.Warmup, Rounds: cfg.Rounds, Stale: e.Stale,
	}
	for _, v := range variants {
		rep.Variants = append(rep.Variants, VariantInfo{v.Name, v.About})
	}

	fmt.Fprintln(cfg.Progress, "benchkit: counting round trips")
	trips, err := e.RoundTrips(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range trips {
		if slices.Contains(cfg.Variants, t.Variant) {
			rep.RoundTrips = append(rep.RoundTrips, t)
		}
	}
	if cfg.Explain {
		if rep.Plans, err = e.Explain(ctx); err != nil {
			return nil, err
		}
	}

	meter := &cpuMeter{role: e.App}
	if admin, err := pgx.Connect(ctx, e.AdminURL); err == nil {
		defer admin.Close(context.WithoutCancel(ctx))
		meter.admin = admin
	} else {
		fmt.Fprintf(cfg.Progress, "benchkit: no server CPU figures: %v\n", err)
	}

	turn := cfg.Duration / time.Duration(cfg.Rounds)
	seed := cfg.Seed
	for _, op := range cfg.Ops {
		for _, callers := range cfg.Callers {
			fmt.Fprintf(cfg.Progress, "benchkit: %s, %d callers: warm-up %v, then %d turns of %v per variant\n",
				op, callers, cfg.Warmup, cfg.Rounds, turn)
			for _, v := range variants {
				seed++
				if _, _, err := e.drive(ctx, v, op, callers, cfg.Warmup, seed, false); err != nil {
					return nil, err
				}
			}
			samples := make([][]time.Duration, len(variants))
			elapsed := make([]time.Duration, len(variants))
			turns := make([][]Turn, len(variants))
			clientCPU := make([]time.Duration, len(variants))
			serverCPU := make([]time.Duration, len(variants))
			for r := range cfg.Rounds {
				for j := range variants {
					i := (j + r) % len(variants)
					seed++
					c0, err := meter.read(ctx)
					if err != nil {
						return nil, err
					}
					s, d, err := e.drive(ctx, variants[i], op, callers, turn, seed, true)
					if err != nil {
						return nil, err
					}
					c1, err := meter.read(ctx)
					if err != nil {
						return nil, err
					}
					client, server := c1.since(c0)
					clientCPU[i] += client
					if server < 0 || serverCPU[i] < 0 {
						serverCPU[i] = -1
					} else {
						serverCPU[i] += server
					}
					samples[i] = append(samples[i], s...)
					elapsed[i] += d
					turns[i] = append(turns[i], turnOf(s, d))
				}
			}
			for i, v := range variants {
				r := result(v.Name, op, callers, samples[i], elapsed[i], trips)
				r.Turns = turns[i]
				r.ClientCPU, r.ServerCPU = perCall(clientCPU[i], r.Calls), perCall(serverCPU[i], r.Calls)
				rep.Results = append(rep.Results, r)
			}
		}
	}
	return rep, nil
}

// drive runs op of v from callers goroutines for d, each call on a key
// picked at random, and returns every call's latency (if record) and the
// time from start until the last call returned.
func (e *Env) drive(ctx context.Context, v Variant, op Op, callers int, d time.Duration, seed uint64, record bool) ([]time.Duration, time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		err     error
	)
	fail := func(e error) {
		errOnce.Do(func() { err = e })
		cancel()
	}
	per := make([][]time.Duration, callers)
	start := time.Now()
	deadline := start.Add(d)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					fail(fmt.Errorf("benchkit: %s %s panicked: %v", v.Name, op, r))
				}
			}()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			var lat []time.Duration
			if record {
				lat = make([]time.Duration, 0, 1024)
			}
			for ctx.Err() == nil {
				k := e.RandomKey(rng)
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				if err := v.Do(ctx, op, k); err != nil {
					fail(err)
					return
				}
				if record {
					lat = append(lat, time.Since(t0))
				}
			}
			per[i] = lat
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	// err is the first failure: the calls it cancelled fail after it. A
	// cancelled parent (Ctrl-C) shows as a call failing with its error, or,
	// between calls, as ctx.Err().
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, 0, err
	}
	return slices.Concat(per...), elapsed, nil
}

func result(variant string, op Op, callers int, samples []time.Duration, elapsed time.Duration, trips []RoundTrip) Result {
	slices.Sort(samples)
	r := Result{Variant: variant, Op: op, Callers: callers, Calls: len(samples), Elapsed: elapsed,
		P50: percentile(samples, 0.50), P99: percentile(samples, 0.99), RoundTrips: math.NaN()}
	if len(samples) > 0 {
		var sum time.Duration
		for _, s := range samples {
			sum += s
		}
		r.Mean = sum / time.Duration(len(samples))
	}
	if elapsed > 0 {
		r.PerSec = float64(len(samples)) / elapsed.Seconds()
	}
	for _, t := range trips {
		if t.Variant == variant && t.Op == op {
			r.RoundTrips = t.PerCall
		}
	}
	return r
}

// perCall divides total by calls; -1 (unknown) stays -1.
func perCall(total time.Duration, calls int) time.Duration {
	if total < 0 || calls == 0 {
		return -1
	}
	return total / time.Duration(calls)
}

// turnOf sums up one turn; samples are not yet sorted.
func turnOf(samples []time.Duration, elapsed time.Duration) Turn {
	sorted := slices.Sorted(slices.Values(samples))
	t := Turn{P50: percentile(sorted, 0.50)}
	if elapsed > 0 {
		t.PerSec = float64(len(samples)) / elapsed.Seconds()
	}
	return t
}

// percentile returns the nearest-rank p-quantile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == path {
				if m.Replace != nil {
					return m.Replace.Version
				}
				return m.Version
			}
		}
	}
	return "(unknown)"
}

// Write prints the report: what ran, the round trips, a table of every cell
// (variant, op, callers, p50, p99, calls/s, round trips, and the mean
// latency, which at many callers shows the queueing a p50 can hide), the query plans if
// any, and, last, the ratios of every variant to baseline (a).
func (r *Report) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	tls := "off"
	if r.TLS {
		tls = "on"
	}
	fmt.Fprintf(ew, "tenantc benchmark: PostgreSQL %s, pgx %s, %s, GOMAXPROCS %d (%d CPUs), client TLS %s\n",
		r.Server, r.Pgx, r.Go, r.GOMAXPROCS, r.CPUs, tls)
	fmt.Fprintf(ew, "data: %d tenants × %d projects = %d rows, in projects (RLS) and bench_plain_projects (no RLS)\n",
		r.Tenants, r.Projects, r.Tenants*r.Projects)
	fmt.Fprintf(ew, "pool: one pgxpool of the app role (NOSUPERUSER NOBYPASSRLS), MaxConns %d, exec mode %s; List page size %d\n",
		r.MaxConns, r.ExecMode, r.PageSize)
	fmt.Fprintf(ew, "timing: each cell %v warm-up, then %v measured in %d turns, the variants taking turns\n",
		r.Warmup, r.Duration, r.Rounds)
	for _, s := range r.Stale {
		fmt.Fprintf(ew, "WARNING: gen/ is stale (%s): run go generate ./...\n", s)
	}

	fmt.Fprintln(ew, "\nvariants")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	for _, v := range r.Variants {
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, v.About)
	}
	tw.Flush()

	fmt.Fprintf(ew, "\nround trips per call (counted on the socket, %d calls after %d warm-up calls)\n", roundTripCalls, roundTripCalls)
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "  variant")
	for _, op := range r.ops() {
		fmt.Fprintf(tw, "\t%s", op)
	}
	fmt.Fprintln(tw)
	for _, v := range r.Variants {
		fmt.Fprintf(tw, "  %s", v.Name)
		for _, op := range r.ops() {
			fmt.Fprintf(tw, "\t%s", fmtTrips(r.trips(v.Name, op)))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	fmt.Fprintln(ew, "\nresults")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\top\tcallers\tp50\tp99\tcalls/s\tround trips\tmean\tclient cpu\tserver cpu\t")
	for i, res := range r.Results {
		if i > 0 && (res.Op != r.Results[i-1].Op || res.Callers != r.Results[i-1].Callers) {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t")
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t\n",
			res.Variant, res.Op, res.Callers, fmtDur(res.P50), fmtDur(res.P99), res.PerSec, fmtTrips(res.RoundTrips), fmtDur(res.Mean),
			fmtCPU(res.ClientCPU), fmtCPU(res.ServerCPU))
	}
	tw.Flush()

	for _, p := range r.Plans {
		fmt.Fprintf(ew, "\nplan: %s\n%s", p.Name, p.Text)
	}

	fmt.Fprintln(ew, "\nCPU per call, client (this process) and server (the app role's backends), and the difference to plain (a):\n"+
		"where a gap in calls/s at many callers goes, when client and server share the cores")
	r.writeCPU(ew)

	fmt.Fprintf(ew, "\nratios vs plain (a), turn by turn over %d turns (median, min–max): p50 = variant p50 / plain p50 (lower is better),\n"+
		"calls/s = variant calls/s / plain calls/s (higher is better)\n", r.Rounds)
	r.writeRatios(ew)
	r.writeGoals(ew)

	return ew.err
}

// writeGoals prints issue 15's runtime goals against the ratios above: at
// one caller tenantc's p50 within 1.05× plain's, at many callers its calls/s
// at least 0.95× plain's — and, since the server must also run set_config
// for tenantc, the same ratios against plain-batch, the floor of any RLS
// setting sent with the query.
func (r *Report) writeGoals(w io.Writer) {
	find := func(v string, op Op, callers int) (Result, bool) {
		for _, res := range r.Results {
			if res.Variant == v && res.Op == op && res.Callers == callers {
				return res, true
			}
		}
		return Result{}, false
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "not met"
	}
	fmt.Fprintln(w, "\ngoals (tenantc, turn by turn: median, min–max): p50 ≤ 1.05× at 1 caller, calls/s ≥ 0.95× at more;\n"+
		"the same ratio against plain-batch shows how close tenantc is to the floor of a setting sent with the query")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op	callers	measure	vs plain	min–max	goal	vs plain-batch	min–max	")
	for _, op := range r.ops() {
		for _, res := range r.Results {
			if res.Variant != Tenantc || res.Op != op {
				continue
			}
			base, ok := find(Plain, op, res.Callers)
			if !ok {
				continue
			}
			p50, perSec := TurnRatios(res, base)
			measure, got, ok := "p50", p50, p50.Median <= 1.05
			if res.Callers > 1 {
				measure, got, ok = "calls/s", perSec, perSec.Median >= 0.95
			}
			floor, floorRange := "-", "-"
			if fb, has := find(PlainBatch, op, res.Callers); has {
				fp, fs := TurnRatios(res, fb)
				f := fp
				if res.Callers > 1 {
					f = fs
				}
				floor, floorRange = fmt.Sprintf("%.2f", f.Median), f.Range()
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.2f\t%s\t%s\t%s\t%s\t\n", op, res.Callers, measure, got.Median, got.Range(), verdict(ok), floor, floorRange)
		}
	}
	tw.Flush()
}

// writeCPU prints each variant's CPU per call next to plain's.
func (r *Report) writeCPU(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tcallers\tvariant\tclient\tserver\ttotal\tΔ client\tΔ server\tΔ total\t")
	first := true
	for _, base := range r.Results {
		if base.Variant != Plain {
			continue
		}
		if !first {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t")
		}
		first = false
		for _, res := range r.Results {
			if res.Op != base.Op || res.Callers != base.Callers {
				continue
			}
			total, baseTotal := cpuSum(res), cpuSum(base)
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", res.Op, res.Callers, res.Variant,
				fmtCPU(res.ClientCPU), fmtCPU(res.ServerCPU), fmtCPU(total),
				fmtDelta(res.ClientCPU, base.ClientCPU), fmtDelta(res.ServerCPU, base.ServerCPU), fmtDelta(total, baseTotal))
		}
	}
	tw.Flush()
}

func cpuSum(r Result) time.Duration {
	if r.ClientCPU < 0 || r.ServerCPU < 0 {
		return -1
	}
	return r.ClientCPU + r.ServerCPU
}

func fmtDelta(a, b time.Duration) string {
	if a < 0 || b < 0 {
		return "-"
	}
	return fmt.Sprintf("%+.1fµs", float64(a-b)/float64(time.Microsecond))
}

// writeRatios prints the ratio of every variant to plain in every op ×
// callers cell, as median and range of the turn-by-turn ratios.
func (r *Report) writeRatios(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tcallers\tvariant\tp50 ×\tmin–max\tcalls/s ×\tmin–max\t")
	first := true
	for _, base := range r.Results {
		if base.Variant != Plain {
			continue
		}
		if !first {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t")
		}
		first = false
		for _, res := range r.Results {
			if res.Op != base.Op || res.Callers != base.Callers || res.Variant == Plain {
				continue
			}
			p50, perSec := TurnRatios(res, base)
			fmt.Fprintf(tw, "%s\t%d\t%s\t%.2f\t%s\t%.2f\t%s\t\n", res.Op, res.Callers, res.Variant,
				p50.Median, p50.Range(), perSec.Median, perSec.Range())
		}
	}
	tw.Flush()
}

// Spread is the median, minimum and maximum of a set of ratios.
type Spread struct{ Min, Median, Max float64 }

// Range prints "min–max".
func (s Spread) Range() string { return fmt.Sprintf("%.2f–%.2f", s.Min, s.Max) }

// SpreadOf returns the spread of xs (NaN for none). The median of an even
// count is the mean of the middle two.
func SpreadOf(xs []float64) Spread {
	if len(xs) == 0 {
		return Spread{math.NaN(), math.NaN(), math.NaN()}
	}
	s := slices.Sorted(slices.Values(xs))
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return Spread{Min: s[0], Median: med, Max: s[len(s)-1]}
}

// TurnRatios returns the spread of v's turn-by-turn p50 and calls/s ratios
// to base's (turn r against turn r).
func TurnRatios(v, base Result) (p50, perSec Spread) {
	var ps, qs []float64
	for i := range min(len(v.Turns), len(base.Turns)) {
		ps = append(ps, ratio(float64(v.Turns[i].P50), float64(base.Turns[i].P50)))
		qs = append(qs, ratio(v.Turns[i].PerSec, base.Turns[i].PerSec))
	}
	return SpreadOf(ps), SpreadOf(qs)
}

// ops are the ops in the results, in order.
func (r *Report) ops() []Op {
	var ops []Op
	for _, res := range r.Results {
		if !slices.Contains(ops, res.Op) {
			ops = append(ops, res.Op)
		}
	}
	if len(ops) == 0 {
		for _, t := range r.RoundTrips {
			if !slices.Contains(ops, t.Op) {
				ops = append(ops, t.Op)
			}
		}
	}
	return ops
}

func (r *Report) trips(variant string, op Op) float64 {
	for _, t := range r.RoundTrips {
		if t.Variant == variant && t.Op == op {
			return t.PerCall
		}
	}
	return math.NaN()
}

// Ratio returns the result of variant at op and callers divided by plain's:
// p50 and calls/s. ok is false if either is missing.
func (r *Report) Ratio(variant string, op Op, callers int) (p50, perSec float64, ok bool) {
	v, okV := r.find(variant, op, callers)
	p, okP := r.find(Plain, op, callers)
	if !okV || !okP {
		return 0, 0, false
	}
	return ratio(float64(v.P50), float64(p.P50)), ratio(v.PerSec, p.PerSec), true
}

func (r *Report) find(variant string, op Op, callers int) (Result, bool) {
	for _, res := range r.Results {
		if res.Variant == variant && res.Op == op && res.Callers == callers {
			return res, true
		}
	}
	return Result{}, false
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
}

// fmtCPU prints a CPU time per call; -1 is unknown.
func fmtCPU(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	return fmtDur(d)
}

func fmtTrips(t float64) string {
	if math.IsNaN(t) {
		return "-"
	}
	return fmt.Sprintf("%.2f", t)
}

// errWriter keeps the first write error, so Write can print without checking
// each line.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
