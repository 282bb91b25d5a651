// Package db is the Citus example's data access: sqlc's queries and models
// for queries/ and gen/queries, and tenantc's tenant-scoped repositories over
// them (tenantc_repositories.go). Every other file here is generated; this
// one is written by hand (generate leaves files without its or sqlc's header
// alone) so that the package has a doc comment, which sqlc does not write.
package db
