-- name: EventsOfKind :many
SELECT * FROM events
WHERE tenant_id = sqlc.arg(tenant_id) AND kind = sqlc.arg(kind) AND amount_cents >= sqlc.arg(min_cents)
ORDER BY at, seq;

-- name: EventKinds :many
SELECT DISTINCT kind FROM events WHERE amount_cents >= sqlc.arg(min_cents) ORDER BY kind;

-- name: ListEventKinds :many
SELECT * FROM event_kinds ORDER BY name;

-- name: DeleteEventsOfKind :execrows
DELETE FROM events WHERE kind = $1;
