CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (
    tenant_id uuid REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (id, tenant_id)
);
CREATE INDEX ON projects (tenant_id);
