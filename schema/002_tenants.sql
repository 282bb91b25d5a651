-- The tenant root: one row per customer. Every scoped table references it.
CREATE TABLE tenants (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name       text NOT NULL,
    plan_id    text NOT NULL REFERENCES plans (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
