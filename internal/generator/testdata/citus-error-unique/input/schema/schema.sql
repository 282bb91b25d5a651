CREATE TABLE tenants (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE);
CREATE TABLE api_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    key_hash text NOT NULL UNIQUE,
    name text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX api_keys_name ON api_keys (lower(name));
