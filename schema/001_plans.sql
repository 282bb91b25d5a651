-- Plans are shared by every tenant: tenantc.yaml lists this table under global,
-- so it gets no policies.
CREATE TABLE plans (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    monthly_price_cents integer NOT NULL CHECK (monthly_price_cents >= 0),
    max_projects        integer NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
