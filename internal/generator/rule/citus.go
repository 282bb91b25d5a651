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

	// The Citus rules (distribute: citus). Routing (tenancy.CheckCitusQueries):
	// Citus sends a statement to one shard only when the statement itself fixes
	// the distribution column; the tenant filter of the policy does not count, so
	// a query without one runs on every shard. Distribution (tenantc check on a
	// coordinator): how pg_dist_partition says the tables are actually spread.
	CitusFanOut = Rule{Name: "citus-fan-out", Severity: diag.Warning, Commands: Generate | Vet,
		Summary: "on Citus a query on a scoped table without an equality on its tenant column runs on every shard (32 by default) instead of one: the policy filters the rows but does not route the query"}
	CitusJoinOffTenant = Rule{Name: "citus-join-off-tenant", Severity: diag.Warning, Commands: Generate | Vet,
		Summary: "on Citus a join of two scoped tables that does not equate their tenant columns is not a colocated join: Citus refuses it (\"the query contains a join that requires repartitioning\") or, with citus.enable_repartition_joins, repartitions rows across the cluster"}

	CitusNotConfigured = Rule{Name: "citus-not-configured", Severity: diag.Error, Commands: Check,
		Summary: "the database has the citus extension but tenantc.yaml does not say distribute: citus: the runtime sets the tenant with set_config, which does not reach the workers, and the policies tenantc writes use a sub-select Citus refuses on distributed tables"}
	CitusMissing = Rule{Name: "citus-extension-missing", Severity: diag.Warning, Commands: Check,
		Summary: "tenantc.yaml says distribute: citus but the database has no citus extension: nothing is distributed (the Citus shapes also run on plain PostgreSQL, so this is only a warning)"}
	CitusNotDistributed = Rule{Name: "citus-table-not-distributed", Severity: diag.Error, Commands: Check,
		Summary: "a scoped table that is not distributed stays on the coordinator alone (or is a reference table copied to every node): it does not scale out, and joins with distributed tables are refused or slow"}
	CitusWrongColumn = Rule{Name: "citus-distribution-column", Severity: diag.Error, Commands: Check,
		Summary: "a scoped table distributed by another column than its tenant column (or not by hash) spreads one tenant over many shards: queries cannot be routed by tenant, and joins with the other scoped tables are not colocated"}
	CitusNotColocated = Rule{Name: "citus-not-colocated", Severity: diag.Error, Commands: Check,
		Summary: "scoped tables in different colocation groups keep one tenant's rows of different tables on different nodes: joins and foreign keys between them are refused or repartition data"}
	CitusNotReference = Rule{Name: "citus-not-reference", Severity: diag.Error, Commands: Check,
		Summary: "a global table (or the tenant table, unless it is distributed by its key with the scoped tables) that is not a reference table is missing from the workers: joins with it and foreign keys to it from distributed tables are refused"}
	CitusSubselectPolicy = Rule{Name: "citus-subselect-policy", Severity: diag.Error, Commands: Check,
		Summary: "a policy with a sub-select on a distributed table: Citus refuses to create one (\"unexpected non-SELECT command in SubLink\"), so it was created before the table was distributed and the shards may not enforce it as written"}
)
