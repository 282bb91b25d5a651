package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The rules of the tenancy analysis (tenancy.Analyze): how the schema's tables
// belong to a tenant, and what in the schema could let one tenant see or touch
// another's rows.
var (
	TenantRoot = Rule{Name: "tenant-root", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "the tenant table named by tenant.table must exist and have a single-column primary key of type uuid, bigint, integer or text"}
	TenantColumnType = Rule{Name: "tenant-column-type", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a tenant column must have the type of the tenant key, or the policy cast fails"}
	NullableTenant = Rule{Name: "nullable-tenant-column", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a row with a NULL tenant belongs to nobody: no tenant can see it and composite foreign keys skip it"}
	TenantFK = Rule{Name: "tenant-column-without-fk", Severity: diag.Warning, Commands: Generate | Vet | Check,
		Summary: "without a foreign key to the tenant table a row can name a tenant that does not exist"}
	TenantIndex = Rule{Name: "tenant-index-missing", Severity: diag.Warning, Commands: Generate | Vet | Check,
		Summary: "without an index led by the tenant column every query scans the table; tenantc adds one"}
	KeyWithoutTenant = Rule{Name: "key-without-tenant", Severity: diag.Warning, Commands: Generate | Vet | Check,
		Summary: "a primary key or unique constraint without the tenant column tells one tenant, through a duplicate-key error, that another tenant has that value, and blocks distributing the table with Citus"}
	ScopedSerial = Rule{Name: "scoped-serial-column", Severity: diag.Warning, Commands: Generate | Vet | Check,
		Summary: "a serial or identity column (or DEFAULT nextval) of a scoped table draws from one sequence for every tenant: the gaps between a tenant's ids reveal how many rows other tenants inserted"}
	CrossTenantFK = Rule{Name: "cross-tenant-fk", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "foreign-key checks ignore RLS, so a foreign key between scoped tables that does not include the tenant column lets a row point at another tenant's row"}
	IndirectlyOwned = Rule{Name: "indirectly-owned", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a table that belongs to a tenant only through foreign keys has no tenant column for a policy to compare: every tenant can read all of it"}
	Unclassified = Rule{Name: "unclassified-table", Severity: diag.Warning, Commands: Generate | Vet | Check,
		Summary: "a table that is neither scoped nor declared global is readable by every tenant"}
	GlobalUnknown = Rule{Name: "global-table-unknown", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a table listed under global: must exist in the schema"}
	GlobalTenantColumn = Rule{Name: "global-with-tenant-column", Severity: diag.Warning, Commands: Generate | Vet | Check,
		Summary: "a table declared global that has the tenant column is shared by every tenant although its rows name one"}
	ViewInvoker = Rule{Name: "view-without-security-invoker", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a view runs with its owner's rights unless security_invoker is set: if the owner can bypass RLS, the view shows every tenant's rows"}
	SecurityDefiner = Rule{Name: "security-definer-function", Severity: diag.Warning, Commands: Generate | Vet,
		Summary: "a SECURITY DEFINER function runs as its owner: if the owner can bypass RLS, the function sees every tenant's rows"}
	FunctionSetsTenant = Rule{Name: "function-sets-tenant", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a function whose body sets the tenant setting (set_config, SET, SET LOCAL, RESET, a SET clause; or could: set_config of a computed name, dynamic EXECUTE, RESET ALL), directly or through the functions it calls, switches the tenant of whatever transaction calls it (a body that cannot be read: warning)"}
	ForeignPolicy = Rule{Name: "foreign-policy", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "permissive policies are OR-ed together: a policy tenantc did not write can admit another tenant's rows (a restrictive one only narrows access and is a warning)"}
)
