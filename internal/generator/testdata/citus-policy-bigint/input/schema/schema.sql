CREATE TABLE tenants (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE invoices (
    account_id bigint NOT NULL REFERENCES tenants (id),
    id bigserial,
    total numeric(12,2) NOT NULL,
    PRIMARY KEY (account_id, id)
);
