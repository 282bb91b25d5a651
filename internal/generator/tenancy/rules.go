package tenancy

import "github.com/tenantc/tenantc/internal/generator/rule"

// Rule is a diagnostic rule; package rule holds every rule, as data.
type Rule = rule.Rule

// The rules this package reports, by the names its code reports them under.
// Their definitions — name, default severity, summary, commands — are data in
// package rule, the one list that config files, --rule flags, the reports and
// the docs are checked against.
var (
	RuleTenantRoot              = rule.TenantRoot
	RuleTenantColumnType        = rule.TenantColumnType
	RuleNullableTenant          = rule.NullableTenant
	RuleTenantFK                = rule.TenantFK
	RuleTenantIndex             = rule.TenantIndex
	RuleKeyWithoutTenant        = rule.KeyWithoutTenant
	RuleScopedSerial            = rule.ScopedSerial
	RuleCrossTenantFK           = rule.CrossTenantFK
	RuleIndirectlyOwned         = rule.IndirectlyOwned
	RuleUnclassified            = rule.Unclassified
	RuleGlobalUnknown           = rule.GlobalUnknown
	RuleGlobalTenantColumn      = rule.GlobalTenantColumn
	RuleViewInvoker             = rule.ViewInvoker
	RuleSecurityDefiner         = rule.SecurityDefiner
	RuleFunctionSetsTenant      = rule.FunctionSetsTenant
	RuleForeignPolicy           = rule.ForeignPolicy
	RuleQueryTenantSetting      = rule.QueryTenantSetting
	RuleQueryFunctionSetsTenant = rule.QueryFunctionSetsTenant
	RuleQuerySetConfig          = rule.QuerySetConfig
	RuleQueryRoleChange         = rule.QueryRoleChange
	RuleQueryDDL                = rule.QueryDDL
	RuleQueryPatternFilter      = rule.QueryPatternFilter
	RuleRLSDisabled             = rule.RLSDisabled
	RuleRLSNotForced            = rule.RLSNotForced
	RuleTenantPolicyMissing     = rule.TenantPolicyMissing
	RuleRLSWithoutPolicy        = rule.RLSWithoutPolicy
	RulePolicyMissingCheck      = rule.PolicyMissingCheck
	RulePolicyNotInitPlan       = rule.PolicyNotInitPlan
	RulePolicyColumnCast        = rule.PolicyColumnCast
	RulePolicyAlwaysTrue        = rule.PolicyAlwaysTrue
	RulePolicyOrBypass          = rule.PolicyOrBypass
	RulePolicyNotMissingOK      = rule.PolicyNotMissingOK
	RulePolicyEmptySetting      = rule.PolicyEmptySetting
	RulePolicyOtherSetting      = rule.PolicyOtherSetting
	RuleTenantPolicyModified    = rule.TenantPolicyModified
	RuleMultiplePermissive      = rule.MultiplePermissive
)
