// Command bench measures what tenantc costs, against what a team would
// otherwise write, and prints one report of ratios, each as the median and
// range over rounds run in the same process:
//
//	go run ./bench --database-url postgres://postgres@127.0.0.1:5432/postgres
//
// Its sections (--sections, default all):
//
//   - runtime: the generated repositories' calls against plain sqlc with a
//     hand-written tenant predicate on a table without RLS, and against the
//     naive BEGIN / set_config / query / COMMIT, at 1 and 32 callers, with
//     round trips and CPU per call of the client and the server.
//   - scale: the same calls on 100 000 and 1 000 000 rows of 1000 tenants
//     (--scale), in pgx's default and PgBouncer's exec mode, and how the
//     ratios move between the sizes.
//   - generate: tenantc generate on synthetic projects of 100, 250 and 500
//     tables (--generate, internal/synthapp), a full run and a no-op rerun,
//     against plain sqlc generate on the same user input and on tenantc's
//     whole input (user + standard queries + migrations), --gen-rounds
//     rounds, each run a child process, with its peak RSS.
//
// The generation benchmark alone needs no URL:
//
//	go run ./bench --sections generate --generate 100,250,500 --gen-rounds 3
//
// It runs from the repository root (or --dir) and needs a superuser URL
// (--database-url, else DATABASE_URL) for the database sections: each
// creates a throwaway database and two non-superuser roles, and drops them
// when it ends, also after an error or Ctrl-C. See internal/benchkit for
// what is measured and docs/BENCHMARKS.md for figures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tenantc/tenantc/internal/benchkit"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

func main() {
	// Prepare and the generation benchmark run tenantc generate, which
	// re-executes this binary to run sqlc; in that child this runs sqlc and
	// exits.
	sqlcrun.Child()
	// The generation benchmark runs tenantc generate in a child of this
	// binary, so its time and memory are its own; in that child this runs
	// generate and exits.
	benchkit.GenerateChild()
	os.Exit(run())
}

// sections, in the order they run and print.
var sections = []string{"runtime", "scale", "generate"}

