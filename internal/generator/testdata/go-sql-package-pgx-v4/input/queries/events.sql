-- name: EventsOfKind :many
SELECT * FROM events
WHERE tenant_id = sqlc.arg(tenant_id) AND kind = sqlc.arg(kind) AND amount_cents >= sqlc.arg(min_cents)
ORDER BY at, seq;

-- name: EventKinds :many
SELECT DISTINCT kind FROM events WHERE amount_cents >= sqlc.arg(min_cents) ORDER BY kind;
