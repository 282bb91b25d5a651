package crud_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/crud"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// TestStandardQueriesRoutedOnCitus: every standard query keeps its explicit
// tenant predicate, so Citus routes each to one shard: no citus-* finding on
// the queries of this repository's example schema (uuid key, composite keys,
// a partitioned table) nor of a bigint-keyed one with a quoted table name
// and a table keyed by the tenant column alone.
func TestStandardQueriesRoutedOnCitus(t *testing.T) {
	example, err := filepath.Glob("../../../schema/*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, example)
	var exampleFiles []*source.File
	for _, p := range example {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		exampleFiles = append(exampleFiles, source.NewFile(filepath.Base(p), source.Plain, string(b)))
	}
	bigint := []*source.File{source.NewFile("schema.sql", source.Plain, `
CREATE TABLE tenants (id bigint PRIMARY KEY);
CREATE TABLE "Orders" (tenant_id bigint NOT NULL REFERENCES tenants (id), id bigint NOT NULL, note text, PRIMARY KEY (tenant_id, id));
CREATE TABLE order_lines (tenant_id bigint NOT NULL REFERENCES tenants (id), order_id bigint NOT NULL, line int NOT NULL, qty int NOT NULL,
    PRIMARY KEY (tenant_id, order_id, line), FOREIGN KEY (tenant_id, order_id) REFERENCES "Orders" (tenant_id, id));
CREATE TABLE settings (tenant_id bigint PRIMARY KEY REFERENCES tenants (id), theme text);
`)}
	for name, files := range map[string][]*source.File{"example": exampleFiles, "bigint": bigint} {
		t.Run(name, func(t *testing.T) {
			cat, diags := parse.Files(files)
			require.Empty(t, diags)
			m, _ := tenancy.Analyze(cat, tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id",
				Global: []string{"plans", "users"}, Citus: true})
			var qfiles []*source.File
			n := 0
			for _, f := range crud.Generate(m, nil) {
				qfiles = append(qfiles, source.NewFile(crud.FileName(f.Table), source.Plain, string(f.Content())))
				n += len(f.Queries)
			}
			require.NotEmpty(t, qfiles)
			queries, diags := parse.Queries(qfiles)
			require.Empty(t, diags)
			require.Len(t, queries, n)
			routed := 0
			for _, q := range queries {
				if q.Routing != nil {
					routed++
				}
			}
			require.Equal(t, n, routed, "every standard query names its table")
			assert.Empty(t, tenancy.CheckCitusQueries(m, queries))
			// And the check does see these tables: the same query without its
			// tenant predicate fans out.
			var tbl catalog.Name
			for _, tt := range m.Tables {
				if tt.Kind == tenancy.Scoped {
					tbl = tt.Name
					break
				}
			}
			q, diags := parse.Queries([]*source.File{source.NewFile("q.sql", source.Plain, "-- name: All :many\nSELECT * FROM "+tbl.String()+";")})
			require.Empty(t, diags)
			assert.Len(t, tenancy.CheckCitusQueries(m, q), 1)
		})
	}
}
