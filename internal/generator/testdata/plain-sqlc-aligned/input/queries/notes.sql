-- name: SearchNotes :many
SELECT * FROM notes WHERE body = sqlc.arg(body) ORDER BY id;
