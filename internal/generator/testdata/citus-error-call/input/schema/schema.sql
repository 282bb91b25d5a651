CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT create_distributed_table('projectz', 'tenant_id');
SELECT create_distributed_table('projects', 'tenantid');
SELECT create_distributed_table('projects', 'tenant_id', colocate_with => 'nowhere');
SELECT create_reference_table(current_setting('app.table'));
