CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE colors (name text PRIMARY KEY);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    color text REFERENCES colors (name),
    PRIMARY KEY (tenant_id, id)
);
