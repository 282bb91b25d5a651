package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/report"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// connectTimeout bounds connecting to the database checked.
const connectTimeout = 15 * time.Second

// schemaFlags collects --schema NAME.
type schemaFlags []string

func (s *schemaFlags) String() string { return strings.Join(*s, ",") }

func (s *schemaFlags) Set(v string) error {
	if v == "" {
		return errors.New("empty schema name")
	}
	*s = append(*s, v)
	return nil
}

// runCheck is tenantc check: it judges a live database — its catalog through
// the rules generate and vet apply to SQL, plus the rules only a database can
// answer, and with --probe a live cross-tenant probe. Exit 0 when no finding
// is an error, 1 when one is, 2 when the check could not run.
func runCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check", stderr)
	dbURL := fs.String("database-url", "", "PostgreSQL URL of the database to check (default: $DATABASE_URL)")
	format := fs.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	role := fs.String("role", "", "the application role to judge and probe as (default: roles.app of tenantc.yaml when it has roles:, else the connected role)")
	dir := fs.String("dir", ".", "project directory; its tenantc.yaml, if any, names the tenant table, column, setting and global tables")
	probe := fs.Bool("probe", false, "also try cross-tenant reads and writes as the application role, in a transaction that is rolled back")
	var schemas schemaFlags
	fs.Var(&schemas, "schema", "schema to check (repeatable; default: every non-system schema)")
	rules := ruleFlags{}
	fs.Var(rules, "rule", "change a rule's severity, NAME=error|warning|off (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !slices.Contains(report.Formats, *format) {
		return &exitError{code: 2, msg: fmt.Sprintf("tenantc check: unknown --format %q (want %s)", *format, strings.Join(report.Formats, ", "))}
	}
	if *dbURL == "" {
		*dbURL = os.Getenv("DATABASE_URL")
	}
	if *dbURL == "" {
		return &exitError{code: 2, msg: "tenantc check: --database-url is required (or DATABASE_URL)"}
	}
	cfg, err := config.Load(*dir)
	if err != nil {
		var list diag.ErrorList
		if errors.As(err, &list) {
			return &exitError{code: 2, msg: list.Error() + "\ntenantc check: the configuration is invalid; nothing was checked"}
		}
		return &exitError{code: 2, msg: "tenantc check: " + err.Error()}
	}

	ctx := context.Background()
	connCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	conn, err := pgx.Connect(connCtx, *dbURL)
	cancel()
	if err != nil {
		return &exitError{code: 2, msg: "tenantc check: connect: " + err.Error()}
	}
	defer conn.Close(context.WithoutCancel(ctx))

	res, err := audit.Check(ctx, conn, audit.Options{Config: cfg, Role: *role, Schemas: schemas, Rules: rules, Probe: *probe})
	var list diag.ErrorList
	if errors.As(err, &list) { // tenantc.yaml overrides a rule that does not exist
		return &exitError{code: 2, msg: list.Error() + "\ntenantc check: the configuration is invalid; nothing was checked"}
	}
	if err != nil {
		return &exitError{code: 2, msg: "tenantc check: " + err.Error()}
	}
	if err := report.Write(stdout, *format, "tenantc check", rule.All, res.Diagnostics); err != nil {
		return &exitError{code: 2, msg: "tenantc check: " + err.Error()}
	}
	if res.Diagnostics.HasErrors() {
		return &exitError{code: 1}
	}
	return nil
}
