-- name: ListLargeInvoices :many
SELECT * FROM invoices WHERE amount > $1;
