CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
-- Looked up by the hash of the presented key before the tenant is known: the
-- hash must stay unique across tenants, so tenantc.yaml turns the rule off here.
CREATE TABLE api_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    key_hash text NOT NULL UNIQUE,
    PRIMARY KEY (tenant_id, id)
);
-- Not overridden: the message says which choice applies.
CREATE TABLE users (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL UNIQUE,
    PRIMARY KEY (tenant_id, id)
);
