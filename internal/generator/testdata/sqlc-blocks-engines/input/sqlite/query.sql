-- name: ListAuthors :many
SELECT * FROM authors ORDER BY name;
