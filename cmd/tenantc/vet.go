package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/report"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// runVet is tenantc vet: the rules that can be judged from the SQL alone, with no
// database and nothing written. Exit 0 when no finding is an error, 1 when one
// is, 2 when vet could not run.
func runVet(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("vet", stderr)
	project := addProjectFlags(fs)
	format := fs.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	rules := ruleFlags{}
	fs.Var(rules, "rule", "change a rule's severity, NAME=error|warning|off (repeatable)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !slices.Contains(report.Formats, *format) {
		return &exitError{code: 2, msg: fmt.Sprintf("tenantc vet: unknown --format %q (want %s)", *format, strings.Join(report.Formats, ", "))}
	}

	dir, sqlcFile, err := project.resolve(fs)
	if err != nil {
		return err
	}
	res, err := generator.Vet(generator.Options{Dir: dir, SQLCFile: sqlcFile, Rules: rules})
	if err != nil {
		var list diag.ErrorList
		if errors.As(err, &list) {
			return &exitError{code: 2, msg: list.Error() + "\ntenantc vet: the configuration is invalid; nothing was checked"}
		}
		return &exitError{code: 2, msg: "tenantc vet: " + err.Error()}
	}
	if err := report.Write(stdout, *format, "tenantc vet", rule.All, res.Diagnostics); err != nil {
		return &exitError{code: 2, msg: "tenantc vet: " + err.Error()}
	}
	if res.Diagnostics.HasErrors() {
		return &exitError{code: 1}
	}
	return nil
}
