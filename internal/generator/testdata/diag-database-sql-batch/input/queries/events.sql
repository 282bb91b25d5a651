-- name: EventsOfKind :many
SELECT * FROM events
WHERE tenant_id = sqlc.arg(tenant_id) AND kind = sqlc.arg(kind) AND amount_cents >= sqlc.arg(min_cents)
ORDER BY at, seq;

-- name: EventKinds :many
SELECT DISTINCT kind FROM events WHERE amount_cents >= sqlc.arg(min_cents) ORDER BY kind;

-- name: AddEvents :batchexec
INSERT INTO events (tenant_id, seq, kind) VALUES (sqlc.arg(tenant_id), sqlc.arg(seq), sqlc.arg(kind));

-- name: CopyEvents :copyfrom
INSERT INTO events (tenant_id, seq, kind) VALUES (sqlc.arg(tenant_id), sqlc.arg(seq), sqlc.arg(kind));
