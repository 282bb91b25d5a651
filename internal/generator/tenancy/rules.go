package tenancy

import "github.com/tenantc/tenantc/internal/generator/diag"

// Rule is a diagnostic rule: a stable name, the severity it has unless the
// config says otherwise, and why it matters.
type Rule struct {
	Name     string
	Severity diag.Severity
	Summary  string
}

// The rules of the tenancy analysis. Names are part of tenantc's interface: config
// files and --rule flags refer to them.
var (
	RuleTenantRoot              = Rule{"tenant-root", diag.Error, "the tenant table named by tenant.table must exist and have a single-column primary key of type uuid, bigint, integer or text"}
	RuleTenantColumnType        = Rule{"tenant-column-type", diag.Error, "a tenant column must have the type of the tenant key, or the policy cast fails"}
	RuleNullableTenant          = Rule{"nullable-tenant-column", diag.Error, "a row with a NULL tenant belongs to nobody: no tenant can see it and composite foreign keys skip it"}
	RuleTenantFK                = Rule{"tenant-column-without-fk", diag.Warning, "without a foreign key to the tenant table a row can name a tenant that does not exist"}
	RuleTenantIndex             = Rule{"tenant-index-missing", diag.Warning, "without an index led by the tenant column every query scans the table; tenantc adds one"}
	RuleKeyWithoutTenant        = Rule{"key-without-tenant", diag.Warning, "a primary key or unique constraint without the tenant column tells one tenant, through a duplicate-key error, that another tenant has that value, and blocks distributing the table with Citus"}
	RuleScopedSerial            = Rule{"scoped-serial-column", diag.Warning, "a serial or identity column (or DEFAULT nextval) of a scoped table draws from one sequence for every tenant: the gaps between a tenant's ids reveal how many rows other tenants inserted"}
	RuleCrossTenantFK           = Rule{"cross-tenant-fk", diag.Error, "foreign-key checks ignore RLS, so a foreign key between scoped tables that does not include the tenant column lets a row point at another tenant's row"}
	RuleIndirectlyOwned         = Rule{"indirectly-owned", diag.Error, "a table that belongs to a tenant only through foreign keys has no tenant column for a policy to compare: every tenant can read all of it"}
	RuleUnclassified            = Rule{"unclassified-table", diag.Warning, "a table that is neither scoped nor declared global is readable by every tenant"}
	RuleGlobalUnknown           = Rule{"global-table-unknown", diag.Error, "a table listed under global: must exist in the schema"}
	RuleGlobalTenantColumn      = Rule{"global-with-tenant-column", diag.Warning, "a table declared global that has the tenant column is shared by every tenant although its rows name one"}
	RuleViewInvoker             = Rule{"view-without-security-invoker", diag.Error, "a view runs with its owner's rights unless security_invoker is set: if the owner can bypass RLS, the view shows every tenant's rows"}
	RuleSecurityDefiner         = Rule{"security-definer-function", diag.Warning, "a SECURITY DEFINER function runs as its owner: if the owner can bypass RLS, the function sees every tenant's rows"}
	RuleFunctionSetsTenant      = Rule{"function-sets-tenant", diag.Error, "a function whose body sets the tenant setting (set_config, SET, SET LOCAL, RESET, a SET clause; or could: set_config of a computed name, dynamic EXECUTE, RESET ALL), directly or through the functions it calls, switches the tenant of whatever transaction calls it (a body that cannot be read: warning)"}
	RuleForeignPolicy           = Rule{"foreign-policy", diag.Error, "permissive policies are OR-ed together: a policy tenantc did not write can admit another tenant's rows (a restrictive one only narrows access and is a warning)"}
	RuleQueryTenantSetting      = Rule{"query-tenant-setting", diag.Error, "the runtime sets the tenant; a query that sets or reads the tenant setting itself can switch tenants or depend on a tenant it was not given"}
	RuleQueryFunctionSetsTenant = Rule{"query-function-sets-tenant", diag.Error, "a query that calls a function which switches the tenant (function-sets-tenant) switches it as surely as a query calling set_config itself"}
	RuleQuerySetConfig          = Rule{"query-set-config", diag.Error, "a query that calls set_config changes settings the runtime and the policies rely on, for the rest of the transaction or the session"}
	RuleQueryRoleChange         = Rule{"query-role-change", diag.Error, "SET, RESET, SET ROLE and SET SESSION AUTHORIZATION change the session: a role change can bypass RLS, and session state outlives the query on a pooled connection"}
	RuleQueryDDL                = Rule{"query-ddl", diag.Error, "DDL in a query file escapes tenantc's schema analysis and runs with the application role's rights; schema changes belong in migrations"}
	RuleQueryPatternFilter      = Rule{"query-pattern-filter", diag.Warning, "LIKE, ILIKE, SIMILAR TO, regular expressions and lower()/upper() are not LEAKPROOF: under RLS PostgreSQL cannot use an index for them and filters every row of the tenant (measured: 12 ms instead of 0.06 ms)"}
)

