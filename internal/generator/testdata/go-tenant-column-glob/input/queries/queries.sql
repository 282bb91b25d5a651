-- name: NoteCounts :many
WITH counted AS (
    SELECT tenant_id, count(*) AS notes FROM notes GROUP BY tenant_id
)
SELECT tenant_id, notes FROM counted;

-- name: LabelTenants :many
SELECT l.tenant_id FROM (SELECT tenant_id FROM labels) AS l;

-- name: DocTitles :many
SELECT tenant_id, id, title FROM app.doc_titles ORDER BY title;

-- name: InvoicePayments :many
SELECT i.tenant_id, i.id, p.amount FROM billing.invoices i
JOIN billing.payments p ON p.tenant_id = i.tenant_id AND p.invoice_id = i.id
WHERE i.id = sqlc.arg(invoice_id);

-- name: AuditNotes :many
SELECT tenant_id, note FROM ops.audit ORDER BY id;
