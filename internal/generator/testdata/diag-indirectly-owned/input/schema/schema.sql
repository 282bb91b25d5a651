CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE tasks (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE task_checklists (
    id uuid PRIMARY KEY,
    tenant_ref uuid NOT NULL,
    task_id uuid NOT NULL,
    FOREIGN KEY (tenant_ref, task_id) REFERENCES tasks (tenant_id, id)
);
-- Two hops away from the tenant.
CREATE TABLE checklist_items (
    id uuid PRIMARY KEY,
    checklist_id uuid NOT NULL REFERENCES task_checklists (id),
    text text NOT NULL
);
