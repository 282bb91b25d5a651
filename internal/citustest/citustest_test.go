package citustest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestNewDatabase: the database is a Citus database with the workers in it,
// and its owner (not a superuser) can distribute a table, whose shards land
// on the workers.
func TestNewDatabase(t *testing.T) {
	db := citustest.NewDatabase(t)
	ctx := context.Background()
	admin := pgtest.Connect(t, db.AdminURL)
	var workers int
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM pg_dist_node WHERE groupid <> 0`).Scan(&workers))
	require.GreaterOrEqual(t, workers, 1)

	db.Exec(t, db.OwnerURL, `CREATE TABLE items (tenant_id bigint NOT NULL, id bigint NOT NULL, PRIMARY KEY (tenant_id, id));
		SELECT create_distributed_table('items', 'tenant_id');`)
	var nodes int
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'items'::regclass`).Scan(&nodes))
	require.Equal(t, workers, nodes, "shards on every worker")

	var super bool
	require.NoError(t, pgtest.Connect(t, db.AppURL).QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super))
	require.False(t, super)
}
