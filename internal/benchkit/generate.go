package benchkit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tenantc/tenantc/internal/filetree"
	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/synthapp"
)

// The generation benchmark (issue 15): tenantc generate on synthetic
// projects (internal/synthapp) against plain sqlc generate on the same
// input. Every run is a child process of the bench binary, so its wall time
// and peak RSS are its own:
//
//   - full: tenantc generate on a fresh copy of the project, with an empty
//     TENANTC_CACHE, so sqlc runs;
//   - no-op: generate again on the same directory and cache; it must write
//     nothing (the tree is compared before and after);
//   - sqlc user: `sqlc generate` on the user's input alone, schema/ and
//     queries/ with no overrides (synthapp.WriteUser);
//   - sqlc whole: `sqlc generate` on the project tenantc generated, whose
//     sqlc.yaml names gen/migrations, gen/queries and the tenant.ID
//     overrides: tenantc's whole input.
//
// The tenantc child is the bench binary itself, started with genChildEnv
// ([GenerateChild]); the sqlc children are the bench binary started with
// sqlcrun.ChildEnv. Peak RSS is the child's ru_maxrss, which on Linux is
// the largest of the child and the descendants it waited for (tenantc's own
// sqlc child among them).

// genChildEnv marks the tenantc generate child of the benchmark.
const genChildEnv = "TENANTC_BENCH_GENERATE_CHILD"

// GenerateChild makes this binary the tenantc child of [Generate]: started
// with genChildEnv=1 it runs tenantc generate in its working directory,
// prints what it wrote as JSON on stdout and exits (1 on any diagnostic:
// the synthetic project is meant to be clean); otherwise it returns at once.
// Call it in main, and in TestMain, after sqlcrun.Child.
func GenerateChild() {
	if os.Getenv(genChildEnv) != "1" {
		return
	}
	os.Exit(generateChild())
}

// genChildOut is what the tenantc child prints.
type genChildOut struct {
	Written int `json:"written"` // files created, updated or deleted
	Files   int `json:"files"`   // files generated
}

