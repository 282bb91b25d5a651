-- A table added after the first distribution migrations ran. Its file sorts
-- first, so it comes first among the scoped tables, yet the tables already
-- distributed keep their anchor (public.projects): notes is colocated with it.
CREATE TABLE notes (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    body text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
