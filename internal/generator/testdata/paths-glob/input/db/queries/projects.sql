-- name: ListProjectNames :many
SELECT id, name FROM projects ORDER BY name;
