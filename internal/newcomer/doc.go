// Package newcomer holds the newcomer's end-to-end test: a fresh module
// outside the repository follows the README — install tenantc as a tool,
// write a schema and sqlc queries, go generate — and then golang-migrate's,
// goose's, sql-migrate's and tern's own Go packages apply the output to
// fresh databases (up, down, up again), and a program of that module checks
// isolation through the generated repositories as the application role.
//
// The module's files are in testdata/; the test copies them to a temporary
// directory and never writes into the repository.
package newcomer
