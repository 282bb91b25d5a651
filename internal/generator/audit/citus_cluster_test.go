package audit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// clusterSchema spreads the tables every way check must tell apart: the
// tenant table a reference table, projects distributed by tenant_id (the
// anchor), tasks distributed by id, notes by tenant_id in a group of its
// own, files and plans left on the coordinator.
const clusterSchema = `
CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE notes (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE files (tenant_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE INDEX ON projects (tenant_id); CREATE INDEX ON tasks (tenant_id); CREATE INDEX ON notes (tenant_id); CREATE INDEX ON files (tenant_id);
SELECT create_reference_table('tenants');
SELECT create_distributed_table('projects', 'tenant_id', colocate_with => 'none');
SELECT create_distributed_table('tasks', 'id', colocate_with => 'none');
SELECT create_distributed_table('notes', 'tenant_id', colocate_with => 'none');
`

func clusterConfig() *config.Config {
	cfg := config.Default()
	cfg.Global = []string{"plans"}
	cfg.Distribute = config.DistributeCitus
	return cfg
}

// TestCheckOnCitus runs check on a real coordinator (CITUS_URL; skipped
// without): each distribution finding from pg_dist_partition, the sub-select
// policy, tenantc.yaml without distribute: citus, and the probe refusing to
// run without the setter, then running through it.
func TestCheckOnCitus(t *testing.T) {
	db := citustest.NewDatabase(t)
	db.Exec(t, db.AdminURL, clusterSchema)
	conn := pgtest.Connect(t, db.AdminURL)
	ctx := context.Background()

	res, err := audit.Check(ctx, conn, audit.Options{Config: clusterConfig(), Role: db.App})
	require.NoError(t, err)
	require.NotNil(t, res.Citus)
	assert.Subset(t, only(res.Diagnostics, "citus-"), []string{
		"citus-not-reference public.plans",
		"citus-distribution-column public.tasks",
		"citus-table-not-distributed public.files",
	})
	got := only(res.Diagnostics, "citus-")
	// notes and projects are each alone in their group: one of the two is
	// the anchor (the first, projects), the other is reported.
	assert.Contains(t, got, "citus-not-colocated public.notes")
	assert.NotContains(t, got, "citus-not-colocated public.projects")
	assert.NotContains(t, got, "citus-not-reference public.tenants")

	// A policy with a sub-select: Citus refuses to create it on a
	// distributed table; with DDL propagation off the coordinator's shell
	// table gets it and the shards do not.
	db.Exec(t, db.AdminURL, `ALTER TABLE projects ENABLE ROW LEVEL SECURITY`)
	if _, err := conn.Exec(ctx, `SET citus.enable_ddl_propagation = off;
		CREATE POLICY sneaky ON projects USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
		RESET citus.enable_ddl_propagation`); err != nil {
		t.Logf("Citus refused the sub-select policy even without DDL propagation (%v): citus-subselect-policy not exercised live", err)
	} else {
		res, err = audit.Check(ctx, conn, audit.Options{Config: clusterConfig(), Role: db.App})
		require.NoError(t, err)
		assert.Contains(t, only(res.Diagnostics, "citus-"), "citus-subselect-policy policy sneaky on public.projects")
	}

	// tenantc.yaml without distribute: citus on a Citus database: an error.
	plain := clusterConfig()
	plain.Distribute = config.DistributeNone
	res, err = audit.Check(ctx, conn, audit.Options{Config: plain, Role: db.App})
	require.NoError(t, err)
	assert.Contains(t, only(res.Diagnostics, "citus-not-configured"), "citus-not-configured extension citus")

	// The probe: no setter, so it cannot run — not "no findings".
	res, err = audit.Check(ctx, conn, audit.Options{Config: clusterConfig(), Role: db.App, Probe: true})
	require.NoError(t, err)
	var refused bool
	for _, d := range res.Diagnostics {
		if d.Rule == "probe-incomplete" && assert.Contains(t, d.Message, "has no tenant setter") {
			refused = true
		}
	}
	assert.True(t, refused, "the probe must refuse to run on Citus without the setter: %v", res.Diagnostics)

	// With the setter it runs through the coordinator and sets the tenant on
	// the workers: its rows are inserted (no probe-incomplete about a
	// table), and no setter complaint.
	db.Exec(t, db.AdminURL, setterSQL+"\nGRANT EXECUTE ON FUNCTION public.tenantc_set_tenant(text, text) TO "+db.App+";"+
		"\nGRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "+db.App+";")
	res, err = audit.Check(ctx, conn, audit.Options{Config: clusterConfig(), Role: db.App, Probe: true})
	require.NoError(t, err)
	for _, d := range res.Diagnostics {
		if d.Rule == "probe-incomplete" {
			assert.NotContains(t, d.Message, "setter", "%v", d)
		}
	}
	assert.NotEmpty(t, only(res.Diagnostics, "probe-cross-tenant-read"), "projects without a tenant policy (sneaky aside) or tables without RLS leak: the probe sees it through the workers")
}
