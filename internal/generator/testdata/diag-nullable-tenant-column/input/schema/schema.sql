CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
-- No key names tenant_id (a key would make it NOT NULL), so it stays nullable.
CREATE TABLE projects (
    tenant_id uuid REFERENCES tenants (id),
    id uuid NOT NULL
);
CREATE INDEX ON projects (tenant_id, id);
