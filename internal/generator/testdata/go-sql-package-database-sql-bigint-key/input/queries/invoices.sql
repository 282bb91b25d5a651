-- name: InvoicesWithCurrency :many
SELECT i.number, i.total, c.name AS currency_name
FROM invoices i JOIN currencies c ON c.code = i.currency
WHERE i.total > $1
ORDER BY i.number;

-- name: ListCurrencies :many
SELECT * FROM currencies ORDER BY code;

-- name: CountInvoices :one
SELECT count(*) FROM invoices WHERE account_id = $1 AND total > 0;