// The policy rules (CheckPolicies), shared by tenantc vet, which judges the SQL
// as written, and tenantc check, which judges a live database.
var (
	RuleRLSDisabled          = Rule{"rls-disabled", diag.Error, "a protected table (or any table with policies) without row level security enabled ignores its policies: every tenant reads and writes every row"}
	RuleRLSNotForced         = Rule{"rls-not-forced", diag.Error, "without FORCE ROW LEVEL SECURITY the table's owner skips the policies, and applications often connect as the owner"}
	RuleTenantPolicyMissing  = Rule{"tenant-policy-missing", diag.Error, "no policy of a protected table compares its tenant column with the tenant setting, so nothing keeps one tenant's rows from another"}
	RuleRLSWithoutPolicy     = Rule{"rls-without-policy", diag.Error, "a table with row level security enabled and no policy returns no rows and accepts no writes for every role that does not bypass RLS"}
	RulePolicyMissingCheck   = Rule{"policy-missing-with-check", diag.Error, "a permissive policy whose USING compares the tenant but whose WITH CHECK does not (or an INSERT policy whose WITH CHECK ignores the tenant) lets a write put a row into another tenant"}
	RulePolicyNotInitPlan    = Rule{"policy-not-initplan", diag.Warning, "current_setting outside a scalar sub-select is evaluated for every row; wrapped in (SELECT …) it is an InitPlan evaluated once per query (measured: 250 ms instead of 35 ms on 1M rows)"}
	RulePolicyColumnCast     = Rule{"policy-column-cast", diag.Error, "a cast or function on the tenant column (tenant_id::text = …) keeps PostgreSQL from using the column's index: every query scans every tenant's rows"}
	RulePolicyAlwaysTrue     = Rule{"policy-always-true", diag.Error, "a permissive policy that is always true (true, 1 = 1) is OR-ed with the tenant policy and admits every tenant's rows"}
	RulePolicyOrBypass       = Rule{"policy-or-bypass", diag.Error, "a tenant comparison OR-ed with something else (… OR current_setting('app.bypass_rls', true) = 'on') admits rows of other tenants whenever the other branch holds, and turns the index condition into a filter"}
	RulePolicyNotMissingOK   = Rule{"policy-setting-not-missing-ok", diag.Error, "current_setting(name) without missing_ok = true raises an error when the setting is unset instead of failing closed with no rows"}
	RulePolicyEmptySetting   = Rule{"policy-empty-setting", diag.Warning, "once set on a connection the setting reads '' after the transaction ends; without NULLIF(…, '') a reused pooled connection fails the cast to uuid or bigint instead of seeing no rows"}
	RulePolicyOtherSetting   = Rule{"policy-other-setting", diag.Error, "a policy that reads another setting than the tenant's (app.bypass_rls, app.role, a computed name) can be switched by any SQL in the transaction: set_config needs no privilege (a restrictive policy only narrows, and is a warning)"}
	RuleTenantPolicyModified = Rule{"tenant-policy-modified", diag.Error, "a policy named tenantc_tenant_isolation that differs from what tenantc writes is left alone by tenantc generate, so an edit that weakens it (a bypass, a role, another command) stays unnoticed"}
	RuleMultiplePermissive   = Rule{"multiple-permissive-policies", diag.Warning, "several permissive policies for one command and role are OR-ed: any one of them admits a row, and PostgreSQL evaluates every one of them for every row"}
)

// Rules lists every rule, in documentation order.
var Rules = []Rule{
	RuleTenantRoot, RuleTenantColumnType, RuleNullableTenant, RuleTenantFK, RuleTenantIndex,
	RuleKeyWithoutTenant, RuleScopedSerial, RuleCrossTenantFK, RuleIndirectlyOwned, RuleUnclassified,
	RuleGlobalUnknown, RuleGlobalTenantColumn, RuleViewInvoker, RuleSecurityDefiner, RuleFunctionSetsTenant, RuleForeignPolicy,
	RuleQueryTenantSetting, RuleQueryFunctionSetsTenant, RuleQuerySetConfig, RuleQueryRoleChange, RuleQueryDDL, RuleQueryPatternFilter,
	RuleRLSDisabled, RuleRLSNotForced, RuleTenantPolicyMissing, RuleRLSWithoutPolicy, RulePolicyMissingCheck,
	RulePolicyNotInitPlan, RulePolicyColumnCast, RulePolicyAlwaysTrue, RulePolicyOrBypass, RulePolicyNotMissingOK,
	RulePolicyEmptySetting, RuleMultiplePermissive, RulePolicyOtherSetting, RuleTenantPolicyModified,
}

// FindRule returns the rule with the given name.
func FindRule(name string) (Rule, bool) {
	for _, r := range Rules {
		if r.Name == name {
			return r, true
		}
	}
	return Rule{}, false
}
