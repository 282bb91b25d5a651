package audit

import (
	"github.com/tenantc/tenantc/internal/generator/rule"
)

// The rules only a live database can judge are data in package rule (check.go
// there), the one list of every rule; this file says how check combines them.

// roleDependent are the rules whose findings are about what the application
// role may do. A role that ignores row level security may do everything, so
// when check judges its own such connection for want of --role these findings
// are only symptoms of connection-bypasses-rls.
var roleDependent = map[string]bool{
	rule.AppSuperuser.Name: true, rule.AppBypassRLS.Name: true, rule.AppOwnsTable.Name: true, rule.AppExcessGrants.Name: true,
	rule.DefinerSearchPath.Name: true, rule.DefinerExecutable.Name: true, rule.MatviewTenantData.Name: true, rule.ForeignTableData.Name: true,
	rule.AppCreateRole.Name: true, rule.AppReplication.Name: true, rule.AppServerFiles.Name: true,
	rule.TenantSettingDefault.Name: true, rule.TenantSettingAtConnect.Name: true,
	rule.StoreTableAccess.Name: true, rule.BridgeMutable.Name: true,
	rule.RoleGrantMissing.Name: true, rule.RoleDefaultPrivilegesMissing.Name: true,
}

// Superseded lists, for check, the findings that a more precise finding makes
// redundant; CHECKS.md explains each. The key reports the cause, the values
// the symptoms it replaces on the same object (or, for a table, on the table
// and its policies).
var superseded = map[string][]string{
	// Drift: a table never protected shows every symptom of it.
	rule.TenantColumnNoRLS.Name: {rule.RLSDisabled.Name, rule.RLSNotForced.Name, rule.TenantPolicyMissing.Name},
	// What makes a foreign policy dangerous says more than that it is foreign.
	rule.PolicyAlwaysTrue.Name:   {rule.ForeignPolicy.Name},
	rule.PolicyOrBypass.Name:     {rule.ForeignPolicy.Name},
	rule.PolicyMissingCheck.Name: {rule.ForeignPolicy.Name},
}
