CREATE SCHEMA core;
CREATE SCHEMA "Sales";
CREATE SCHEMA "Reference";
CREATE TABLE core.tenants (id uuid PRIMARY KEY);
CREATE TABLE "Reference"."Country Codes" (code text PRIMARY KEY);
-- Quoted names keep their case; the generated SQL must quote them again.
CREATE TABLE "Sales"."Order Items" (
    tenant_id uuid NOT NULL REFERENCES core.tenants (id),
    "ID" uuid NOT NULL,
    "select" text,
    PRIMARY KEY (tenant_id, "ID")
);
CREATE TABLE "Sales".user (
    tenant_id uuid NOT NULL REFERENCES core.tenants (id),
    id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
