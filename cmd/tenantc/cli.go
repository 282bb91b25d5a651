package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand. run returns an error for the caller to print;
// errExitCode carries a non-zero exit without more to say.
type command struct {
	name  string
	short string
	run   func(args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"init", "propose a commented tenantc.yaml for an existing schema: the tenant root and every table's class", runInit},
	{"generate", "generate row level security migrations for the schema", runGenerate},
	{"vet", "check the schema's row level security and the queries, from the SQL alone", runVet},
	{"check", "audit a live database: row level security, roles, grants; --probe tries to cross tenants", runCheck},
	{"rules", "list every rule: its name, default severity, the commands that apply it, what it catches", runRules},
	{"demo", "see tenantc work: a scratch database, two organizations, what each tenant sees and what is refused", runDemo},
	{"version", "print tenantc's version and the sqlc it links", runVersion},
	{"help", "show a command's usage: tenantc help <command>", nil},
}

// usageTexts are each command's usage line and description, printed by -h
// and by tenantc help <command> above the flags. Kept apart from commands
// because newFlagSet, called by the commands, reads them.
var usageTexts = map[string]string{
	"generate": `Usage: tenantc generate [--check] [--dir DIR | -f SQLC_CONFIG] [--rule NAME=SEVERITY]...

Reads the project in DIR: tenantc.yaml (optional: the tenant table, column and
setting, the global tables, the migrations directory and format, rule
severities, the organization store) and sqlc.yaml (the schema, query and output
paths; without it only migrations are written). It writes the row level
security migrations every tenant table lacks, the standard queries, sqlc's code
and the tenant-scoped repositories. Every diagnostic is printed; any error
writes nothing. 'tenantc rules' lists the rules --rule and tenantc.yaml's
rules: name.`,
	"init": `Usage: tenantc init [--dir DIR | -f SQLC_CONFIG] [--database-url URL] [--dry-run] [--force]

Reads the project's schema as generate does (or, with --database-url, a live
database's), finds the tenant root and column or proposes them, and writes a
commented tenantc.yaml that lists every table as scoped, scoped through
foreign keys (backfilled), global or undecided, each with the reason. An
existing tenantc.yaml is replaced only with --force; --dry-run prints the
file and writes nothing. Review the file, then run tenantc generate.`,
	"vet": `Usage: tenantc vet [--dir DIR | -f SQLC_CONFIG] [--format text|json|sarif] [--rule NAME=SEVERITY]...

Judges the schema, the migrations directory and the queries as the SQL says,
without a database and writing nothing. Exit 0 when clean, 1 when a finding is
an error, 2 when vet could not run. 'tenantc rules' lists the rules.`,
	"check": `Usage: tenantc check --database-url URL --role APP_ROLE [--probe] [--format text|json|sarif] [--dir DIR] [--schema NAME]... [--rule NAME=SEVERITY]...

Audits a live database as the application role (--role: the role your
application connects as; without it, the connected role): the rules vet
applies, plus the roles, grants, functions and settings only a database shows.
--probe tries every cross-tenant read and write as that role, in a transaction
that is always rolled back. Exit 0 when clean, 1 when a finding is an error,
2 when check could not run. 'tenantc rules' lists the rules.`,
	"rules": `Usage: tenantc rules

Lists every rule: its name (what --rule and tenantc.yaml's rules: take), its
default severity, the commands that apply it and what it catches.`,
	"demo": `Usage: tenantc demo --database-url URL [--keep]

The one-command proof: creates a scratch database and three roles (owner,
application, system) through URL, applies this repository's example (schema/,
gen/migrations/ and README's grants), creates two organizations through the
generated store, invites a member, sends requests through tenant.Middleware to
handlers on the generated repositories, tries to cross tenants over HTTP and
in SQL, and prints what each tenant saw and what was refused. Then it drops
the database and roles (also on failure and Ctrl-C); --keep leaves them. URL
connects as a superuser or, on PostgreSQL 16+, a role with CREATEDB, CREATEROLE
and BYPASSRLS.
Exit 0 when isolation held, 1 when it did not, 2 when the demo could not run.`,
	"version": `Usage: tenantc version

Prints tenantc's version, the sqlc release linked into it and the Go it was
built with.`,
	"help": `Usage: tenantc help [command]`,
}

// exitError ends the process with code after its message (if any) is printed.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// run dispatches to a subcommand and turns its error into an exit code: 2 for
// usage errors, 1 for everything else.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "help":
		return runHelp(args[1:], stdout, stderr)
	case "--version", "-version":
		args = []string{"version"}
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		err := c.run(args[1:], stdout, stderr)
		var ee *exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ee):
			if ee.msg != "" {
				fmt.Fprintln(stderr, ee.msg)
			}
			return ee.code
		default:
			fmt.Fprintln(stderr, "tenantc:", err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "tenantc: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "tenantc: the tenant compiler for Go and PostgreSQL\n\nUsage: tenantc <command> [flags]\n\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nRun 'tenantc help <command>' (or 'tenantc <command> -h') for a command's usage and flags.")
	fmt.Fprintln(w, "The project is configured by tenantc.yaml and sqlc.yaml; README.md describes both.")
}

// runHelp is tenantc help [command]: the command's usage, as -h prints it.
func runHelp(args []string, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stderr)
		return 0
	case len(args) > 1:
		fmt.Fprintf(stderr, "tenantc help: want one command, got %q\n", strings.Join(args, " "))
		return 2
	case args[0] == "help":
		fmt.Fprintln(stderr, usageTexts["help"])
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return run([]string{c.name, "-h"}, stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "tenantc help: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// newFlagSet returns a flag set that reports errors instead of exiting and
// whose -h prints the command's usage text above its flags.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tenantc "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, usageTexts[name])
		if hasFlags(fs) {
			fmt.Fprintln(stderr, "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	found := false
	fs.VisitAll(func(*flag.Flag) { found = true })
	return found
}

// parseFlags parses args and refuses stray positional arguments.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: unexpected argument %q", fs.Name(), strings.Join(fs.Args(), " "))}
	}
	return nil
}
