package severity_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/severity"
	"github.com/tenantc/tenantc/internal/generator/source"
)

// TestOverrides: a table's override wins over the rule's, flags win over
// tenantc.yaml, Off drops a diagnostic, and a diagnostic without a rule keeps
// its severity.
func TestOverrides(t *testing.T) {
	cfg := &config.Config{
		Rules:      map[string]diag.Severity{"key-without-tenant": diag.Error, "unclassified-table": diag.Error},
		TableRules: []config.TableRule{{Rule: "key-without-tenant", Table: "api_keys", Severity: diag.Off}},
	}
	o := severity.Merge(cfg, map[string]diag.Severity{"unclassified-table": diag.Off})
	in := diag.List{
		{Rule: "key-without-tenant", Table: "public.api_keys", Severity: diag.Warning, Message: "a"},
		{Rule: "key-without-tenant", Table: "public.users", Severity: diag.Warning, Message: "b"},
		{Rule: "unclassified-table", Table: "public.plans", Severity: diag.Warning, Message: "c"},
		{Severity: diag.Error, Message: "syntax"},
	}
	got := o.Apply(in)
	require.Len(t, got, 2)
	assert.Equal(t, "b", got[0].Message)
	assert.Equal(t, diag.Error, got[0].Severity)
	assert.Equal(t, "syntax", got[1].Message)
	assert.Equal(t, diag.Warning, in[1].Severity, "Apply leaves its input alone")

	assert.Equal(t, diag.List{in[0], in[1], in[2], in[3]}, severity.Merge(nil, nil).Apply(in), "nothing overridden")
}

// TestUnknown: an override of a rule that does not exist is an error at its
// place in tenantc.yaml, or at --rule; a check-only rule is known to every
// command.
func TestUnknown(t *testing.T) {
	at := source.Pos{File: "tenantc.yaml", Line: 3, Col: 3}
	cfg := &config.Config{
		Rules:   map[string]diag.Severity{"nope": diag.Off, "app-role-superuser": diag.Off},
		RulePos: map[string]source.Pos{"nope": at, "app-role-superuser": at},
	}
	var got []string
	for _, d := range severity.Merge(cfg, map[string]diag.Severity{"typo": diag.Off, "probe-incomplete": diag.Warning}).Unknown() {
		got = append(got, d.String())
	}
	assert.Equal(t, []string{
		`tenantc.yaml:3:3: error: unknown rule "nope"; 'tenantc rules' lists the rules`,
		`--rule: error: unknown rule "typo"; 'tenantc rules' lists the rules`,
	}, got)
}
