CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);

-- The tenant column second in the key: Citus needs it in the key, not first.
CREATE TABLE customers (
    id uuid NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    country text NOT NULL REFERENCES countries (code),
    email text NOT NULL,
    PRIMARY KEY (id, tenant_id),
    UNIQUE (tenant_id, email)
);
CREATE UNIQUE INDEX customers_lower_email ON customers (tenant_id, lower(email));

-- A foreign key pairing the tenant columns at the same position, not first.
CREATE TABLE orders (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL,
    customer_id uuid NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (customer_id, tenant_id) REFERENCES customers (id, tenant_id) ON DELETE CASCADE
);

-- Partitioned: its partitions follow it, no call of their own.
CREATE TABLE order_events (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    order_id uuid NOT NULL,
    at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, order_id, at),
    FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, id)
) PARTITION BY RANGE (at);
CREATE TABLE order_events_2026 PARTITION OF order_events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
