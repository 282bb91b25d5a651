package rule

import "github.com/tenantc/tenantc/internal/generator/diag"

// The rules on the project's sqlc config (sqlcrun.CheckAligned): what plain
// sqlc, run on the project by a teammate or a CI step, would do differently
// from the sqlc run tenantc drives.
var (
	SQLCConfigIncomplete = Rule{Name: "sqlc-config-incomplete", Severity: diag.Warning, Commands: Generate | Vet,
		Summary: "tenantc hands sqlc its migrations, its standard queries and a tenant.ID override per tenant column; a sqlc config that lacks any of them makes plain `sqlc generate` overwrite tenantc's code with code the repositories do not compile against, and `sqlc diff` fail"}
)
