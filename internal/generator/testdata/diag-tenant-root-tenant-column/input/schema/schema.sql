-- A tenant column but no tenant table: tenancy was meant, so the missing
-- root is an error, never a plain sqlc project that leaves invoices open.
CREATE TABLE organizations (id uuid PRIMARY KEY);
CREATE TABLE invoices (id uuid PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES organizations (id));
