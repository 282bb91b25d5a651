// Package rule is the one list of tenantc's diagnostic rules, as plain data:
// each rule's stable name, its default severity, what it catches and which
// commands apply it. Generate, vet and check report through these values,
// tenantc.yaml's rules: and every --rule flag are checked against All, the
// SARIF report and `tenantc rules` describe the rules from it, and a test
// keeps README.md and docs/CHECKS.md equal to it.
//
// The list is built here, explicitly, rather than registered by the packages
// that report the rules: which rule names a program accepts must not depend on
// which packages it links (a library caller of the generator would reject a
// check-only name in tenantc.yaml that the CLI accepts). The package imports
// only diag, so every stage may import it; package severity applies the
// severities a project gives the rules instead of their defaults.
package rule

import (
	"slices"
	"strings"

	"github.com/tenantc/tenantc/internal/generator/diag"
)

// Rule is a diagnostic rule.
type Rule struct {
	// Name is the rule's stable kebab-case code ("nullable-tenant-column"):
	// part of tenantc's interface, since config files, --rule flags and CI
	// filters on JSON or SARIF output refer to it.
	Name string
	// Severity is the rule's severity unless the project overrides it.
	Severity diag.Severity
	// Summary says, in a sentence, why a finding of the rule matters.
	Summary string
	// Commands are the commands that report the rule.
	Commands Commands
}

// Commands is a set of tenantc's commands.
type Commands uint8

// The commands that apply rules.
const (
	Generate Commands = 1 << iota
	Vet
	Check
)

// Has reports whether c holds every command of x.
func (c Commands) Has(x Commands) bool { return c&x == x }

// Names lists c's commands by name, in the order generate, vet, check.
func (c Commands) Names() []string {
	var out []string
	for _, x := range []struct {
		cmd  Commands
		name string
	}{{Generate, "generate"}, {Vet, "vet"}, {Check, "check"}} {
		if c.Has(x.cmd) {
			out = append(out, x.name)
		}
	}
	return out
}

// String is c's names joined by ", ": "generate, vet".
func (c Commands) String() string { return strings.Join(c.Names(), ", ") }

// All lists every rule in documentation order: the tenancy analysis's rules
// on the schema, its query rules, the rule on the sqlc config and the policy
// rules, then the rules only a live database can answer (tenantc check's).
var All = []Rule{
	// The tenancy analysis (schema.go).
	TenantRoot, TenantColumnType, NullableTenant, TenantFK, TenantIndex,
	KeyWithoutTenant, ScopedSerial, CrossTenantFK, IndirectlyOwned, Unclassified,
	GlobalUnknown, GlobalTenantColumn, ViewInvoker, SecurityDefiner, FunctionSetsTenant, ForeignPolicy,
	// distribute: citus (citus.go).
	CitusKeyWithoutTenant, CitusReferenceFK, CitusLocalFK, CitusFKAction, CitusDistribution, CitusFKCycle,
	// The backfill migrations of scoped: tables (backfill.go).
	BackfillUnknownTable, BackfillVia, BackfillCycle, BackfillDefaultTenant, BackfillUnsupported,
	// The query rules (query.go).
	QueryTenantSetting, QueryFunctionSetsTenant, QuerySetConfig, QueryRoleChange, QueryDDL, QueryPatternFilter,
	// The Citus routing rules (citus.go).
	CitusFanOut, CitusJoinOffTenant,
	// The sqlc config (sqlc.go).
	SQLCConfigIncomplete,
	// The policy rules (policy.go).
	RLSDisabled, RLSNotForced, TenantPolicyMissing, RLSWithoutPolicy, PolicyMissingCheck,
	PolicyNotInitPlan, PolicyColumnCast, PolicyAlwaysTrue, PolicyOrBypass, PolicyNotMissingOK,
	PolicyEmptySetting, MultiplePermissive, PolicyOtherSetting, TenantPolicyModified,
	// distribute: citus (citus_policy.go).
	CitusPolicySubselect,
	// tenantc check's own rules (check.go).
	AppSuperuser, AppBypassRLS, AppOwnsTable, AppExcessGrants,
	DefinerSearchPath, DefinerExecutable, MatviewTenantData, ForeignTableData,
	TenantColumnNoRLS,
	AppCreateRole, AppReplication, AppServerFiles, ProtectedTableRule,
	TenantSettingDefault, TenantSettingAtConnect,
	RoleGrantMissing, RoleDefaultPrivilegesMissing, SystemRoleMissing, SystemRoleNotBypassRLS,
	StoreTableAccess, BridgeMutable,
	ProbeRead, ProbeInsert, ProbeUpdate, ProbeDelete, ProbeMove,
	ProbeStoreWrite, ProbeStoreRead, ProbeIncomplete, ConnectionBypassesRLS,
	// tenantc check on Citus (citus.go).
	CitusNotConfigured, CitusMissing, CitusNotDistributed, CitusWrongColumn, CitusNotColocated,
	CitusNotReference, CitusSubselectPolicy,
}

// Find returns the rule named name.
func Find(name string) (Rule, bool) {
	i := slices.IndexFunc(All, func(r Rule) bool { return r.Name == name })
	if i < 0 {
		return Rule{}, false
	}
	return All[i], true
}
