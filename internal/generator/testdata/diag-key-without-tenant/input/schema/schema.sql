CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE users (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid PRIMARY KEY,
    email text NOT NULL UNIQUE
);
CREATE INDEX ON users (tenant_id);
CREATE UNIQUE INDEX users_handle_key ON users (lower(email));
