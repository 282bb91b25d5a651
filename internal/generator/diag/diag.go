// Package diag holds located diagnostics: what is wrong, where, which rule says so,
// and how to fix it. Every stage reports through it, so a run prints all of its
// problems at once, in file order.
//
// Every stage returns its diagnostics one way: as a List after what it
// produced — (T, List), (T, List, error), or a List alone for a stage that only
// judges (tenancy.CheckPolicies). The List holds every problem of the input,
// located, with the name of the rule that found it and that rule's default
// severity; the caller applies the project's severities (package severity)
// and decides whether errors stop the run. The error is only for a run that
// could not happen — a file that cannot be read, a child process or a
// database that fails — never for bad input, which is a diagnostic.
//
// A List becomes an error (List.Err, an ErrorList) only where nothing can go
// on: config.Load, whose problems leave no configuration to run with; an
// entry point that stops on errors (generator.Run, which also keeps them in
// its Result); and tenantc check given overrides of rules that do not exist.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/source"
)

// Severity says whether a diagnostic fails the run.
type Severity int

const (
	Off Severity = iota
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	default:
		return "off"
	}
}

// ParseSeverity reads "error", "warning" or "off".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "off", "ignore":
		return Off, nil
	}
	return Off, fmt.Errorf("unknown severity %q (want error, warning or off)", s)
}

// Diagnostic is one finding.
type Diagnostic struct {
	// Pos is where the SQL says it; for a finding on a live database (tenantc
	// check) it is empty and Object names what is wrong.
	Pos source.Pos
	// Object names the database object concerned, e.g. "public.projects" or
	// "role app"; optional for diagnostics with a Pos.
	Object string
	// Table is the table the finding is about, schema-qualified as
	// catalog.Name.String() gives it ("public.api_keys"); empty when it is
	// about no one table. Per-table rule overrides match on it.
	Table    string
	Severity Severity
	// Rule is the stable kebab-case name of the rule that found it, e.g.
	// "nullable-tenant-column"; config files use it to change a rule's severity.
	Rule    string
	Message string
	// Fix says what to change, as SQL where SQL fixes it.
	Fix string
}

// String renders the diagnostic as "file:line:col: severity: message [rule]"
// followed by an indented fix line.
func (d Diagnostic) String() string {
	var b strings.Builder
	where := d.Pos.String()
	if !d.Pos.IsValid() && d.Object != "" {
		where = d.Object
	}
	fmt.Fprintf(&b, "%s: %s: %s", where, d.Severity, d.Message)
	if d.Rule != "" {
		fmt.Fprintf(&b, " [%s]", d.Rule)
	}
	if d.Fix != "" {
		for _, line := range strings.Split(d.Fix, "\n") {
			b.WriteString("\n\t")
			b.WriteString(line)
		}
	}
	return b.String()
}

// List is the diagnostics of a run.
type List []Diagnostic

// Add appends a diagnostic.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Errorf appends an error without a rule (syntax errors, unreadable input).
func (l *List) Errorf(pos source.Pos, format string, args ...any) {
	l.Add(Diagnostic{Pos: pos, Severity: Error, Message: fmt.Sprintf(format, args...)})
}

// HasErrors reports whether any diagnostic has severity Error.
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(d Diagnostic) bool { return d.Severity == Error })
}

// Count returns how many diagnostics have severity s.
func (l List) Count(s Severity) int {
	n := 0
	for _, d := range l {
		if d.Severity == s {
			n++
		}
	}
	return n
}

// Sort orders diagnostics by file, line and column, then rule, so output is stable.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Object, b.Object),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Err returns the list as an error when it holds errors, else nil.
func (l List) Err() error {
	if !l.HasErrors() {
		return nil
	}
	return ErrorList(l)
}

// ErrorList is a List used as an error: every diagnostic, one per line.
type ErrorList List

func (e ErrorList) Error() string {
	lines := make([]string, len(e))
	for i, d := range e {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}
