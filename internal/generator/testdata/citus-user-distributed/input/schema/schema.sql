CREATE TABLE tenants (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- The schema distributes these itself, as tenantc's layout would (projects
-- in a colocation group of its own): tenantc writes no call for them, and
-- colocates the tables it distributes with projects.
SELECT create_reference_table('tenants');
SELECT create_distributed_table('projects', 'tenant_id', colocate_with => 'none');

CREATE TABLE tasks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    project_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)
);
