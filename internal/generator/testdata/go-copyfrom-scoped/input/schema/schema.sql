-- :copyfrom on a scoped table: listing the tenant column (the scope fills
-- it in every row) and leaving it to its default.
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE readings (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sensor    text NOT NULL,
    at        timestamptz NOT NULL,
    value     double precision NOT NULL,
    PRIMARY KEY (tenant_id, sensor, at)
);
