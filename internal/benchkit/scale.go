package benchkit

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"
)

// ScaleConfig says what RunScale measures. Zero fields take the defaults.
type ScaleConfig struct {
	// Rows are the sizes of projects, one database each; default 100 000
	// and 1 000 000. Each must be a multiple of Tenants.
	Rows []int
	// Tenants share the rows evenly, inserted round-robin, so one tenant's
	// rows are spread over the whole heap; default 1000.
	Tenants int
	// Modes are the exec modes each size is measured in; default pgx's
	// default (cache statement) and QueryExecModeExec (PgBouncer's).
	Modes []pgx.QueryExecMode
	// Run is the timing of each size × mode; its Variants default to
	// tenantc (plain always runs) and its Callers to 1: the goal is
	// latency, and 32 callers on a small machine measure its CPU.
	Run Config
	// Options size the pool and the page, and take the progress log.
	Options Options
}

func (c ScaleConfig) withDefaults() ScaleConfig {
	if len(c.Rows) == 0 {
		c.Rows = []int{100_000, 1_000_000}
	}
	if c.Tenants <= 0 {
		c.Tenants = 1000
	}
	if len(c.Modes) == 0 {
		c.Modes = []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeExec}
	}
	if len(c.Run.Variants) == 0 {
		c.Run.Variants = []string{Tenantc}
	}
	if len(c.Run.Callers) == 0 {
		c.Run.Callers = []int{1}
	}
	return c
}

// ScaleRun is one size in one exec mode.
type ScaleRun struct {
	Rows   int
	Mode   pgx.QueryExecMode
	Report *Report
}

// ScaleReport is what RunScale measured.
type ScaleReport struct {
	Tenants int
	Runs    []ScaleRun
}

