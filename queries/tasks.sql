-- name: ListTasksByStatus :many
SELECT id, project_id, title, status, assignee_id, due_on
FROM tasks
WHERE project_id = $1 AND status = $2
ORDER BY created_at, id;

-- name: AssignTask :exec
UPDATE tasks SET assignee_id = $2, updated_at = now() WHERE id = $1;

-- name: AddComment :one
INSERT INTO comments (task_id, author_id, body)
VALUES ($1, $2, $3)
RETURNING id, created_at;

-- name: ListComments :many
SELECT id, author_id, body, created_at
FROM comments
WHERE task_id = $1
ORDER BY created_at;
