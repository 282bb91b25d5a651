-- Users belong to the auth layer (an identity provider, Better Auth, …); this
-- table mirrors what the app shows of them. Shared by every tenant: listed
-- under global, and tenantc's organization store reads names and emails from
-- it (store.users in tenantc.yaml).
CREATE TABLE users (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    email      text NOT NULL UNIQUE CHECK (email = lower(email)),
    created_at timestamptz NOT NULL DEFAULT now()
);
