CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    PRIMARY KEY (id, tenant_id)
);
-- A partial index does not serve every tenant query.
CREATE INDEX projects_live_idx ON projects (tenant_id) WHERE id IS NOT NULL;
