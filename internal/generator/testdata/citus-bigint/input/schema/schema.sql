CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain text NOT NULL,
    CONSTRAINT accounts_domain_key UNIQUE (domain)
);

CREATE TABLE "Invoices" (
    account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    number bigint NOT NULL,
    total numeric(12, 2) NOT NULL,
    PRIMARY KEY (account_id, number)
);

CREATE SCHEMA billing;
CREATE TABLE billing.lines (
    account_id bigint NOT NULL REFERENCES accounts (id),
    invoice_number bigint NOT NULL,
    line int NOT NULL,
    amount numeric(12, 2) NOT NULL,
    PRIMARY KEY (account_id, invoice_number, line),
    FOREIGN KEY (account_id, invoice_number) REFERENCES "Invoices" (account_id, number)
);
