package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// ruleFlags collects --rule NAME=SEVERITY.
type ruleFlags map[string]diag.Severity

func (r ruleFlags) String() string { return "" }

func (r ruleFlags) Set(v string) error {
	name, sev, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want NAME=SEVERITY, e.g. key-without-tenant=warning")
	}
	s, err := diag.ParseSeverity(sev)
	if err != nil {
		return err
	}
	if _, ok := rule.Find(name); !ok {
		return fmt.Errorf("unknown rule %q (tenantc rules lists them)", name)
	}
	r[name] = s
	return nil
}

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr)
	check := fs.Bool("check", false, "write nothing; list what would change and exit 1 if anything would")
	project := addProjectFlags(fs)
	rules := ruleFlags{}
	fs.Var(rules, "rule", "change a rule's severity, NAME=error|warning|off (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	projectDir, sqlcFile, err := project.resolve(fs)
	if err != nil {
		return err
	}
	dir := &projectDir

	// An interrupt stops sqlc's child and ends the run without writing; a
	// second one kills tenantc at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	var stage *output.Stager // files go to disk under temporary names while the run goes on
	if !*check {
		stage = output.Stage(*dir)
		defer stage.Discard()
	}
	res, err := generator.Run(ctx, generator.Options{Dir: *dir, SQLCFile: sqlcFile, Rules: rules, Stage: stage})
	if ctx.Err() != nil {
		return &exitError{code: 1, msg: "tenantc: interrupted; nothing was written"}
	}
	printDiagnostics(stderr, res, err)
	var list diag.ErrorList
	if errors.As(err, &list) {
		n := diag.List(list).Count(diag.Error)
		return &exitError{code: 1, msg: fmt.Sprintf("tenantc: %d error(s); nothing was written", n)}
	}
	if err != nil {
		return err
	}

	if *check {
		changes, err := output.Diff(*dir, res.Files, res.Prune...)
		if err != nil {
			return err
		}
		for _, c := range changes {
			fmt.Fprintln(stdout, "would "+c.String())
		}
		if len(changes) > 0 {
			return &exitError{code: 1, msg: fmt.Sprintf("tenantc: generated files are stale: %d would change; run 'go generate ./...'", len(changes))}
		}
		fmt.Fprintln(stderr, summary(res, "up to date"))
		return nil
	}
	changes, err := stage.Write(res.Files, res.Prune...)
	if err != nil {
		return err
	}
	for _, c := range changes {
		fmt.Fprintln(stdout, c.String())
	}
	fmt.Fprintln(stderr, summary(res, fmt.Sprintf("%d files written", len(changes))))
	return nil
}

// printDiagnostics prints every diagnostic of the run: the result's and those of
// an error list the run returned without a result (a tenantc.yaml that did not
// load). A count of errors with no error to read is what a user cannot act on.
func printDiagnostics(w io.Writer, res *generator.Result, err error) {
	var printed diag.List
	if res != nil {
		printed = res.Diagnostics
	}
	for _, d := range printed {
		fmt.Fprintln(w, d)
	}
	var list diag.ErrorList
	if !errors.As(err, &list) {
		return
	}
	for _, d := range list {
		if !slices.ContainsFunc(printed, func(p diag.Diagnostic) bool { return p.String() == d.String() }) {
			fmt.Fprintln(w, d)
		}
	}
}

// summary is the one line generate ends with: what the schema holds and what the
// run did about it. Its counts describe the project, not the run, so two
// identical runs print the same numbers but for the outcome: migrations
// written earlier are not in res.Files, so they are not counted as files.
func summary(res *generator.Result, outcome string) string {
	migrationFiles := newMigrationFiles(res)
	return fmt.Sprintf("tenantc: %s; %d new migration(s); %d other generated files; %s; %d warning(s)",
		tableCounts(res), newMigrations(res), len(res.Files)-migrationFiles, outcome, res.Diagnostics.Count(diag.Warning))
}

// tableCounts says how many tables the schema has and what tenantc made of
// them. With no tenant table (tenant-root turned off) no table is classified:
// it says so rather than "0 tables ()", which read as an empty schema.
func tableCounts(res *generator.Result) string {
	if res.Model == nil || len(res.Model.Tables) == 0 {
		n := 0
		if res.Catalog != nil {
			n = len(res.Catalog.Tables)
		}
		if n == 0 {
			return "no tables in the schema"
		}
		return fmt.Sprintf("%d tables, none protected: no tenant table, so no row level security was generated", n)
	}
	counts := map[tenancy.Kind]int{}
	for _, t := range res.Model.Tables {
		counts[t.Kind]++
	}
	var parts []string
	for _, k := range []tenancy.Kind{tenancy.Root, tenancy.Scoped, tenancy.Owned, tenancy.Global, tenancy.Unclassified} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	return fmt.Sprintf("%d tables (%s)", len(res.Model.Tables), strings.Join(parts, ", "))
}

// newMigrations counts the migrations this run planned: one per table that
// lacked its RLS, the organization store's and the tenant setter's.
func newMigrations(res *generator.Result) int {
	n := len(res.Migrations) + len(res.Backfills)
	if res.StoreMigration != nil {
		n++
	}
	if res.SetterMigration != nil {
		n++
	}
	return n
}

// newMigrationFiles counts the files of the migrations this run planned.
func newMigrationFiles(res *generator.Result) int {
	n := 0
	if res.StoreMigration != nil {
		n += len(res.StoreMigration.Files)
	}
	if res.SetterMigration != nil {
		n += len(res.SetterMigration.Files)
	}
	for _, m := range res.Migrations {
		n += len(m.Files)
	}
	for _, m := range res.Backfills {
		n += len(m.Files)
	}
	return n
}
