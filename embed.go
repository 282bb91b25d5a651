package tenantc

import (
	"embed"
	"io/fs"
)

// exampleSQL holds this repository's example application as the database
// sees it: the schema, then tenantc's up migrations for it.
//
//go:embed schema/*.sql gen/migrations/*.up.sql
var exampleSQL embed.FS

// ExampleSQL is the example application's SQL, embedded so that tenantc demo
// can apply it without a checkout: schema/*.sql, then gen/migrations/*.up.sql,
// the order sqlc.yaml's schema list gives. Paths are slash-separated and
// relative to the repository root; the down migrations are left out (nothing
// applies them from here).
var ExampleSQL fs.FS = exampleSQL
