-- name: SwitchTenant :exec
SELECT set_config('app.tenant_id', $1, true);

-- name: BecomeAdmin :exec
SET ROLE admin;

-- name: DropUsers :exec
DROP TABLE users;

-- name: SearchUsers :many
SELECT * FROM users WHERE email ILIKE $1;

-- name: ImportUsers :copyfrom
INSERT INTO users (tenant_id, id, email) VALUES ($1, $2, $3);

-- name: FindUser :one
SELECT * FROM users WHERE email = $1;
