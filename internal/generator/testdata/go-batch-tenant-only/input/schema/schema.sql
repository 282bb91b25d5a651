-- A batch whose only parameter is the tenant: refused.
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE jobs (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    PRIMARY KEY (tenant_id, id)
);
