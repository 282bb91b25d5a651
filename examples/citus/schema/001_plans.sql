-- Plans are shared by every tenant (global in tenantc.yaml): on Citus a
-- reference table, copied to every node, so any shard can join it.
CREATE TABLE plans (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    max_projects integer NOT NULL
);
