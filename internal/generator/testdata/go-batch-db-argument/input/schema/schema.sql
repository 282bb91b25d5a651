-- Batch queries on a scoped table: with the tenant as a parameter (filled
-- from the scope for every element) and without (the policies limit them).
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        bigint NOT NULL,
    title     text NOT NULL,
    year      integer NOT NULL DEFAULT 2000,
    PRIMARY KEY (tenant_id, id)
);
