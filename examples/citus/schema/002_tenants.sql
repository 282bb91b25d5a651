-- The tenant root. On Citus a reference table (see README, Scaling out): its
-- slug may stay unique across tenants and a resolver finds a tenant by slug
-- without asking every shard.
CREATE TABLE tenants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug       text NOT NULL UNIQUE,
    name       text NOT NULL,
    plan_id    bigint NOT NULL REFERENCES plans (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
