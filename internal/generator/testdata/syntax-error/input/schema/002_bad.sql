CREATE TABLE projects (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL,,
    PRIMARY KEY (tenant_id, id)
);
