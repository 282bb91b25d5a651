package parse

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
)

const distributeSchema = `
CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE SCHEMA app;
CREATE TABLE app."Projects" (tenant_id uuid NOT NULL REFERENCES tenants, id uuid, PRIMARY KEY (tenant_id, id));
CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants, id uuid, project_id uuid,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, project_id) REFERENCES app."Projects");
CREATE TABLE events (tenant_id uuid NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE lonely (id int PRIMARY KEY);
`

// TestDistributionCalls: the calls of Citus' distribution functions are
// recorded on their tables, positional and named arguments alike, resolved
// as regclass text resolves them; what a call cannot say (a computed table
// name) is a located error.
func TestDistributionCalls(t *testing.T) {
	cat := build(t, distributeSchema+`
SELECT create_reference_table('tenants');
SELECT pg_catalog.create_distributed_table('app."Projects"', 'tenant_id');
SELECT create_distributed_table(table_name => 'TASKS'::regclass, distribution_column => 'tenant_id', colocate_with => 'app."Projects"');
SELECT create_distributed_table('events', 'tenant_id', 'hash', 'none'), create_reference_table('lonely');
`)
	d := table(t, cat, "tenants").Distribution
	require.NotNil(t, d)
	assert.Equal(t, catalog.Reference, d.Method)
	assert.Equal(t, 11, d.Pos.Line)

	p := cat.Table(catalog.Name{Schema: "app", Name: "Projects"}).Distribution
	require.NotNil(t, p)
	assert.Equal(t, catalog.Distribution{Method: catalog.Distributed, Column: "tenant_id", ColocateWith: catalog.ColocateDefault, Pos: p.Pos}, *p)

	tasks := table(t, cat, "tasks").Distribution
	require.NotNil(t, tasks)
	require.NotNil(t, tasks.ColocateTable)
	assert.Equal(t, catalog.Name{Schema: "app", Name: "Projects"}, *tasks.ColocateTable)

	for _, n := range []string{"events", "events_2026"} {
		e := table(t, cat, n).Distribution
		require.NotNil(t, e, n)
		assert.Equal(t, catalog.ColocateNone, e.ColocateWith, "a partition follows its parent: %s", n)
	}
	assert.Equal(t, catalog.Reference, table(t, cat, "lonely").Distribution.Method)
}

// TestUndistribute: undistribute_table makes a table local again; with
// cascade_via_foreign_keys, every table its foreign keys connect it to.
// Renames carry a distribution along.
func TestUndistribute(t *testing.T) {
	calls := `
SELECT create_reference_table('tenants');
SELECT create_distributed_table('app."Projects"', 'tenant_id');
SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'app."Projects"');
SELECT create_reference_table('lonely');
`
	cat := build(t, distributeSchema+calls+`SELECT undistribute_table('lonely');`)
	assert.Nil(t, table(t, cat, "lonely").Distribution)
	assert.NotNil(t, table(t, cat, "tasks").Distribution)

	cat = build(t, distributeSchema+calls+`SELECT undistribute_table('tasks', cascade_via_foreign_keys => true);`)
	for _, n := range []string{"tenants", "tasks"} {
		assert.Nil(t, table(t, cat, n).Distribution, n)
	}
	assert.Nil(t, cat.Table(catalog.Name{Schema: "app", Name: "Projects"}).Distribution)
	assert.NotNil(t, table(t, cat, "lonely").Distribution, "not connected by a foreign key")

	cat = build(t, distributeSchema+calls+`
ALTER TABLE app."Projects" RENAME TO projects;
ALTER TABLE tasks RENAME COLUMN tenant_id TO org_id;`)
	tasks := table(t, cat, "tasks").Distribution
	assert.Equal(t, "org_id", tasks.Column)
	assert.Equal(t, catalog.Name{Schema: "app", Name: "projects"}, *tasks.ColocateTable)
	assert.Equal(t, "app.projects", tasks.ColocateWith)

	// A conditional call (FROM, WHERE) says nothing the schema can know.
	cat = build(t, distributeSchema+`SELECT create_reference_table(logicalrelid) FROM pg_dist_partition WHERE false;`)
	assert.Nil(t, table(t, cat, "tenants").Distribution)
}

func TestDistributionCallErrors(t *testing.T) {
	_, diags := run(distributeSchema + `
SELECT create_distributed_table('nope', 'tenant_id');
SELECT create_distributed_table('tasks', 'tenantid');
SELECT create_distributed_table('tasks', 'tenant_id', colocate_with => 'nope');
SELECT create_reference_table(current_setting('x'));
SELECT create_distributed_table('tasks', current_setting('x'));
`)
	var got []string
	for _, d := range diags {
		got = append(got, d.String())
	}
	assert.Equal(t, []string{
		`schema.sql:11:8: error: relation "nope" does not exist`,
		`schema.sql:12:8: error: create_distributed_table: column "tenantid" of relation "tasks" does not exist`,
		`schema.sql:13:8: error: create_distributed_table: colocate_with: relation "nope" does not exist`,
		`schema.sql:14:8: error: create_reference_table: tenantc cannot tell which table this call distributes: write the table name as a string literal, e.g. create_reference_table('public.projects' …)`,
		`schema.sql:15:8: error: create_distributed_table: tenantc cannot tell which column distributes public.tasks: write the distribution column as a string literal, e.g. 'tenant_id'`,
	}, got)
}
