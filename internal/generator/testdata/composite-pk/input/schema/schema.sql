CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
-- A composite primary key led by the tenant: it doubles as the tenant index.
CREATE TABLE memberships (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    user_id uuid NOT NULL,
    group_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, user_id, group_id)
);
-- The tenant is in the key but not first: tenantc adds a tenant index.
CREATE TABLE labels (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL,
    PRIMARY KEY (name, tenant_id)
);