func generateChild() int {
	// As tenantc generate does (cmd/tenantc/generate.go).
	stage := output.Stage(".")
	defer stage.Discard()
	res, err := generator.Run(context.Background(), generator.Options{Dir: ".", Stage: stage})
	if res != nil {
		for _, d := range res.Diagnostics {
			fmt.Fprintln(os.Stderr, d)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tenantc generate:", err)
		return 1
	}
	if len(res.Diagnostics) > 0 {
		fmt.Fprintf(os.Stderr, "tenantc generate: %d diagnostic(s) on the synthetic project\n", len(res.Diagnostics))
		return 1
	}
	changes, err := stage.Write(res.Files, res.Prune...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tenantc generate:", err)
		return 1
	}
	if err := json.NewEncoder(os.Stdout).Encode(genChildOut{Written: len(changes), Files: len(res.Files)}); err != nil {
		return 1
	}
	return 0
}

// GenConfig says what the generation benchmark measures.
type GenConfig struct {
	// Tables are the sizes of the synthetic projects (default 100, 250, 500).
	Tables []int
	// Rounds per size (default 3); ratios are per round.
	Rounds int
	// Progress, if set, gets a line per run.
	Progress io.Writer
}

// GenRound is one round at one size.
type GenRound struct {
	Full, NoOp, SQLCUser, SQLCWhole time.Duration
	// FullRSS and SQLCWholeRSS are peak RSS in bytes.
	FullRSS, SQLCWholeRSS int64
}

// GenSize is every round at one size.
type GenSize struct {
	synthapp.Shape
	// WholeQueries are the user's queries and tenantc's standard queries:
	// the queries sqlc whole compiles.
	WholeQueries int
	// Files is how many files the full run wrote.
	Files  int
	Rounds []GenRound
}

// GenReport is the generation benchmark's result.
type GenReport struct {
	Sizes []GenSize
	// BaseRSS is this process's resident memory (MiB) when the benchmark
	// starts its children: the floor of every peak RSS reported, since on
	// Linux a child's ru_maxrss counts the memory it shares with its parent
	// until exec (Go starts children with vfork). 0 where it is not known.
	BaseRSS float64
}

// Goals of issue 15.
const (
	GoalFullOverWhole = 1.3 // tenantc generate ÷ sqlc generate on the whole input
	GoalNoOpOverFull  = 0.2 // a no-op regenerate ÷ a full run
)

// Generate runs the generation benchmark.
func Generate(ctx context.Context, cfg GenConfig) (*GenReport, error) {
	if len(cfg.Tables) == 0 {
		cfg.Tables = []int{100, 250, 500}
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 3
	}
	progress := cfg.Progress
	if progress == nil {
		progress = io.Discard
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the bench binary: %w", err)
	}
	tmp, err := os.MkdirTemp("", "tenantc-genbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	// What the runtime and scale sections held is garbage now: returned to
	// the OS, it no longer inflates the children's peak RSS (see BaseRSS).
	runtime.GC()
	debug.FreeOSMemory()
	rep := &GenReport{BaseRSS: selfRSS()}
	for _, n := range cfg.Tables {
		size, err := generateSize(ctx, self, filepath.Join(tmp, fmt.Sprint(n)), n, cfg.Rounds, progress)
		if err != nil {
			return nil, fmt.Errorf("generate, %d tables: %w", n, err)
		}
		rep.Sizes = append(rep.Sizes, *size)
	}
	return rep, nil
}

func generateSize(ctx context.Context, self, dir string, n, rounds int, progress io.Writer) (*GenSize, error) {
	app, user := filepath.Join(dir, "app"), filepath.Join(dir, "user")
	shape, err := synthapp.Write(app, n)
	if err != nil {
		return nil, err
	}
	if _, err := synthapp.WriteUser(user, n); err != nil {
		return nil, err
	}
	size := &GenSize{Shape: shape}
	for r := range rounds {
		round := filepath.Join(dir, fmt.Sprint("round", r))
		a, b, u, cache := filepath.Join(round, "app"), filepath.Join(round, "whole"), filepath.Join(round, "user"), filepath.Join(round, "cache")
		for _, c := range [][2]string{{app, a}, {user, u}} {
			if err := os.CopyFS(c[1], os.DirFS(c[0])); err != nil {
				return nil, err
			}
		}
		if err := os.MkdirAll(cache, 0o755); err != nil {
			return nil, err
		}
		var g GenRound
		tenantcEnv := []string{genChildEnv + "=1", sqlcrun.CacheEnv + "=" + cache}

		full, err := runChild(ctx, self, a, tenantcEnv)
		if err != nil {
			return nil, fmt.Errorf("round %d, full tenantc generate: %w", r+1, err)
		}
		out, err := childOut(full.stdout)
		if err != nil {
			return nil, fmt.Errorf("round %d, full tenantc generate: %w", r+1, err)
		}
		if out.Written == 0 {
			return nil, fmt.Errorf("round %d: the full tenantc generate wrote nothing", r+1)
		}
		g.Full, g.FullRSS, size.Files = full.elapsed, full.rss, out.Written
		fmt.Fprintf(progress, "bench: generate %d tables, round %d: full %s (%d files, %.0f MiB)\n", n, r+1, fmtSec(g.Full), out.Written, mib(g.FullRSS))

		before, err := snapshot(a)
		if err != nil {
			return nil, err
		}
		noop, err := runChild(ctx, self, a, tenantcEnv)
		if err != nil {
			return nil, fmt.Errorf("round %d, no-op tenantc generate: %w", r+1, err)
		}
		if out, err = childOut(noop.stdout); err != nil {
			return nil, fmt.Errorf("round %d, no-op tenantc generate: %w", r+1, err)
		}
		after, err := snapshot(a)
		if err != nil {
			return nil, err
		}
		if out.Written != 0 || !maps.Equal(before, after) {
			return nil, fmt.Errorf("round %d: the no-op tenantc generate wrote %d file(s) (tree changed: %t)", r+1, out.Written, !maps.Equal(before, after))
		}
		g.NoOp = noop.elapsed
		fmt.Fprintf(progress, "bench: generate %d tables, round %d: no-op %s (0 files)\n", n, r+1, fmtSec(g.NoOp))

		if r == 0 {
			if size.WholeQueries, err = countQueries(a, "queries", "gen/queries"); err != nil {
				return nil, err
			}
		}
		if err := os.CopyFS(b, os.DirFS(a)); err != nil {
			return nil, err
		}
		// sqlc writes gen/db afresh, as tenantc's full run did.
		if err := os.RemoveAll(filepath.Join(b, "gen", "db")); err != nil {
			return nil, err
		}
		sqlcEnv := []string{sqlcrun.ChildEnv + "=1"}
		sqlcArgs := []string{"generate", "--no-remote", "-f", "sqlc.yaml"}
		whole, err := runChild(ctx, self, b, sqlcEnv, sqlcArgs...)
		if err != nil {
			return nil, fmt.Errorf("round %d, sqlc generate on tenantc's whole input: %w", r+1, err)
		}
		g.SQLCWhole, g.SQLCWholeRSS = whole.elapsed, whole.rss
		if r == 0 {
			// Plain sqlc on the whole input writes tenantc's sqlc code, byte
			// for byte: else it was not given the same input.
			if err := sameAsTenantc(filepath.Join(a, "gen", "db"), filepath.Join(b, "gen", "db")); err != nil {
				return nil, fmt.Errorf("sqlc generate on tenantc's whole input: %w", err)
			}
		}
		userRun, err := runChild(ctx, self, u, sqlcEnv, sqlcArgs...)
		if err != nil {
			return nil, fmt.Errorf("round %d, sqlc generate on the user input: %w", r+1, err)
		}
		g.SQLCUser = userRun.elapsed
		fmt.Fprintf(progress, "bench: generate %d tables, round %d: sqlc whole %s (%.0f MiB), sqlc user %s\n",
			n, r+1, fmtSec(g.SQLCWhole), mib(g.SQLCWholeRSS), fmtSec(g.SQLCUser))
		size.Rounds = append(size.Rounds, g)
		if err := os.RemoveAll(round); err != nil {
			return nil, err
		}
	}
	return size, nil
}

// childRun is what one child process took.
type childRun struct {
	elapsed time.Duration
	rss     int64 // bytes
	stdout  []byte
}

// runChild runs the bench binary in dir with env added and args, and
// measures it.
func runChild(ctx context.Context, self, dir string, env []string, args ...string) (childRun, error) {
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	if err != nil {
		return childRun{}, fmt.Errorf("%w\n%s%s", err, stderr.String(), stdout.String())
	}
	return childRun{elapsed: elapsed, rss: maxRSS(cmd.ProcessState), stdout: stdout.Bytes()}, nil
}

func childOut(stdout []byte) (genChildOut, error) {
	var out genChildOut
	if err := json.Unmarshal(bytes.TrimSpace(stdout), &out); err != nil {
		return out, fmt.Errorf("reading what the child wrote (%q): %w", stdout, err)
	}
	return out, nil
}

// fileState is what a write would change of a file.
type fileState struct {
	sum     [sha256.Size]byte
	modTime time.Time
}

// snapshot returns the state of every file under dir, by slash path.
func snapshot(dir string) (map[string]fileState, error) {
	out := map[string]fileState{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = fileState{sha256.Sum256(content), info.ModTime()}
		return nil
	})
	return out, err
}

// sameAsTenantc reports a file sqlc wrote under got that differs from
// tenantc's under want (which also holds tenantc's own files, the
// repositories).
func sameAsTenantc(want, got string) error {
	w, err := filetree.Read(want)
	if err != nil {
		return err
	}
	g, err := filetree.Read(got)
	if err != nil {
		return err
	}
	if _, ok := g["models.go"]; !ok {
		return fmt.Errorf("%s: sqlc wrote no models.go", got)
	}
	for path, content := range g {
		tenantc, ok := w[path]
		switch {
		case !ok:
			return fmt.Errorf("%s: tenantc did not write it", path)
		case !bytes.Equal(content, tenantc):
			return fmt.Errorf("%s: differs from tenantc's", path)
		}
	}
	return nil
}

// countQueries counts the named queries of the .sql files in dir's subs.
func countQueries(dir string, subs ...string) (int, error) {
	n := 0
	for _, sub := range subs {
		files, err := filepath.Glob(filepath.Join(dir, filepath.FromSlash(sub), "*.sql"))
		if err != nil {
			return 0, err
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return 0, err
			}
			n += strings.Count(string(b), "-- name:")
		}
	}
	if n == 0 {
		return 0, errors.New("no queries found")
	}
	return n, nil
}

