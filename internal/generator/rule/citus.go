package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The rules of distribute: citus (tenancy's citus.go): what Citus refuses,
// or would distribute differently from what tenantc plans, found in the
// schema before a migration fails on the cluster. They are judged only in
// Citus mode. A foreign key between scoped tables without the tenant column
// is cross-tenant-fk's already: Citus wants exactly what that rule does (the
// tenant columns paired at the same position), so it is not repeated here.
var (
	CitusKeyWithoutTenant = Rule{Name: "citus-key-without-tenant", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "Citus refuses a primary key, unique constraint or unique index of a distributed table that does not include the distribution column: the scoped table's key must include the tenant column"}
	CitusReferenceFK = Rule{Name: "citus-reference-to-distributed-fk", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "the tenant table and global tables become reference tables, and Citus refuses a foreign key from a reference table to a distributed (scoped) table"}
	CitusLocalFK = Rule{Name: "citus-local-table-fk", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "a table that is neither scoped nor global stays a local table on the coordinator, and Citus refuses a foreign key from a distributed (scoped) table to a local one"}
	CitusFKAction = Rule{Name: "citus-fk-action", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "Citus refuses ON DELETE SET NULL / SET DEFAULT and ON UPDATE SET NULL / SET DEFAULT / CASCADE on a foreign key that includes the distribution column: a row would change its tenant"}
	CitusDistribution = Rule{Name: "citus-distribution-mismatch", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "the schema distributes a table otherwise than tenantc's Citus layout: a scoped table not hash-distributed by the tenant column and colocated with the other scoped tables, or the tenant table or a global table not a reference table"}
	CitusFKCycle = Rule{Name: "citus-fk-cycle", Severity: diag.Error, Commands: Generate | Vet | Check,
		Summary: "tables not distributed yet whose foreign keys form a cycle cannot be distributed one after the other: Citus refuses a foreign key from a table being distributed to one that is still local"}
)
