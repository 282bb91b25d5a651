package audit

import (
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// The rules only a live database can judge, by the names this package
// reports them under; their definitions are data in package rule, the one
// list of every rule.
var (
	RuleAppSuperuser           = rule.AppSuperuser
	RuleAppBypassRLS           = rule.AppBypassRLS
	RuleAppOwnsTable           = rule.AppOwnsTable
	RuleAppExcessGrants        = rule.AppExcessGrants
	RuleDefinerSearchPath      = rule.DefinerSearchPath
	RuleDefinerExecutable      = rule.DefinerExecutable
	RuleMatviewTenantData      = rule.MatviewTenantData
	RuleForeignTableData       = rule.ForeignTableData
	RuleTenantColumnNoRLS      = rule.TenantColumnNoRLS
	RuleProbeRead              = rule.ProbeRead
	RuleProbeInsert            = rule.ProbeInsert
	RuleProbeUpdate            = rule.ProbeUpdate
	RuleProbeDelete            = rule.ProbeDelete
	RuleProbeMove              = rule.ProbeMove
	RuleProbeStoreWrite        = rule.ProbeStoreWrite
	RuleProbeStoreRead         = rule.ProbeStoreRead
	RuleProbeIncomplete        = rule.ProbeIncomplete
	RuleConnectionBypassesRLS  = rule.ConnectionBypassesRLS
	RuleAppCreateRole          = rule.AppCreateRole
	RuleAppReplication         = rule.AppReplication
	RuleAppServerFiles         = rule.AppServerFiles
	RuleProtectedTableRule     = rule.ProtectedTableRule
	RuleTenantSettingDefault   = rule.TenantSettingDefault
	RuleTenantSettingAtConnect = rule.TenantSettingAtConnect
	RuleStoreTableAccess       = rule.StoreTableAccess
	RuleBridgeMutable          = rule.BridgeMutable
)

// roleDependent are the rules whose findings are about what the application
// role may do. A role that ignores row level security may do everything, so
// when check judges its own such connection for want of --role these findings
// are only symptoms of connection-bypasses-rls.
var roleDependent = map[string]bool{
	RuleAppSuperuser.Name: true, RuleAppBypassRLS.Name: true, RuleAppOwnsTable.Name: true, RuleAppExcessGrants.Name: true,
	RuleDefinerSearchPath.Name: true, RuleDefinerExecutable.Name: true, RuleMatviewTenantData.Name: true, RuleForeignTableData.Name: true,
	RuleAppCreateRole.Name: true, RuleAppReplication.Name: true, RuleAppServerFiles.Name: true,
	RuleTenantSettingDefault.Name: true, RuleTenantSettingAtConnect.Name: true,
	RuleStoreTableAccess.Name: true, RuleBridgeMutable.Name: true,
}

// Superseded lists, for check, the findings that a more precise finding makes
// redundant; CHECKS.md explains each. The key reports the cause, the values
// the symptoms it replaces on the same object (or, for a table, on the table
// and its policies).
var superseded = map[string][]string{
	// Drift: a table never protected shows every symptom of it.
	RuleTenantColumnNoRLS.Name: {tenancy.RuleRLSDisabled.Name, tenancy.RuleRLSNotForced.Name, tenancy.RuleTenantPolicyMissing.Name},
	// What makes a foreign policy dangerous says more than that it is foreign.
	tenancy.RulePolicyAlwaysTrue.Name:   {tenancy.RuleForeignPolicy.Name},
	tenancy.RulePolicyOrBypass.Name:     {tenancy.RuleForeignPolicy.Name},
	tenancy.RulePolicyMissingCheck.Name: {tenancy.RuleForeignPolicy.Name},
}
