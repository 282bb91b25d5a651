package rule_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// TestAll: every rule has a unique kebab-case name, a default severity, a
// summary and at least one command, and Find finds it.
func TestAll(t *testing.T) {
	kebab := regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, r := range rule.All {
		assert.False(t, seen[r.Name], "rule %s listed twice", r.Name)
		seen[r.Name] = true
		assert.Regexp(t, kebab, r.Name)
		assert.NotEqual(t, diag.Off, r.Severity, r.Name)
		assert.NotEmpty(t, r.Summary, r.Name)
		assert.NotEmpty(t, r.Commands.Names(), r.Name)
		got, ok := rule.Find(r.Name)
		require.True(t, ok, r.Name)
		assert.Equal(t, r, got)
	}
	_, ok := rule.Find("no-such-rule")
	assert.False(t, ok)
}

func TestCommands(t *testing.T) {
	assert.Equal(t, "generate, vet, check", (rule.Generate | rule.Vet | rule.Check).String())
	assert.Equal(t, "vet, check", (rule.Check | rule.Vet).String())
	assert.Equal(t, "", rule.Commands(0).String())
	assert.True(t, (rule.Vet | rule.Check).Has(rule.Check))
	assert.False(t, rule.Vet.Has(rule.Vet|rule.Check))
}
