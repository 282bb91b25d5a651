-- Routed to one shard: an explicit tenant predicate, as a named parameter,
-- sqlc.arg or a positional one.
-- name: OpenTasks :many
SELECT * FROM tasks WHERE tenant_id = @tenant_id AND NOT done;

-- name: RenameProject :exec
UPDATE projects SET name = sqlc.arg(name)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: CloseTask :exec
UPDATE tasks SET done = true WHERE tenant_id = $1 AND id = $2;

-- Inserts are routed by the row's tenant, which the column default fills in.
-- name: AddTask :exec
INSERT INTO tasks (id, project_id, title) VALUES (@id, @project_id, @title);

-- Global tables are reference tables, on every node.
-- name: ListPlans :many
SELECT * FROM plans ORDER BY id;

-- Fan out to every shard: only the policy filters by tenant.
-- name: CountOpenTasks :one
SELECT count(*) FROM tasks WHERE NOT done;

-- name: DeleteDoneTasks :execrows
DELETE FROM tasks WHERE done AND project_id = @project_id;

-- An equality under OR restricts nothing.
-- name: FindTask :one
SELECT * FROM tasks WHERE tenant_id = @tenant_id OR title = @title;
