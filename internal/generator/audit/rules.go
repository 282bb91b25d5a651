package audit

import (
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// The rules only a live database can judge: who the application connects as,
// what it owns and was granted, and what a probe of the running policies
// shows. Names are part of tenantc's interface, like tenancy's.
var (
	RuleAppSuperuser      = tenancy.Rule{Name: "app-role-superuser", Severity: diag.Error, Summary: "a superuser ignores row level security, FORCE included: every query of the application sees every tenant's rows"}
	RuleAppBypassRLS      = tenancy.Rule{Name: "app-role-bypassrls", Severity: diag.Error, Summary: "a role with BYPASSRLS (or a member of one, which can SET ROLE to it) ignores every policy: the application would see every tenant's rows"}
	RuleAppOwnsTable      = tenancy.Rule{Name: "app-role-owns-table", Severity: diag.Error, Summary: "the owner of a table (or a member of the owner) can disable its row level security, drop its policies or turn FORCE off, and without FORCE skips the policies anyway"}
	RuleAppExcessGrants   = tenancy.Rule{Name: "app-role-excess-grants", Severity: diag.Error, Summary: "TRUNCATE ignores row level security (one tenant can empty every tenant's table), REFERENCES lets foreign-key checks probe other tenants' keys, TRIGGER runs code on other tenants' writes, and CREATE on a schema lets the application add objects that shadow yours"}
	RuleDefinerSearchPath = tenancy.Rule{Name: "security-definer-search-path", Severity: diag.Error, Summary: "a SECURITY DEFINER function without a fixed search_path (or with a schema on it the application can create objects in) resolves names the caller controls, with its owner's rights"}
	RuleDefinerExecutable = tenancy.Rule{Name: "security-definer-executable", Severity: diag.Error, Summary: "a SECURITY DEFINER function the application role (or PUBLIC) may execute runs with its owner's rights: if the owner bypasses RLS, any tenant reads through it what the policies hide"}
	RuleMatviewTenantData = tenancy.Rule{Name: "materialized-view-tenant-data", Severity: diag.Error, Summary: "a materialized view stores rows of protected tables and has no row level security: if the application can read it, every tenant reads every tenant's copy"}
	RuleForeignTableData  = tenancy.Rule{Name: "foreign-table-tenant-data", Severity: diag.Error, Summary: "a foreign table cannot have row level security: if the application can read one holding tenant rows, every tenant reads all of them"}
	RuleTenantColumnNoRLS = tenancy.Rule{Name: "tenant-column-without-rls", Severity: diag.Error, Summary: "a table with the tenant column but no row level security and no policy was added outside tenantc (drift): every tenant reads and writes all of it until tenantc generate gives it its migration"}
	RuleProbeRead         = tenancy.Rule{Name: "probe-cross-tenant-read", Severity: diag.Error, Summary: "the probe, as the application role, read rows of another tenant (or rows with no tenant set)"}
	RuleProbeInsert       = tenancy.Rule{Name: "probe-cross-tenant-insert", Severity: diag.Error, Summary: "the probe, as the application role, inserted a row for another tenant"}
	RuleProbeUpdate       = tenancy.Rule{Name: "probe-cross-tenant-update", Severity: diag.Error, Summary: "the probe, as the application role, updated rows of another tenant"}
	RuleProbeDelete       = tenancy.Rule{Name: "probe-cross-tenant-delete", Severity: diag.Error, Summary: "the probe, as the application role, deleted rows of another tenant"}
	RuleProbeMove         = tenancy.Rule{Name: "probe-cross-tenant-move", Severity: diag.Error, Summary: "the probe, as the application role, moved its own rows to another tenant"}
	RuleProbeStoreWrite   = tenancy.Rule{Name: "probe-store-write", Severity: diag.Error, Summary: "the probe, as the application role, inserted, updated or deleted rows of a table of the organization store: a tenant could make itself a member (or owner) of another organization and then read its data"}
	RuleProbeStoreRead    = tenancy.Rule{Name: "probe-store-read", Severity: diag.Warning, Summary: "the probe, as the application role, read rows of a table of the organization store: every tenant sees every organization's members, invitations and users"}
	RuleProbeIncomplete   = tenancy.Rule{Name: "probe-incomplete", Severity: diag.Error, Summary: "the probe could not try a table (its rows could not be inserted as the application role) or could not run at all (the role bypasses row level security), so nothing was learnt about it: a gate that tested nothing must not pass"}
	// RuleConnectionBypassesRLS is the one finding check makes, instead of a
	// cascade of symptoms, when it was given no --role and connected as a role
	// that ignores row level security: every other judgement of "the
	// application role" would be about a role the application should not be.
	RuleConnectionBypassesRLS = tenancy.Rule{Name: "connection-bypasses-rls", Severity: diag.Error, Summary: "check was given no --role and is connected as a superuser or a BYPASSRLS role, so it judged that role as the application's: it ignores every policy, so the role findings and the probe would say nothing about your policies; pass --role with the role your application connects as"}
)

// The ways around row level security that need no BYPASSRLS, and what runs
// with someone else's rights or tenant (issue 8, items 5 and 6).
var (
	RuleAppCreateRole          = tenancy.Rule{Name: "app-role-createrole", Severity: diag.Error, Summary: "a role with CREATEROLE (or one that can SET ROLE to such a role) can, before PostgreSQL 16, grant itself membership in any role but a superuser — the store's BYPASSRLS role, a table owner — and skip every policy"}
	RuleAppReplication         = tenancy.Rule{Name: "app-role-replication", Severity: diag.Error, Summary: "a role with REPLICATION can open a replication connection and stream (or logically decode) every row of every table, policies notwithstanding"}
	RuleAppServerFiles         = tenancy.Rule{Name: "app-role-server-files", Severity: diag.Error, Summary: "a member of pg_execute_server_program, pg_read_server_files or pg_write_server_files (directly, inherited or through SET ROLE) runs programs and reads or writes files as the server's operating-system user: the data files of every tenant"}
	RuleProtectedTableRule     = tenancy.Rule{Name: "protected-table-rule", Severity: diag.Error, Summary: "a rewrite rule (CREATE RULE) on a protected table, or whose action reads or writes one, runs its action with the rights of the owner of the relation it is on: an owner that bypasses RLS reads and writes every tenant's rows for any caller"}
	RuleTenantSettingDefault   = tenancy.Rule{Name: "tenant-setting-default", Severity: diag.Error, Summary: "a role or database default for the tenant setting (ALTER ROLE … SET, ALTER DATABASE … SET) gives every session a tenant: a statement run outside tenant.Run sees that tenant's rows instead of none"}
	RuleTenantSettingAtConnect = tenancy.Rule{Name: "tenant-setting-at-connect", Severity: diag.Error, Summary: "a fresh connection of the application already has the tenant setting (options=-c …, PGOPTIONS): a statement run outside tenant.Run sees that tenant's rows instead of none"}
)

// The organization store's tables and the tenant bridge (issue 8, items 1
// and 2): only the store's BYPASSRLS role may touch them.
var (
	RuleStoreTableAccess = tenancy.Rule{Name: "store-table-app-access", Severity: diag.Error, Summary: "the application role (or a role it can SET ROLE to) may write (error) or read (warning) a table of the organization store and nothing blocks it: a tenant could add itself to another organization, or read every organization's members, invitations and users"}
	RuleBridgeMutable    = tenancy.Rule{Name: "bridge-column-mutable", Severity: diag.Error, Summary: "the application role may UPDATE the tenant table's bridge column org_id and no enabled tenantc_bridge_immutable trigger stops it: a tenant can point its tenant at another organization (an oracle for organization ids, and a way to adopt one that has no tenant yet)"}
)

// Rules lists the rules of this package, in documentation order.
var Rules = []tenancy.Rule{
	RuleAppSuperuser, RuleAppBypassRLS, RuleAppOwnsTable, RuleAppExcessGrants,
	RuleDefinerSearchPath, RuleDefinerExecutable, RuleMatviewTenantData, RuleForeignTableData,
	RuleTenantColumnNoRLS,
	RuleAppCreateRole, RuleAppReplication, RuleAppServerFiles, RuleProtectedTableRule,
	RuleTenantSettingDefault, RuleTenantSettingAtConnect, RuleStoreTableAccess, RuleBridgeMutable,
	RuleProbeRead, RuleProbeInsert, RuleProbeUpdate, RuleProbeDelete, RuleProbeMove,
	RuleProbeStoreWrite, RuleProbeStoreRead, RuleProbeIncomplete, RuleConnectionBypassesRLS,
}

// Registered in tenancy.Rules, the one list of rules: tenantc.yaml's rules:,
// every command's --rule flag and the rule summaries of the reports know them
// wherever this package is linked in (the tenantc command always links it).
func init() {
	for _, r := range Rules {
		if _, ok := tenancy.FindRule(r.Name); !ok {
			tenancy.Rules = append(tenancy.Rules, r)
		}
	}
}

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
