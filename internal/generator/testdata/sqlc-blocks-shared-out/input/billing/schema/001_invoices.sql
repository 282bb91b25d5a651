CREATE TABLE invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    amount    bigint NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
