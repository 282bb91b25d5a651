-- An event log: a keyset over a timestamptz and an integer, and defaulted
-- columns the standard Create must let callers set.
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE events (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    at           timestamptz NOT NULL DEFAULT now(),
    seq          integer NOT NULL,
    kind         text NOT NULL DEFAULT 'note',
    amount_cents bigint NOT NULL DEFAULT 0,
    note         text,
    PRIMARY KEY (tenant_id, at, seq)
);
