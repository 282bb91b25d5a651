package generator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
)

// TestReservedColumnNames: a scoped table whose columns are reserved words
// ("order", "user") gets standard queries that sqlc accepts and Go that
// compiles: the parameters are order_ and user_ (crud's argName), the
// columns stay quoted.
func TestReservedColumnNames(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"tenantc.yaml": "version: 1\nrules: {sqlc-config-incomplete: off} # only the standard queries matter here\n",
		"sqlc.yaml": `version: "2"
sql:
  - engine: postgresql
    schema: schema
    queries: queries
    gen:
      go: {package: db, out: gen/db, sql_package: pgx/v5}
`,
		"schema/001.sql": `CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE items (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    "order" int NOT NULL,
    "user" text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
`,
		"queries/items.sql": "-- name: CountItems :one\nSELECT count(*) FROM items;\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	require.NoError(t, err)
	for _, d := range res.Diagnostics {
		t.Error(d)
	}
	var queries string
	for _, f := range res.Files {
		if strings.HasSuffix(f.Path, "tenantc_items.sql") {
			queries = string(f.Content)
		}
	}
	require.Contains(t, queries, `SET "order" = sqlc.arg(order_),`)
	require.Contains(t, queries, `"user" = sqlc.arg(user_)`)
}