// RunScale measures the generated repositories against plain (a) on
// projects of every size in sc.Rows: for each, a fresh database from
// Prepare (sc.Tenants tenants, rows round-robin), then [Run] in every exec
// mode on a pool of its own, then the database is dropped before the next
// size is seeded.
func RunScale(ctx context.Context, adminURL, dir string, sc ScaleConfig) (*ScaleReport, error) {
	sc = sc.withDefaults()
	sc.Options = sc.Options.withDefaults()
	rep := &ScaleReport{Tenants: sc.Tenants}
	for _, rows := range sc.Rows {
		if rows <= 0 || rows%sc.Tenants != 0 {
			return nil, fmt.Errorf("benchkit: %d rows do not divide among %d tenants", rows, sc.Tenants)
		}
	}
	for _, rows := range sc.Rows {
		opts := sc.Options
		opts.Tenants, opts.Projects = sc.Tenants, rows/sc.Tenants
		e, err := Prepare(ctx, adminURL, dir, opts)
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer e.Close()
			for _, mode := range sc.Modes {
				view, err := e.InExecMode(ctx, mode)
				if err != nil {
					return err
				}
				fmt.Fprintf(sc.Options.Log, "benchkit: %d rows, exec mode %s\n", rows, mode)
				r, err := Run(ctx, view, sc.Run)
				view.Pool.Close()
				if err != nil {
					return fmt.Errorf("%d rows, exec mode %s: %w", rows, mode, err)
				}
				rep.Runs = append(rep.Runs, ScaleRun{Rows: rows, Mode: mode, Report: r})
			}
			return e.Close()
		}()
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// Write prints a table of every size × exec mode × op × variant (plain's
// and the variant's p50, the turn-by-turn ratios) and then how the ratio
// moves from the smallest size to the largest: flat is a change near 1.
func (s *ScaleReport) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	if len(s.Runs) == 0 {
		return nil
	}
	first := s.Runs[0].Report
	fmt.Fprintf(ew, "RLS at scale: %d tenants, their rows inserted round-robin (spread over the heap), projects (RLS) vs bench_plain_projects (no RLS);\n"+
		"callers %v, each cell %v warm-up, then %v in %d turns; List page size %d; ratios turn by turn (median, min–max)\n",
		s.Tenants, callersOf(first), first.Warmup, first.Duration, first.Rounds, first.PageSize)
	for _, st := range first.Stale {
		fmt.Fprintf(ew, "WARNING: gen/ is stale (%s): run go generate ./...\n", st)
	}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rows\texec mode\top\tcallers\tvariant\tplain p50\tp50\tp50 ×\tmin–max\tcalls/s ×\tmin–max\tround trips\t")
	for i, run := range s.Runs {
		if i > 0 {
			fmt.Fprintln(tw, "\t\t\t\t\t\t\t\t\t\t\t\t")
		}
		for _, base := range run.Report.Results {
			if base.Variant != Plain {
				continue
			}
			for _, res := range run.Report.Results {
				if res.Op != base.Op || res.Callers != base.Callers || res.Variant == Plain {
					continue
				}
				p50, perSec := TurnRatios(res, base)
				fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%.2f\t%s\t%.2f\t%s\t%s\t\n", run.Rows, run.Mode, res.Op, res.Callers, res.Variant,
					fmtDur(base.P50), fmtDur(res.P50), p50.Median, p50.Range(), perSec.Median, perSec.Range(), fmtTrips(res.RoundTrips))
			}
		}
	}
	tw.Flush()

	sizes := s.sizes()
	if len(sizes) < 2 {
		return ew.err
	}
	fmt.Fprintf(ew, "\nflatness: median p50 ratio at each size, and at %d rows ÷ at %d rows (1.00 = flat)\n", sizes[len(sizes)-1], sizes[0])
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "exec mode\top\tcallers\tvariant")
	for _, n := range sizes {
		fmt.Fprintf(tw, "\t%d", n)
	}
	fmt.Fprintln(tw, "\tchange\t")
	for _, run := range s.Runs {
		if run.Rows != sizes[0] {
			continue
		}
		for _, res := range run.Report.Results {
			if res.Variant == Plain {
				continue
			}
			var meds []float64
			for _, n := range sizes {
				meds = append(meds, s.median(n, run.Mode, res.Variant, res.Op, res.Callers))
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s", run.Mode, res.Op, res.Callers, res.Variant)
			for _, m := range meds {
				fmt.Fprintf(tw, "\t%.2f", m)
			}
			fmt.Fprintf(tw, "\t%.2f\t\n", ratio(meds[len(meds)-1], meds[0]))
		}
	}
	tw.Flush()
	return ew.err
}

// Median returns the median turn-by-turn p50 ratio of variant to plain at
// rows, mode, op and callers (NaN if it was not measured).
func (s *ScaleReport) median(rows int, mode pgx.QueryExecMode, variant string, op Op, callers int) float64 {
	p50, _ := s.Ratios(rows, mode, variant, op, callers)
	return p50.Median
}

// Ratios returns the turn-by-turn ratios of variant to plain at rows, mode,
// op and callers; NaNs if that was not measured.
func (s *ScaleReport) Ratios(rows int, mode pgx.QueryExecMode, variant string, op Op, callers int) (p50, perSec Spread) {
	for _, run := range s.Runs {
		if run.Rows != rows || run.Mode != mode {
			continue
		}
		v, okV := run.Report.find(variant, op, callers)
		b, okB := run.Report.find(Plain, op, callers)
		if okV && okB {
			return TurnRatios(v, b)
		}
	}
	return SpreadOf(nil), SpreadOf(nil)
}

func (s *ScaleReport) sizes() []int {
	var out []int
	for _, r := range s.Runs {
		if !slices.Contains(out, r.Rows) {
			out = append(out, r.Rows)
		}
	}
	return out
}

func callersOf(r *Report) []int {
	var out []int
	for _, res := range r.Results {
		if !slices.Contains(out, res.Callers) {
			out = append(out, res.Callers)
		}
	}
	return out
}
