-- The schema evolves: tenancy arrives by ALTER TABLE.
ALTER TABLE docs ADD COLUMN tenant_id uuid;
ALTER TABLE docs ALTER COLUMN tenant_id SET NOT NULL;
ALTER TABLE docs ADD CONSTRAINT docs_tenant_fk FOREIGN KEY (tenant_id) REFERENCES tenants (id);
ALTER TABLE docs DROP CONSTRAINT docs_pkey;
ALTER TABLE docs ADD PRIMARY KEY (tenant_id, id);
ALTER TABLE docs RENAME TO documents;
ALTER TABLE documents RENAME COLUMN title TO name;
DROP TABLE scratch;
