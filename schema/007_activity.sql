-- An append-only activity log, partitioned by time. Each partition gets its own
-- policy: querying a partition directly does not apply the parent's policies.
CREATE TABLE activity_events (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id    uuid,
    kind        text NOT NULL,
    payload     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id, occurred_at)
) PARTITION BY RANGE (occurred_at);

CREATE TABLE activity_events_2026 PARTITION OF activity_events
    FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE activity_events_default PARTITION OF activity_events DEFAULT;
