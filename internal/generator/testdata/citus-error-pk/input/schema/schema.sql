CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid PRIMARY KEY,
    name text NOT NULL
);
CREATE INDEX ON projects (tenant_id);
