-- Batch and COPY queries on a global table: plain pass-throughs on the
-- global repository, next to a scoped table.
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE offices (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        bigint NOT NULL,
    country   text NOT NULL REFERENCES countries (code),
    PRIMARY KEY (tenant_id, id)
);
