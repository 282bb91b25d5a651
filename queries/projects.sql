-- Queries of the example app in sqlc's annotation style. Under tenantc they run
-- inside a tenant transaction, so the policies already restrict every statement
-- to the caller's tenant.

-- name: ListActiveProjects :many
SELECT id, name, description, created_at
FROM projects
WHERE archived_at IS NULL
ORDER BY name
LIMIT $1;

-- name: ArchiveProject :exec
UPDATE projects SET archived_at = now() WHERE id = $1;

-- name: ProjectTaskCounts :many
SELECT project_id, name, open_tasks, all_tasks FROM project_task_counts ORDER BY name;
