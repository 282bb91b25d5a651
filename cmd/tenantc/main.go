// Command tenantc is the tenant compiler: it reads a PostgreSQL schema, finds the
// tables that belong to a tenant and generates their row level security.
//
// Usage:
//
//	tenantc init [--dir DIR] [--database-url URL] [--dry-run] [--force]
//	tenantc generate [--check] [--dir DIR] [--rule NAME=SEVERITY]...
//	tenantc vet [--dir DIR] [--format text|json|sarif] [--rule NAME=SEVERITY]...
//	tenantc check --database-url URL --role APP_ROLE [--format text|json|sarif] [--probe] [--dir DIR]
//	tenantc demo --database-url URL [--keep]
//	tenantc rules
//	tenantc version
//	tenantc help [command]
//
// See README.md for what each command does; 'tenantc help <command>' prints
// a command's usage and flags.
package main

import (
	"os"

	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
)

func main() {
	sqlcrun.Child() // tenantc re-executes itself to run sqlc; in that child this runs sqlc and exits
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
