-- name: ListProjectNames :many
SELECT id FROM projects ORDER BY id;
