CREATE TABLE tenants (id uuid PRIMARY KEY, home_project uuid);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE tenants ADD FOREIGN KEY (id, home_project) REFERENCES projects (tenant_id, id);
CREATE TABLE featured (
    tenant_id uuid NOT NULL,
    project_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, project_id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)
);
