// Command tenantc is the tenant compiler: it reads a PostgreSQL schema, finds the
// tables that belong to a tenant and generates their row level security.
//
// Usage:
//
//	tenantc generate [--check] [--dir DIR] [--rule NAME=SEVERITY]...
//
// See README.md for what each command does.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
