package tenant_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

// citusPolicy is tenantc's policy expression in the shape Citus accepts on a
// distributed table: no sub-select (ANCHORS §7).
const citusPolicy = `NULLIF(current_setting('app.tenant_id', true), '')::uuid`

// citusSchema is the test schema distributed by tenant, created by the
// Owner as migrations would: tables, distribution, then RLS and policies.
const citusSchema = `
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (
	tenant_id uuid NOT NULL DEFAULT ` + citusPolicy + `,
	id        bigserial,
	body      text NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
SELECT create_distributed_table('tenants', 'id');
SELECT create_distributed_table('items', 'tenant_id', colocate_with => 'tenants');
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
	USING (id = ` + citusPolicy + `) WITH CHECK (id = ` + citusPolicy + `);
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
ALTER TABLE items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON items AS PERMISSIVE FOR ALL
	USING (tenant_id = ` + citusPolicy + `) WITH CHECK (tenant_id = ` + citusPolicy + `);
`

// newCitusDatabase is newSetterDatabase on the Citus cluster of CITUS_URL
// (skipped without it), the tables distributed by tenant.
func newCitusDatabase(t *testing.T) *pgtest.DB {
	t.Helper()
	pdb := citustest.NewDatabase(t)
	// One statement at a time: Citus refuses some of its commands inside
	// a multi-statement query.
	for _, stmt := range strings.SplitAfter(citusSchema, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			pdb.Exec(t, pdb.OwnerURL, stmt)
		}
	}
	pdb.Exec(t, pdb.OwnerURL, setterFunctionSQL)
	// GrantApp would try Citus' own schemas too.
	pdb.Exec(t, pdb.OwnerURL, fmt.Sprintf(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;
		GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s;`, pdb.App))
	var seed strings.Builder
	for _, id := range tenants {
		fmt.Fprintf(&seed, "INSERT INTO tenants VALUES ('%s', 'tenant %s');\n", id, id[:8])
		for n := range itemsPerTenant {
			fmt.Fprintf(&seed, "INSERT INTO items (tenant_id, body) VALUES ('%s', '%s#%d');\n", id, id, n)
		}
	}
	pdb.Exec(t, pdb.AdminURL, seed.String())
	return pdb
}

// TestCitusSetter, on a real Citus cluster: set_config leaves every tenant
// with no rows and Verify says so; the setter function gives each entry
// point its own tenant's rows on the workers, refuses cross-tenant writes
// there, and leaves nothing on the coordinator's or the workers' pooled
// connections.
func TestCitusSetter(t *testing.T) {
	pdb := newCitusDatabase(t)
	ctx := tenant.WithID(context.Background(), tenantA)

	t.Run("set_config reaches no worker; Verify refuses it", func(t *testing.T) {
		db := tenant.NewDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil))
		assert.Empty(t, bodies(t, ctx, db.Scope().Querier(), tenantA))
		assert.ErrorIs(t, tenant.Verify(ctx, db), tenant.ErrCitusSetter)
		sdb := tenant.NewSQLDB(stdlib.OpenDBFromPool(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil)))
		assert.ErrorIs(t, tenant.VerifySQL(ctx, sdb), tenant.ErrCitusSetter)
	})

	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		pool := newPool(t, pdb.AppURL, mode, 1, nil)
		db := setterDB(pool)
		require.NoError(t, tenant.Verify(ctx, db))
		q := db.Scope().Querier()
		for _, id := range tenants {
			ctx := tenant.WithID(context.Background(), id)
			assert.Len(t, bodies(t, ctx, q, id), itemsPerTenant, "fast path")
			b := &pgx.Batch{}
			b.Queue("SELECT count(*) FROM items")
			b.Queue("SELECT count(*) FROM items WHERE tenant_id <> $1", string(id)) // fans out to every shard
			var own, other int
			br := q.SendBatch(ctx, b)
			require.NoError(t, br.QueryRow().Scan(&own))
			require.NoError(t, br.QueryRow().Scan(&other))
			require.NoError(t, br.Close())
			assert.Equal(t, itemsPerTenant, own, "batch")
			assert.Zero(t, other, "batch: rows of other tenants")
			n, err := q.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, pgx.CopyFromRows([][]any{{"new:copy"}}))
			require.NoError(t, err, "CopyFrom: the tenant column's default, on the coordinator")
			assert.EqualValues(t, 1, n)
			err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				got := bodies(t, ctx, s.Querier(), id)
				assert.Len(t, got, itemsPerTenant+1, "Run")
				assert.Contains(t, got, "new:copy")
				_, err := s.Querier().Exec(ctx, "DELETE FROM items WHERE body LIKE 'new:%'")
				return err
			})
			require.NoError(t, err)
		}

		// Hostile A: B's rows, named by key (routed to B's shard), are
		// neither read, changed nor planted.
		readHostile(t, q.SendBatch(ctx, hostileBatch()))
		_, err := q.Exec(ctx, insertB, string(tenantB))
		assertRLS(t, err)
		_, err = q.Exec(ctx, "UPDATE items SET tenant_id = $1 WHERE tenant_id = $2", string(tenantB), string(tenantA))
		assert.Error(t, err, "moving A's rows to B")

		// A batch failing in the middle: its first write is undone on the
		// worker too, and the connection is kept clean.
		fb := &pgx.Batch{}
		fb.Queue("INSERT INTO items (body) VALUES ('undone')")
		fb.Queue("SELECT 1/0")
		assert.Error(t, q.SendBatch(ctx, fb).Close())
		assert.NotContains(t, bodies(t, ctx, q, tenantA), "undone")

		// Nothing is left on the coordinator's connection, nor on the
		// workers' connections Citus keeps for it: without a tenant the
		// next statement sees no rows.
		assert.Empty(t, setting(t, pool))
		var rows int
		require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM items").Scan(&rows))
		assert.Zero(t, rows, "a bare statement after the tenant's")
	})

	t.Run("a setter that does not propagate", func(t *testing.T) {
		pdb.Exec(t, pdb.OwnerURL, `CREATE FUNCTION public.plain_setter(setting text, value text) RETURNS void
			LANGUAGE sql AS $f$ SELECT set_config(setting, value, true) $f$;`)
		db := tenant.NewDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil), tenant.WithSetterFunction("public.plain_setter"))
		assert.ErrorContains(t, tenant.Verify(ctx, db), "never sets citus.propagate_set_commands")
		assert.Empty(t, bodies(t, ctx, db.Scope().Querier(), tenantA), "what Verify warns of")
	})

	t.Run("database/sql", func(t *testing.T) {
		sdb := tenant.NewSQLDB(stdlib.OpenDBFromPool(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil)),
			tenant.WithSetterFunction(tenant.DefaultSetterFunction))
		require.NoError(t, tenant.VerifySQL(ctx, sdb))
		err := tenant.RunSQL(ctx, sdb, func(ctx context.Context, s *tenant.SQLScope) error {
			assert.Len(t, sqlBodies(t, ctx, s.Querier(), tenantA), itemsPerTenant)
			return nil
		})
		require.NoError(t, err)
	})

	t.Run("concurrent tenants", func(t *testing.T) {
		db := setterDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 2, nil))
		var wg sync.WaitGroup
		for w := range 8 {
			id := tenants[w%len(tenants)]
			wg.Go(func() {
				ctx := tenant.WithID(context.Background(), id)
				for range 10 {
					var own, all int
					err := db.Scope().Querier().QueryRow(ctx, "SELECT count(*) FILTER (WHERE tenant_id = $1), count(*) FROM items", string(id)).Scan(&own, &all)
					if err != nil || own != itemsPerTenant || all != itemsPerTenant {
						t.Errorf("tenant %s: %d own rows of %d seen, %v", id, own, all, err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
