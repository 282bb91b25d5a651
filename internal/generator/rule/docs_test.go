package rule_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/report"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// docRow is one rule as a table of the docs states it.
type docRow struct {
	severity string // the first word of the severity column: "error", "warning"
	runs     string // the commands column ("g v c"), as rule.Commands names them; empty without one
}

// docRules reads the rows of the markdown tables in doc whose header's first
// column is header ("code", "rule") and whose rows name a rule in backquotes,
// keyed by that name.
func docRules(t *testing.T, doc, header, severityColumn string) map[string]docRow {
	t.Helper()
	rows := map[string]docRow{}
	var cols []string // the header of the table being read; nil outside one
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = nil
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		switch {
		case cells[0] == header:
			cols = cells
		case cols == nil, !strings.HasPrefix(cells[0], "`"): // not a table of rules (exit codes), or its --- line
		default:
			name := strings.Trim(cells[0], "`")
			_, dup := rows[name]
			require.False(t, dup, "%s has two rows", name)
			var row docRow
			for i, c := range cols {
				switch {
				case i >= len(cells):
				case c == severityColumn:
					row.severity, _, _ = strings.Cut(cells[i], " ")
				case c == "runs":
					row.runs = cells[i]
				}
			}
			rows[name] = row
		}
	}
	return rows
}

// runs is how docs/CHECKS.md writes c: "g v c".
func runs(c rule.Commands) string {
	var short []string
	for _, name := range c.Names() {
		short = append(short, name[:1])
	}
	return strings.Join(short, " ")
}

// TestChecksDocumented: docs/CHECKS.md has one row for every rule, with its
// default severity and the commands that apply it, and no row for a rule
// that does not exist; it explains report's input-error too.
func TestChecksDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/CHECKS.md")
	require.NoError(t, err)
	rows := docRules(t, string(doc), "code", "severity")
	for _, r := range rule.All {
		row, ok := rows[r.Name]
		if !assert.True(t, ok, "docs/CHECKS.md has no row for %s", r.Name) {
			continue
		}
		assert.Equal(t, r.Severity.String(), row.severity, "docs/CHECKS.md: severity of %s", r.Name)
		assert.Equal(t, runs(r.Commands), row.runs, "docs/CHECKS.md: commands of %s", r.Name)
		delete(rows, r.Name)
	}
	assert.Empty(t, rows, "docs/CHECKS.md documents rules that do not exist")
	assert.Contains(t, string(doc), "`"+report.NoRule+"`")
}

// TestReadmeDocumented: README.md's Diagnostics table lists exactly the rules
// generate or vet apply (check's own are in docs/CHECKS.md), with their
// default severities.
func TestReadmeDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "\n### Diagnostics\n")
	require.True(t, ok, "README.md has a Diagnostics section")
	section, _, _ = strings.Cut(section, "\n### ")
	// The policy rules continue the table after a blank line, without a header
	// of their own: read them as rows of the first table.
	section = strings.ReplaceAll(section, "|\n\n| `", "|\n| `")
	rows := docRules(t, section, "rule", "default")
	for _, r := range rule.All {
		if !r.Commands.Has(rule.Generate) && !r.Commands.Has(rule.Vet) {
			continue
		}
		row, ok := rows[r.Name]
		if !assert.True(t, ok, "README.md's Diagnostics has no row for %s", r.Name) {
			continue
		}
		assert.Equal(t, r.Severity.String(), row.severity, "README.md: default of %s", r.Name)
		delete(rows, r.Name)
	}
	assert.Empty(t, rows, "README.md's Diagnostics lists rules that do not exist or that only check applies")
}