// Write prints the report: per size the times as median (min–max) over the
// rounds, the peak RSS, the ratios computed round by round, and how the
// full run's cost per table grows with the size.
func (r *GenReport) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	if len(r.Sizes) == 0 {
		return nil
	}
	fmt.Fprintf(ew, "generate: tenantc generate on synthetic projects (1 root, ~60%% scoped with composite FKs, ~40%% global) vs plain sqlc generate;\n"+
		"%d round(s) each, every run a child process; seconds and ratios as median (min–max) over rounds, ratios round by round;\n"+
		"full: fresh copy, empty cache; no-op: again, writes nothing; sqlc user: schema/ + queries/ only; sqlc whole: + gen/migrations, gen/queries, overrides;\n"+
		"MiB: the child's peak RSS, at least this process's %.0f MiB (a child counts its parent's memory until exec)\n",
		len(r.Sizes[0].Rounds), r.BaseRSS)
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tables\tscoped\tglobal\tqueries\twhole queries\tfiles\tfull s\tno-op s\tsqlc user s\tsqlc whole s\tfull MiB\tsqlc whole MiB\t")
	for _, s := range r.Sizes {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Tables, s.Scoped, s.Global, s.Queries, s.WholeQueries, s.Files,
			fmtSpread(s.seconds(func(g GenRound) time.Duration { return g.Full }), "%.2f"),
			fmtSpread(s.seconds(func(g GenRound) time.Duration { return g.NoOp }), "%.2f"),
			fmtSpread(s.seconds(func(g GenRound) time.Duration { return g.SQLCUser }), "%.2f"),
			fmtSpread(s.seconds(func(g GenRound) time.Duration { return g.SQLCWhole }), "%.2f"),
			fmtSpread(s.mib(func(g GenRound) int64 { return g.FullRSS }), "%.0f"),
			fmtSpread(s.mib(func(g GenRound) int64 { return g.SQLCWholeRSS }), "%.0f"))
	}
	tw.Flush()

	fmt.Fprintln(ew, "\nratios, round by round: median (min–max); goal met on the median")
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tables\tfull ÷ sqlc whole\tgoal ≤ 1.3×\tno-op ÷ full\tgoal ≤ 0.2×\tfull ÷ sqlc user\t")
	for _, s := range r.Sizes {
		fw, nf, fu := s.Ratios()
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t\n", s.Tables,
			fmtSpread(fw, "%.2f"), met(fw.Median <= GoalFullOverWhole),
			fmtSpread(nf, "%.2f"), met(nf.Median <= GoalNoOpOverFull),
			fmtSpread(fu, "%.2f"))
	}
	tw.Flush()

	base := r.Sizes[0]
	fmt.Fprintf(ew, "\nlinearity: median full seconds per table, and relative to %d tables (1.00 = linear)\n", base.Tables)
	tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tables\tms per table\t× of smallest\tsqlc whole ms per table\t× of smallest\t")
	basePer := base.seconds(func(g GenRound) time.Duration { return g.Full }).Median / float64(base.Tables)
	baseWhole := base.seconds(func(g GenRound) time.Duration { return g.SQLCWhole }).Median / float64(base.Tables)
	for _, s := range r.Sizes {
		per := s.seconds(func(g GenRound) time.Duration { return g.Full }).Median / float64(s.Tables)
		whole := s.seconds(func(g GenRound) time.Duration { return g.SQLCWhole }).Median / float64(s.Tables)
		fmt.Fprintf(tw, "%d\t%.1f\t%.2f\t%.1f\t%.2f\t\n", s.Tables, per*1000, ratio(per, basePer), whole*1000, ratio(whole, baseWhole))
	}
	tw.Flush()
	return ew.err
}

