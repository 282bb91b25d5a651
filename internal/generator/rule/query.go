package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The query rules (tenancy.CheckQueries): what a query of the user's sqlc
// query files may not do. A database has no query files, so check has none.
var (
	QueryTenantSetting = Rule{Name: "query-tenant-setting", Severity: diag.Error, Commands: Generate | Vet,
		Summary: "the runtime sets the tenant; a query that sets or reads the tenant setting itself can switch tenants or depend on a tenant it was not given"}
	QueryFunctionSetsTenant = Rule{Name: "query-function-sets-tenant", Severity: diag.Error, Commands: Generate | Vet,
		Summary: "a query that calls a function which switches the tenant (function-sets-tenant) switches it as surely as a query calling set_config itself"}
	QuerySetConfig = Rule{Name: "query-set-config", Severity: diag.Error, Commands: Generate | Vet,
		Summary: "a query that calls set_config changes settings the runtime and the policies rely on, for the rest of the transaction or the session"}
	QueryRoleChange = Rule{Name: "query-role-change", Severity: diag.Error, Commands: Generate | Vet,
		Summary: "SET, RESET, SET ROLE and SET SESSION AUTHORIZATION change the session: a role change can bypass RLS, and session state outlives the query on a pooled connection"}
	QueryDDL = Rule{Name: "query-ddl", Severity: diag.Error, Commands: Generate | Vet,
		Summary: "DDL in a query file escapes tenantc's schema analysis and runs with the application role's rights; schema changes belong in migrations"}
	QueryPatternFilter = Rule{Name: "query-pattern-filter", Severity: diag.Warning, Commands: Generate | Vet,
		Summary: "LIKE, ILIKE, SIMILAR TO, regular expressions and lower()/upper() are not LEAKPROOF: under RLS PostgreSQL cannot use an index for them and filters every row of the tenant (measured: 12 ms instead of 0.06 ms)"}
)
