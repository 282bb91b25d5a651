package generator_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// citusStubs: Citus' distribution functions on plain PostgreSQL
// (citustest.Stubs says what they check).
const citusStubs = citustest.Stubs

// distributions lists pg_dist_partition of the stubs: table, method and
// column ("h tenant_id", "n"); and that the hash-distributed tables share
// one colocation group.
func distributions(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	var groups int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT count(DISTINCT colocationid) FROM pg_dist_partition WHERE partmethod = 'h'`).Scan(&groups))
	require.LessOrEqual(t, groups, 1, "the distributed tables are colocated")
	rows, err := conn.Query(context.Background(), `SELECT logicalrelid::text, partmethod::text || coalesce(' ' || partkey, '') FROM pg_dist_partition`)
	require.NoError(t, err)
	out := map[string]string{}
	for rows.Next() {
		var rel, what string
		require.NoError(t, rows.Scan(&rel, &what))
		out[rel] = what
	}
	require.NoError(t, rows.Err())
	return out
}

// wantDistributions is what tenantc's Citus layout makes of res's model,
// partitions included, as distributions lists it.
func wantDistributions(res *generator.Result) map[string]string {
	want := map[string]string{}
	for _, tbl := range res.Model.Tables {
		top := tbl
		for top.PartitionOf != nil {
			top = res.Model.Table(*top.PartitionOf)
		}
		name := tbl.Name.String()
		if tbl.Name.Schema == "public" {
			name = tbl.Name.Name // regclass::text leaves public out
			if q := tbl.Name.String(); q != "public."+tbl.Name.Name {
				name = q[len("public."):]
			}
		}
		switch {
		case tenancy.CitusReference(top):
			want[name] = "n"
		case tenancy.CitusDistributed(top):
			want[name] = "h " + top.TenantColumn.Name
		}
	}
	return want
}

// TestCitusGoldenOnPostgres applies every Citus-mode golden case to plain
// PostgreSQL with Citus' distribution functions stubbed (citusStubs): the
// schema, then the generated migrations (up), which must distribute every
// table as tenantc's layout says, in an order Citus accepts; then the down
// parts, newest first, which leave no table distributed and the database
// as the up parts found it; then the up parts again, after which tenantc
// check's probe, as the application role, finds nothing. TestGoldenOnPostgres
// leaves these cases out: it runs every up part twice, which
// create_distributed_table refuses, as Citus does.
func TestCitusGoldenOnPostgres(t *testing.T) {
	citusCases(t, func(t *testing.T, name string, res *generator.Result) {
		if res.Config.Roles.Enabled {
			return // its roles are cluster-wide and need CREATEROLE: internal/generator/roles's tests
		}
		db := pgtest.NewDatabase(t)
		db.Exec(t, db.OwnerURL, citusStubs)
		for _, f := range res.Sources {
			db.Exec(t, db.OwnerURL, f.SQL)
		}
		conn := pgtest.Connect(t, db.OwnerURL)
		before, distributedBefore := catalogSnapshot(t, conn), distributions(t, conn)
		ups, downs := migrationParts(res)
		require.Len(t, downs, len(ups), "every migration has a down part")
		for _, up := range ups {
			db.Exec(t, db.OwnerURL, up)
		}
		want := wantDistributions(res)
		require.Equal(t, want, distributions(t, conn), "what the migrations distribute")

		for i := len(downs) - 1; i >= 0; i-- {
			db.Exec(t, db.OwnerURL, downs[i])
		}
		// A down part takes its table's whole foreign-key group back to
		// local tables (Citus cannot keep a local table with foreign keys
		// to distributed ones): a case that started with distributed
		// tables (citus-incremental) ends with none, every other case where
		// it started.
		assert.Empty(t, distributions(t, conn), "no table is distributed after the down parts")
		if len(distributedBefore) == 0 {
			require.Equal(t, before, catalogSnapshot(t, conn), "the down migrations leave the database as the up migrations found it")
		} else {
			return // the up parts of this run alone cannot distribute the earlier runs' tables again
		}
		for _, up := range ups {
			db.Exec(t, db.OwnerURL, up)
		}
		require.Equal(t, want, distributions(t, conn), "what the migrations distribute the second time")

		db.GrantApp(t)
		admin := pgtest.Connect(t, db.AdminURL)
		checked, err := audit.Check(context.Background(), admin, audit.Options{Config: res.Config, Role: db.App, Probe: true})
		require.NoError(t, err)
		var errs []string
		for _, d := range checked.Diagnostics {
			if d.Severity == diag.Error {
				errs = append(errs, d.String())
			}
		}
		require.Empty(t, errs, "after down and up again")
	})
}

// TestCitusStubsRefuse: the stubs refuse what Citus refuses, so that
// TestCitusGoldenOnPostgres passing means something: a table distributed
// before a table it references, a reference table referencing a
// distributed one, a unique key without the distribution column, a foreign
// key that does not pair the distribution columns, a second distribution,
// and undistributing a table with foreign keys without the cascade.
func TestCitusStubsRefuse(t *testing.T) {
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, citusStubs+`
CREATE TABLE tenants (id uuid PRIMARY KEY, home uuid);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants, id uuid, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants, id uuid, project_id uuid,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, project_id) REFERENCES projects);
CREATE TABLE swapped (tenant_id uuid NOT NULL, project_id uuid NOT NULL, PRIMARY KEY (tenant_id, project_id),
    FOREIGN KEY (project_id, tenant_id) REFERENCES projects (tenant_id, id));
CREATE TABLE loose (tenant_id uuid NOT NULL, id uuid PRIMARY KEY);`)
	conn := pgtest.Connect(t, db.OwnerURL)
	exec := func(sql string) error {
		_, err := conn.Exec(context.Background(), sql)
		return err
	}
	require.ErrorContains(t, exec(`SELECT create_distributed_table('projects', 'tenant_id')`), `referenced table "tenants" must be a distributed table or a reference table`)
	require.NoError(t, exec(`SELECT create_reference_table('tenants')`))
	require.ErrorContains(t, exec(`SELECT create_reference_table('tenants')`), "already distributed")
	require.ErrorContains(t, exec(`SELECT create_distributed_table('tasks', 'tenant_id')`), `referenced table "projects"`)
	require.NoError(t, exec(`SELECT create_distributed_table('projects', 'tenant_id')`))
	require.ErrorContains(t, exec(`SELECT create_distributed_table('swapped', 'tenant_id', colocate_with => 'projects')`), "partition column in the same ordinal")
	require.ErrorContains(t, exec(`SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'none')`), "colocated")
	require.ErrorContains(t, exec(`SELECT create_distributed_table('loose', 'tenant_id')`), "cannot have UNIQUE")
	require.NoError(t, exec(`SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'projects')`))
	require.ErrorContains(t, exec(`ALTER TABLE tenants ADD FOREIGN KEY (id, home) REFERENCES projects; SELECT citus_stub_check_fks('tenants')`), "from reference tables")
	require.ErrorContains(t, exec(`SELECT undistribute_table('tasks')`), "has a foreign key")
	require.NoError(t, exec(`SELECT undistribute_table('tasks', cascade_via_foreign_keys => true)`))
	assert.Empty(t, distributions(t, conn), "the cascade reaches every table the foreign keys connect")
	require.ErrorContains(t, exec(`SELECT undistribute_table('tasks')`), "not distributed")
}
