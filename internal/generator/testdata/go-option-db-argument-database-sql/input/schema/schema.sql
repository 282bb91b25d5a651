-- emit_methods_with_db_argument with sql_package database/sql: sqlc's
-- methods take a database/sql DBTX after ctx; the repositories hand them
-- their SQLScope's querier (scoped) or the db they were made with (global).
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE event_kinds (name text PRIMARY KEY, label text NOT NULL);
CREATE TABLE events (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    seq          integer NOT NULL,
    kind         text NOT NULL DEFAULT 'note',
    amount_cents bigint NOT NULL DEFAULT 0,
    note         text,
    PRIMARY KEY (tenant_id, at, seq)
);
