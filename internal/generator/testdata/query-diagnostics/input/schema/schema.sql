CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE users (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, email text NOT NULL, PRIMARY KEY (tenant_id, id));
