package audit_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/report"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// TestChecksDocumented: docs/CHECKS.md has a table row for every code —
// tenancy's, the policy rules, the live rules and the probe's (registered into
// tenancy.Rules by this package) — and for report's input-error.
func TestChecksDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/CHECKS.md")
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "| `") {
			code, _, _ := strings.Cut(strings.TrimPrefix(line, "| `"), "`")
			rows[code] = true
		}
	}
	for _, r := range tenancy.Rules {
		assert.True(t, rows[r.Name], "docs/CHECKS.md has no row for %s", r.Name)
	}
	assert.Contains(t, string(doc), "`"+report.NoRule+"`")
}
