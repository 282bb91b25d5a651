-- Scoped tables lead their keys with tenant_id: the primary key doubles as the
-- tenant index, unique values are unique per tenant, and composite foreign keys
-- can keep references inside one tenant.
CREATE TABLE projects (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    archived_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
