CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX projects_id ON projects (id, tenant_id);
-- The tenant columns are in the key but not paired: Citus wants tenant_id
-- to reference tenant_id at the same position.
CREATE TABLE tasks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (id, tenant_id)
);
