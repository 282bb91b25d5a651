package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The policy rules (tenancy.CheckPolicies), shared by tenantc vet, which judges
// the SQL as written, and tenantc check, which judges a live database;
// generate writes the missing protection instead of judging it.
var (
	RLSDisabled = Rule{Name: "rls-disabled", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a protected table (or any table with policies) without row level security enabled ignores its policies: every tenant reads and writes every row"}
	RLSNotForced = Rule{Name: "rls-not-forced", Severity: diag.Error, Commands: Vet | Check,
		Summary: "without FORCE ROW LEVEL SECURITY the table's owner skips the policies, and applications often connect as the owner"}
	TenantPolicyMissing = Rule{Name: "tenant-policy-missing", Severity: diag.Error, Commands: Vet | Check,
		Summary: "no policy of a protected table compares its tenant column with the tenant setting, so nothing keeps one tenant's rows from another"}
	RLSWithoutPolicy = Rule{Name: "rls-without-policy", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a table with row level security enabled and no policy returns no rows and accepts no writes for every role that does not bypass RLS"}
	PolicyMissingCheck = Rule{Name: "policy-missing-with-check", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a permissive policy whose USING compares the tenant but whose WITH CHECK does not (or an INSERT policy whose WITH CHECK ignores the tenant) lets a write put a row into another tenant"}
	PolicyNotInitPlan = Rule{Name: "policy-not-initplan", Severity: diag.Warning, Commands: Vet | Check,
		Summary: "current_setting outside a scalar sub-select is evaluated for every row; wrapped in (SELECT …) it is an InitPlan evaluated once per query (measured: 250 ms instead of 35 ms on 1M rows)"}
	PolicyColumnCast = Rule{Name: "policy-column-cast", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a cast or function on the tenant column (tenant_id::text = …) keeps PostgreSQL from using the column's index: every query scans every tenant's rows"}
	PolicyAlwaysTrue = Rule{Name: "policy-always-true", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a permissive policy that is always true (true, 1 = 1) is OR-ed with the tenant policy and admits every tenant's rows"}
	PolicyOrBypass = Rule{Name: "policy-or-bypass", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a tenant comparison OR-ed with something else (… OR current_setting('app.bypass_rls', true) = 'on') admits rows of other tenants whenever the other branch holds, and turns the index condition into a filter"}
	PolicyNotMissingOK = Rule{Name: "policy-setting-not-missing-ok", Severity: diag.Error, Commands: Vet | Check,
		Summary: "current_setting(name) without missing_ok = true raises an error when the setting is unset instead of failing closed with no rows"}
	PolicyEmptySetting = Rule{Name: "policy-empty-setting", Severity: diag.Warning, Commands: Vet | Check,
		Summary: "once set on a connection the setting reads '' after the transaction ends; without NULLIF(…, '') a reused pooled connection fails the cast to uuid or bigint instead of seeing no rows"}
	PolicyOtherSetting = Rule{Name: "policy-other-setting", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a policy that reads another setting than the tenant's (app.bypass_rls, app.role, a computed name) can be switched by any SQL in the transaction: set_config needs no privilege (a restrictive policy only narrows, and is a warning)"}
	TenantPolicyModified = Rule{Name: "tenant-policy-modified", Severity: diag.Error, Commands: Vet | Check,
		Summary: "a policy named tenantc_tenant_isolation that differs from what tenantc writes is left alone by tenantc generate, so an edit that weakens it (a bypass, a role, another command) stays unnoticed"}
	MultiplePermissive = Rule{Name: "multiple-permissive-policies", Severity: diag.Warning, Commands: Vet,
		Summary: "several permissive policies for one command and role are OR-ed: any one of them admits a row, and PostgreSQL evaluates every one of them for every row"}
)
