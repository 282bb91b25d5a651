CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE docs (id uuid PRIMARY KEY, title text);
CREATE TABLE scratch (tenant_id uuid NOT NULL);
