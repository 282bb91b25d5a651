-- name: ListNotesByBody :many
SELECT * FROM notes WHERE body = $1;
