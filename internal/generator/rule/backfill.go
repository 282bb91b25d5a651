package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The rules of the backfill stage (package backfill): the scoped: tables of
// tenantc.yaml that lack the tenant column, and how each row's tenant is found.
var (
	BackfillUnknownTable = Rule{Name: "backfill-unknown-table", Severity: diag.Error, Commands: Generate,
		Summary: "a table listed under scoped: must exist in the schema"}
	BackfillVia = Rule{Name: "backfill-via", Severity: diag.Error, Commands: Generate,
		Summary: "scoped[].via must name a single-column foreign key of the table to a scoped table or the tenant root, or be default"}
	BackfillCycle = Rule{Name: "backfill-cycle", Severity: diag.Error, Commands: Generate,
		Summary: "the tables scoped: fills through each other (via) must not form a cycle: each takes its tenant from a parent filled before it"}
	BackfillDefaultTenant = Rule{Name: "backfill-default-tenant", Severity: diag.Error, Commands: Generate,
		Summary: "rows with no scoped parent get backfill.default_tenant, which must be set and be a valid key of the tenant table"}
	BackfillUnsupported = Rule{Name: "backfill-unsupported", Severity: diag.Error, Commands: Generate,
		Summary: "backfill migrations are not generated with distribute: citus yet"}
)
