CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, project_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id), FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id));
CREATE TABLE task_archive (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));

---- create above / drop below ----

-- Read as schema, this part would drop task_archive and tasks, which would
-- then get no row level security.
DROP TABLE task_archive;
DROP TABLE tasks;
