// Command bench measures what tenantc's runtime costs per call, against plain
// sqlc with a hand-written tenant predicate and against the naive
// BEGIN / set_config / query / COMMIT, and prints one report:
//
//	go run ./bench --database-url postgres://postgres@127.0.0.1:5432/postgres
//
// After the runtime report it measures RLS at scale (--scale): the same
// calls on 100 000 and 1 000 000 rows of 1000 tenants, in pgx's default and
// PgBouncer's exec mode, and how the ratios move between the sizes.
//
// It runs from the repository root (or --dir) and needs a superuser URL
// (--database-url, else DATABASE_URL): it creates a throwaway database and two
// non-superuser roles, and drops them when it ends, also after an error or
// Ctrl-C. See internal/benchkit for what is measured and docs/BENCHMARKS.md
// for figures.
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
	// Prepare runs tenantc generate, which re-executes this binary to run
	// sqlc; in that child this runs sqlc and exits.
	sqlcrun.Child()
	os.Exit(run())
}

func run() (code int) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var (
		dbURL    = fs.String("database-url", "", "superuser postgres:// URL (default: $DATABASE_URL)")
		dir      = fs.String("dir", ".", "tenantc project directory: the example app's schema and gen/migrations")
		duration = fs.Duration("duration", 3*time.Second, "measured time per variant × op × callers")
		warmup   = fs.Duration("warmup", 500*time.Millisecond, "warm-up per variant × op × callers")
		rounds   = fs.Int("rounds", 3, "turns the measured time is split into, the variants taking turns")
		tenants  = fs.Int("tenants", 50, "tenants to seed")
		projects = fs.Int("projects", 2000, "projects per tenant")
		conns    = fs.Int("conns", 32, "MaxConns of the application pool")
		page     = fs.Int("page-size", 50, "LIMIT of the List calls")
		callers  = fs.String("callers", "1,32", "concurrent callers, comma-separated")
		variants = fs.String("variants", strings.Join(benchkit.VariantNames, ","), "variants to run (plain always runs)")
		explain  = fs.Bool("explain", false, "add EXPLAIN ANALYZE of the RLS and plain queries to the report")
		prepOnly = fs.Bool("prepare-only", false, "create and seed the database, print its URLs and how to drop it, and exit: nothing is measured or dropped")
		scale    = fs.String("scale", "100000,1000000", "RLS at scale: rows of projects, comma-separated, one database each (none to skip)")
		scaleTen = fs.Int("scale-tenants", 1000, "RLS at scale: tenants the rows are spread over")
	)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	url := *dbURL
	if url == "" {
		url = os.Getenv("DATABASE_URL")
	}
	if url == "" {
		fmt.Fprintln(os.Stderr, "bench: no database: pass --database-url or set DATABASE_URL to a superuser postgres:// URL")
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
	for _, c := range strings.Split(*callers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: --callers: %q is not a positive number\n", c)
			return 2
		}
		cfg.Callers = append(cfg.Callers, n)
	}
	var scaleRows []int
	if *scale != "none" && *scale != "" {
		for _, c := range strings.Split(*scale, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(c))
			if err != nil || n <= 0 || *scaleTen <= 0 || n%*scaleTen != 0 {
				fmt.Fprintf(os.Stderr, "bench: --scale: %q is not a positive multiple of --scale-tenants (%d)\n", c, *scaleTen)
				return 2
			}
			scaleRows = append(scaleRows, n)
		}
	}
	if *conns <= 0 || *conns > 1<<16 || *page <= 0 || *page > 1<<20 || *tenants <= 0 || *projects <= 0 {
		fmt.Fprintln(os.Stderr, "bench: --conns, --page-size, --tenants and --projects must be positive")
		return 2
	}

	// Ctrl-C or SIGTERM cancels ctx: the statement running stops, and the
	// deferred Close drops the database and roles on its own timeout.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := benchkit.Prepare(ctx, url, *dir, benchkit.Options{
		Tenants: *tenants, Projects: *projects, MaxConns: int32(*conns), PageSize: int32(*page), Log: os.Stderr,
	})
	if err != nil { // Prepare cleaned up after itself
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if *prepOnly {
		env.Pool.Close()
		fmt.Printf("admin URL: %s\napp URL:   %s\ndrop with (as a superuser, connected elsewhere):\n"+
			"  DROP DATABASE %s WITH (FORCE); DROP ROLE %s, %s;\n", env.AdminURL, env.AppURL, env.Name, env.Owner, env.App)
		return 0
	}
	defer func() {
		fmt.Fprintf(os.Stderr, "bench: dropping database %s and its roles\n", env.Name)
		if err := env.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			code = 1
		}
	}()

	rep, err := benchkit.Run(ctx, env, cfg)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if err := rep.Write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if len(scaleRows) == 0 {
		return 0
	}

	// RLS at scale: the same calls on bigger tables, in both exec modes.
	// Each size gets a database of its own, dropped before the next.
	scaleCfg := cfg
	scaleCfg.Variants, scaleCfg.Callers, scaleCfg.Explain = nil, nil, false
	srep, err := benchkit.RunScale(ctx, url, *dir, benchkit.ScaleConfig{
		Rows: scaleRows, Tenants: *scaleTen, Run: scaleCfg,
		Options: benchkit.Options{MaxConns: int32(*conns), PageSize: int32(*page), Log: os.Stderr},
	})
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	fmt.Println()
	if err := srep.Write(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	return 0
}
