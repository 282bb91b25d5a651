CREATE TYPE task_status AS ENUM ('todo', 'doing', 'done');

CREATE TABLE tasks (
    tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    project_id  uuid NOT NULL,
    title       text NOT NULL,
    status      task_status NOT NULL DEFAULT 'todo',
    assignee_id uuid, -- a user of the auth layer
    due_on      date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    -- Composite: a task can only belong to a project of its own tenant.
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX tasks_project_status_idx ON tasks (tenant_id, project_id, status);
