-- An application before tenancy, with rows (seed.sql): each adoption fix
-- tenantc prints must run on it as printed.
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE posts (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    title text NOT NULL
);
CREATE TABLE tags (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL
);
-- No id column, and no index led by tenant_id.
CREATE TABLE post_tags (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id uuid NOT NULL REFERENCES tags (id) ON DELETE CASCADE ON UPDATE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);
-- Owned through posts only.
CREATE TABLE post_revisions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    body text NOT NULL
);
-- Two hops away.
CREATE TABLE revision_notes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    revision_id uuid NOT NULL REFERENCES post_revisions (id) ON DELETE CASCADE,
    note text NOT NULL
);
-- Nullable tenant, some rows without one.
CREATE TABLE drafts (
    tenant_id uuid REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid()
);
CREATE INDEX ON drafts (tenant_id, id);
-- Belongs to no one yet.
CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
