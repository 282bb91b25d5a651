CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, name text NOT NULL, PRIMARY KEY (tenant_id, id));
