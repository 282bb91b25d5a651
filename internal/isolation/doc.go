// Package isolation holds the end-to-end proof of tenantc's row level security:
// its tests apply this repository's schema/ and generated gen/migrations to a
// fresh PostgreSQL database and try, for every protected table, each way one
// tenant could reach another's rows. It has no code of its own.
package isolation
