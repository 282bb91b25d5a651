CREATE TABLE plans (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL, plan_id int REFERENCES plans (id));
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id        uuid NOT NULL,
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE tasks (
    tenant_id  uuid NOT NULL REFERENCES tenants (id),
    id         uuid NOT NULL,
    project_id uuid NOT NULL,
    title      text NOT NULL,
    done       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id)
);
