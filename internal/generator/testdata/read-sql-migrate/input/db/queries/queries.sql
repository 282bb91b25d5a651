-- name: ListProjectNames :many
SELECT id FROM projects ORDER BY id;

-- name: ListTaskIDs :many
SELECT id FROM tasks ORDER BY id;
