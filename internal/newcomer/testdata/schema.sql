-- A newcomer's own small SaaS: a CRM. Global plans, the tenants root, three
-- scoped tables chained by composite foreign keys that keep references
-- inside one tenant.
CREATE TABLE plans (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    price_cents integer NOT NULL
);
INSERT INTO plans (id, name, price_cents) VALUES ('free', 'Free', 0), ('pro', 'Pro', 2900);

CREATE TABLE tenants (
    id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name    text NOT NULL,
    plan_id text NOT NULL REFERENCES plans (id)
);

CREATE TABLE contacts (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    email      text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE deals (
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id           uuid NOT NULL DEFAULT gen_random_uuid(),
    contact_id   uuid NOT NULL,
    title        text NOT NULL,
    amount_cents bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    deal_id   uuid NOT NULL,
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, deal_id) REFERENCES deals (tenant_id, id) ON DELETE CASCADE
);