// Ratios returns the spreads of full ÷ sqlc whole, no-op ÷ full and full ÷
// sqlc user, each computed round by round.
func (s GenSize) Ratios() (fullOverWhole, noopOverFull, fullOverUser Spread) {
	var fw, nf, fu []float64
	for _, g := range s.Rounds {
		fw = append(fw, ratio(g.Full.Seconds(), g.SQLCWhole.Seconds()))
		nf = append(nf, ratio(g.NoOp.Seconds(), g.Full.Seconds()))
		fu = append(fu, ratio(g.Full.Seconds(), g.SQLCUser.Seconds()))
	}
	return SpreadOf(fw), SpreadOf(nf), SpreadOf(fu)
}

func (s GenSize) seconds(f func(GenRound) time.Duration) Spread {
	var xs []float64
	for _, g := range s.Rounds {
		xs = append(xs, f(g).Seconds())
	}
	return SpreadOf(xs)
}

func (s GenSize) mib(f func(GenRound) int64) Spread {
	var xs []float64
	for _, g := range s.Rounds {
		xs = append(xs, mib(f(g)))
	}
	return SpreadOf(xs)
}

// fmtSpread prints "median (min–max)", or the median alone for one round.
func fmtSpread(s Spread, verb string) string {
	if s.Min == s.Max {
		return fmt.Sprintf(verb, s.Median)
	}
	return fmt.Sprintf(verb+" ("+verb+"–"+verb+")", s.Median, s.Min, s.Max)
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func fmtSec(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }

// selfRSS returns this process's resident memory in MiB, from
// /proc/self/status; 0 where there is none.
func selfRSS() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kib float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%f kB", &kib); err == nil {
				return kib / 1024
			}
		}
	}
	return 0
}
