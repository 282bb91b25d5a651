-- bigint tenant keys under sql_package database/sql: pgx's stdlib driver hands
-- the key to database/sql as an int64, which tenant.ID scans as its text.
CREATE TABLE currencies (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);
CREATE TABLE invoices (
    account_id bigint NOT NULL REFERENCES accounts (id),
    number     integer NOT NULL,
    currency   text NOT NULL REFERENCES currencies (code),
    total      numeric(12,2) NOT NULL,
    PRIMARY KEY (account_id, number)
);
