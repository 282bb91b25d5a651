package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// CitusPolicySubselect is the policy rule of distribute: citus. Generate reports
// it for the user's policies (tenantc replaces its own policy of the old shape
// with a migration), vet and check for every policy of a protected table.
var CitusPolicySubselect = Rule{Name: "citus-policy-subselect", Severity: diag.Error, Commands: Generate | Vet | Check,
	Summary: "with distribute: citus, a policy with a sub-select ((SELECT …), EXISTS, IN (SELECT …)) on a distributed table is refused by Citus (\"unexpected non-SELECT command in SubLink\"), so the migration that creates it fails on the cluster"}
