CREATE TABLE plans (id text PRIMARY KEY);
CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tasks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE files (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tags (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT create_distributed_table('plans', 'id');
SELECT create_distributed_table('tenants', 'id');
SELECT create_distributed_table('projects', 'tenant_id');
SELECT create_distributed_table('tasks', 'id');
SELECT pg_catalog.create_distributed_table('files', 'tenant_id', colocate_with => 'none');
SELECT create_reference_table('tags');