func run() (code int) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var (
		dbURL    = fs.String("database-url", "", "superuser postgres:// URL (default: $DATABASE_URL)")
		dir      = fs.String("dir", ".", "tenantc project directory: the example app's schema and gen/migrations")
		only     = fs.String("sections", strings.Join(sections, ","), "sections to run, comma-separated")
		duration = fs.Duration("duration", 3*time.Second, "measured time per variant × op × callers")
		warmup   = fs.Duration("warmup", 500*time.Millisecond, "warm-up per variant × op × callers")
		rounds   = fs.Int("rounds", 3, "turns the measured time is split into, the variants taking turns")
		tenants  = fs.Int("tenants", 50, "runtime: tenants to seed")
		projects = fs.Int("projects", 2000, "runtime: projects per tenant")
		conns    = fs.Int("conns", 32, "MaxConns of the application pool")
		page     = fs.Int("page-size", 50, "LIMIT of the List calls")
		callers  = fs.String("callers", "1,32", "runtime: concurrent callers, comma-separated")
		variants = fs.String("variants", strings.Join(benchkit.VariantNames, ","), "runtime: variants to run (plain always runs)")
		explain  = fs.Bool("explain", false, "runtime: add EXPLAIN ANALYZE of the RLS and plain queries to the report")
		prepOnly = fs.Bool("prepare-only", false, "create and seed the runtime database, print its URLs and how to drop it, and exit: nothing is measured or dropped")
		scale    = fs.String("scale", "100000,1000000", "scale: rows of projects, comma-separated, one database each")
		scaleTen = fs.Int("scale-tenants", 1000, "scale: tenants the rows are spread over")
		generate = fs.String("generate", "100,250,500", "generate: tables of the synthetic projects, comma-separated")
		genRound = fs.Int("gen-rounds", 3, "generate: rounds per size; ratios are computed round by round")
	)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		if !slices.Contains(sections, s) {
			fmt.Fprintf(os.Stderr, "bench: --sections: unknown section %q; known: %s\n", s, strings.Join(sections, ","))
			return 2
		}
		want[s] = true
	}
	url := *dbURL
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" && (want["runtime"] || want["scale"]) {
		fmt.Fprintln(os.Stderr, "bench: no database: pass --database-url or set DATABASE_URL to a superuser postgres:// URL (or --sections generate)")
		return 2
	}
	cfg := benchkit.Config{
		Duration: *duration, Warmup: *warmup, Rounds: *rounds,
		Variants: strings.Split(*variants, ","), Explain: *explain,
		Seed: uint64(time.Now().UnixNano()), Progress: os.Stderr,
	}
	for _, v := range cfg.Variants {
		if !slices.Contains(benchkit.VariantNames, v) {
			fmt.Fprintf(os.Stderr, "bench: --variants: unknown variant %q; known: %s\n", v, strings.Join(benchkit.VariantNames, ","))
			return 2
		}
	}
	var err error
	if cfg.Callers, err = positives(*callers); err != nil {
		fmt.Fprintln(os.Stderr, "bench: --callers:", err)
		return 2
	}
	scaleRows, err := positives(*scale)
	if err == nil && *scaleTen <= 0 {
		err = errors.New("--scale-tenants must be positive")
	}
	for _, n := range scaleRows {
		if err == nil && n%*scaleTen != 0 {
			err = fmt.Errorf("%d is not a multiple of --scale-tenants (%d)", n, *scaleTen)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: --scale:", err)
		return 2
	}
	genTables, err := positives(*generate)
	if err == nil && slices.Min(genTables) < 3 {
		err = errors.New("a synthetic project needs at least 3 tables")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: --generate:", err)
		return 2
	}
	if *genRound <= 0 {
		fmt.Fprintln(os.Stderr, "bench: --gen-rounds must be positive")
		return 2
	}
	if *conns <= 0 || *conns > 1<<16 || *page <= 0 || *page > 1<<20 || *tenants <= 0 || *projects <= 0 {
		fmt.Fprintln(os.Stderr, "bench: --conns, --page-size, --tenants and --projects must be positive")
		return 2
	}

	// Ctrl-C or SIGTERM cancels ctx: the statement running stops, and the
	// deferred Closes drop the databases and roles on their own timeout.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fail := func(err error) int {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	opts := benchkit.Options{Tenants: *tenants, Projects: *projects, MaxConns: int32(*conns), PageSize: int32(*page), Log: os.Stderr}

	if *prepOnly {
		env, err := benchkit.Prepare(ctx, url, *dir, opts)
		if err != nil { // Prepare cleaned up after itself
			return fail(err)
		}
		env.Pool.Close()
		fmt.Printf("admin URL: %s\napp URL:   %s\ndrop with (as a superuser, connected elsewhere):\n"+
			"  DROP DATABASE %s WITH (FORCE); DROP ROLE %s, %s;\n", env.AdminURL, env.AppURL, env.Name, env.Owner, env.App)
		return 0
	}

	printed := false
	section := func() {
		if printed {
			fmt.Println()
		}
		printed = true
	}
	if want["runtime"] {
		rep, err := runtimeSection(ctx, url, *dir, opts, cfg)
		if err != nil {
			return fail(err)
		}
		section()
		if err := rep.Write(os.Stdout); err != nil {
			return fail(err)
		}
	}
	if want["scale"] {
		// The same calls on bigger tables, in both exec modes, at one
		// caller. Each size gets a database of its own, dropped before the
		// next is seeded.
		scaleCfg := cfg
		scaleCfg.Variants, scaleCfg.Callers, scaleCfg.Explain = nil, nil, false
		opts.Log = os.Stderr
		rep, err := benchkit.RunScale(ctx, url, *dir, benchkit.ScaleConfig{Rows: scaleRows, Tenants: *scaleTen, Run: scaleCfg, Options: opts})
		if err != nil {
			return fail(err)
		}
		section()
		if err := rep.Write(os.Stdout); err != nil {
			return fail(err)
		}
	}
	if want["generate"] {
		rep, err := benchkit.Generate(ctx, benchkit.GenConfig{Tables: genTables, Rounds: *genRound, Progress: os.Stderr})
		if err != nil {
			return fail(err)
		}
		section()
		if err := rep.Write(os.Stdout); err != nil {
			return fail(err)
		}
	}
	return 0
}

// runtimeSection prepares the runtime database, runs cfg on it and drops it.
func runtimeSection(ctx context.Context, url, dir string, opts benchkit.Options, cfg benchkit.Config) (_ *benchkit.Report, err error) {
	env, err := benchkit.Prepare(ctx, url, dir, opts)
	if err != nil { // Prepare cleaned up after itself
		return nil, err
	}
	defer func() {
		fmt.Fprintf(os.Stderr, "bench: dropping database %s and its roles\n", env.Name)
		err = errors.Join(err, env.Close())
	}()
	return benchkit.Run(ctx, env, cfg)
}

// positives reads a comma-separated list of positive numbers.
func positives(list string) ([]int, error) {
	var out []int
	for _, c := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", c)
		}
		out = append(out, n)
	}
	return out, nil
}
