-- A sqlc.yaml aligned with tenantc: plain sqlc generate on the project
-- writes exactly tenantc's sqlc code (TestPlainSqlcAligned).
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE labels (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
