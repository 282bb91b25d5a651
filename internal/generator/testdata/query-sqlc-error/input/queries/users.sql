-- name: FindUser :one
SELECT id, emali FROM users WHERE email = $1;
