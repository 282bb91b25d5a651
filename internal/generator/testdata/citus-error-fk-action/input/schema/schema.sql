CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON UPDATE CASCADE,
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tasks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE SET NULL,
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE SET NULL (project_id)
);
