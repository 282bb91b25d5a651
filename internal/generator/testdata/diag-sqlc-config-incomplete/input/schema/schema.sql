-- A sqlc.yaml that names the migrations but not the standard queries, and
-- overrides the tenant key but not the tenant columns.
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
