-- The application's data, in tenants bridged to Better Auth's organizations.
CREATE TABLE tenants (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
