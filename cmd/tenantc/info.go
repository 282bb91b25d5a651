package main

import (
	"context"
	"fmt"
	"io"
	"runtime"

	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/version"
)

// runVersion is tenantc version: tenantc's version as generated files name it
// (see version.Tenantc), the commit when the binary was built from a checkout,
// and the sqlc and Go it was built with.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("version", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v := version.Tenantc()
	if rev := version.Revision(); rev != "" {
		v += " " + rev
	}
	sqlc, err := sqlcrun.Version(context.Background())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "tenantc %s; sqlc %s; %s\n", v, sqlc, runtime.Version())
	return nil
}

// runRules is tenantc rules: every rule a command applies, so that "unknown
// rule" and the severities of tenantc.yaml's rules: can be looked up.
func runRules(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rules", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, r := range rule.All {
		fmt.Fprintf(stdout, "%s (%s; %s)\n\t%s\n", r.Name, r.Severity, r.Commands, r.Summary)
	}
	return nil
}
