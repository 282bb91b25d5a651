-- tenantc types the tenant columns of a schema with one glob,
-- "schema.*.tenant_id", only where sqlc would apply it to no other column:
-- billing gets the glob; app has a view, whose columns sqlc also matches
-- against "app.*"; public is read by a query with a CTE and a sub-select,
-- whose columns sqlc puts in public; ops has a global table with a tenant_id
-- column. These get one override per table, and the code is the same as
-- with one override per table everywhere (TestGlobOverrideTypesTheSameColumns).
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE notes (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE labels (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      text NOT NULL,
    PRIMARY KEY (tenant_id, name)
);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    total     bigint NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE billing.payments (
    tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id         uuid NOT NULL DEFAULT gen_random_uuid(),
    invoice_id uuid NOT NULL,
    amount     bigint NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, invoice_id) REFERENCES billing.invoices (tenant_id, id) ON DELETE CASCADE
);
CREATE SCHEMA app;
CREATE TABLE app.docs (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    title     text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE app.pages (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    doc_id    uuid NOT NULL,
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, doc_id) REFERENCES app.docs (tenant_id, id) ON DELETE CASCADE
);
CREATE VIEW app.doc_titles WITH (security_invoker = true) AS
    SELECT tenant_id, id, title FROM app.docs;
-- ops has a global table with a column named tenant_id: "ops.*.tenant_id"
-- would type it too.
CREATE SCHEMA ops;
CREATE TABLE ops.jobs (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE ops.runs (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id        uuid NOT NULL DEFAULT gen_random_uuid(),
    PRIMARY KEY (tenant_id, id)
);
CREATE TABLE ops.audit (id bigint PRIMARY KEY, tenant_id uuid, note text NOT NULL);
