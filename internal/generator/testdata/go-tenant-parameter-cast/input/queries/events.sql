-- name: EventsOfTenant :many
SELECT * FROM events
WHERE tenant_id = sqlc.narg(tenant_id)::uuid
ORDER BY at, seq;
