CREATE SCHEMA crm;
CREATE TABLE crm.accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE crm.contacts (
    tenant_id uuid NOT NULL REFERENCES crm.accounts (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    "E-mail" text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
