CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE accounts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org uuid NOT NULL REFERENCES tenants (id),
    name text NOT NULL
);
-- Scoped already; its foreign key to accounts becomes composite.
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lead_id uuid REFERENCES accounts (id) ON DELETE SET NULL
);
CREATE INDEX ON projects (tenant_id);
CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title text NOT NULL
);
CREATE TABLE task_notes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE ON UPDATE CASCADE,
    note text NOT NULL
);
-- No key at all: the tenant index comes from the backfill.
CREATE TABLE labels (name text NOT NULL);

INSERT INTO tenants (id, name) VALUES
    ('00000000-0000-0000-0000-00000000000a', 'a'), ('00000000-0000-0000-0000-00000000000b', 'b');
INSERT INTO accounts (id, org, name) VALUES
    ('a0000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-00000000000a', 'ann'),
    ('a0000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-00000000000b', 'bob');
INSERT INTO projects (tenant_id, id, lead_id) VALUES
    ('00000000-0000-0000-0000-00000000000a', '10000000-0000-0000-0000-00000000000a', 'a0000000-0000-0000-0000-00000000000a'),
    ('00000000-0000-0000-0000-00000000000b', '10000000-0000-0000-0000-00000000000b', 'a0000000-0000-0000-0000-00000000000b');
INSERT INTO tasks (id, project_id, title) VALUES
    ('20000000-0000-0000-0000-00000000000a', '10000000-0000-0000-0000-00000000000a', 'task a'),
    ('20000000-0000-0000-0000-00000000000b', '10000000-0000-0000-0000-00000000000b', 'task b');
INSERT INTO task_notes (task_id, note) VALUES
    ('20000000-0000-0000-0000-00000000000a', 'note a'), ('20000000-0000-0000-0000-00000000000b', 'note b');
INSERT INTO labels (name) VALUES ('red'), ('blue');
