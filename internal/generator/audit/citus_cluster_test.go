package audit_test

import (
	"context"
	"strings"
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
		assert.Contains(t, only(res.Diagnostics, "citus-"), "citus-policy-subselect policy sneaky on public.projects")
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

// citusShaped is a schema as tenantc's Citus mode lays it out: the tenant
// table a reference table, the scoped tables distributed by tenant_id in one
// colocation group, RLS forced with policies without a sub-select, and the
// tenant setter.
const citusShaped = `
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL DEFAULT 'x');
CREATE TABLE projects (tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid REFERENCES tenants (id),
    id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid REFERENCES tenants (id),
    id uuid NOT NULL, project_id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, id));
SELECT create_reference_table('tenants');
SELECT create_distributed_table('projects', 'tenant_id');
SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'projects');
-- Added once both are distributed: Citus refuses a foreign key from a local table to a distributed one.
ALTER TABLE tasks ADD FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
    USING (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenantc_tenant_isolation ON projects AS PERMISSIVE FOR ALL
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenantc_tenant_isolation ON tasks AS PERMISSIVE FOR ALL
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
`

// TestProbeOnCitus: on a correctly laid-out Citus database the probe, going
// through the setter, fills every table and finds nothing; the same probe
// with set_config (what it did before) cannot even create its tenants on
// the workers — a probe that had skipped those errors would have passed.
func TestProbeOnCitus(t *testing.T) {
	db := citustest.NewDatabase(t)
	// One statement per batch: on Citus 13.2 "ALTER TABLE tenants ENABLE ROW
	// LEVEL SECURITY; ALTER TABLE tenants FORCE ROW LEVEL SECURITY" in one
	// simple-protocol batch failed ("cannot insert multiple commands into a
	// prepared statement"); each alone works.
	for _, stmt := range strings.Split(citusShaped, ";\n") {
		if strings.TrimSpace(stmt) != "" {
			db.Exec(t, db.OwnerURL, stmt)
		}
	}
	db.Exec(t, db.OwnerURL, setterSQL)
	// One statement at a time: through Citus, pgtest's GrantApp batch fails
	// ("cannot insert multiple commands into a prepared statement").
	for _, g := range []string{
		"GRANT USAGE ON SCHEMA public TO " + db.App,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, projects, tasks TO " + db.App,
		"GRANT EXECUTE ON FUNCTION public.tenantc_set_tenant(text, text) TO " + db.App,
	} {
		db.Exec(t, db.OwnerURL, g)
	}
	conn := pgtest.Connect(t, db.AdminURL)
	ctx := context.Background()
	cfg := config.Default()
	cfg.Distribute = config.DistributeCitus

	res, err := audit.Check(ctx, conn, audit.Options{Config: cfg, Role: db.App, Probe: true})
	require.NoError(t, err)
	for _, d := range res.Diagnostics {
		t.Logf("through the setter: %s", d)
	}
	assert.Empty(t, only(res.Diagnostics, "citus-", "probe-"), "a tenantc-shaped Citus database: nothing to report")

	// set_config does not reach the workers.
	probed, err := audit.Probe(ctx, conn, res.Model, audit.ProbeOptions{Role: db.App})
	require.NoError(t, err)
	for _, d := range probed {
		t.Logf("through set_config: %s", d)
	}
	assert.NotEmpty(t, only(probed, "probe-incomplete"), "with set_config the workers see no tenant")
}
