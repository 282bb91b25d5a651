CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE folders (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    cover_id uuid,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE files (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    folder_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, folder_id) REFERENCES folders (tenant_id, id)
);
ALTER TABLE folders ADD FOREIGN KEY (tenant_id, cover_id) REFERENCES files (tenant_id, id);
