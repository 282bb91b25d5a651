-- Scoped tables are distributed by tenant_id and colocated: every key and
-- every foreign key between them leads with tenant_id, as Citus requires, so
-- one tenant's rows of every table live on one shard.
CREATE TABLE projects (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
