package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
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
	for _, r := range tenancy.Rules {
		fmt.Fprintf(stdout, "%s (%s; %s)\n\t%s\n", r.Name, r.Severity, strings.Join(ruleCommands(r), ", "), r.Summary)
	}
	return nil
}

// policyRules judge policies as they stand; generate writes the protection
// instead, so only vet and check apply them.
var policyRules = []tenancy.Rule{
	tenancy.RuleRLSDisabled, tenancy.RuleRLSNotForced, tenancy.RuleTenantPolicyMissing, tenancy.RuleRLSWithoutPolicy,
	tenancy.RulePolicyMissingCheck, tenancy.RulePolicyNotInitPlan, tenancy.RulePolicyColumnCast, tenancy.RulePolicyAlwaysTrue,
	tenancy.RulePolicyOrBypass, tenancy.RulePolicyNotMissingOK, tenancy.RulePolicyEmptySetting, tenancy.RuleMultiplePermissive,
	tenancy.RulePolicyOtherSetting, tenancy.RuleTenantPolicyModified,
}

// ruleCommands are the commands that apply r.
func ruleCommands(r tenancy.Rule) []string {
	switch {
	case slices.ContainsFunc(audit.Rules, func(a tenancy.Rule) bool { return a.Name == r.Name }):
		return []string{"check"}
	case slices.ContainsFunc(policyRules, func(p tenancy.Rule) bool { return p.Name == r.Name }):
		return []string{"vet", "check"}
	case strings.HasPrefix(r.Name, "query-"):
		return []string{"generate", "vet"} // check has no query files
	}
	return []string{"generate", "vet", "check"}
}
