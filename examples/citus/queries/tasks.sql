-- On Citus a query routes to one shard only when it names the tenant:
-- tenant_id = sqlc.arg(tenant_id) (tenant.IDFrom(ctx)). The policy alone
-- would keep the rows right but ask every shard (vet: citus-fan-out).

-- name: ListOpenTasks :many
SELECT id, project_id, title, created_at
FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND project_id = sqlc.arg(project_id) AND NOT done
ORDER BY created_at, id;

-- name: ProjectTaskCounts :many
SELECT p.id, p.name, count(t.id) AS tasks
FROM projects p
LEFT JOIN tasks t ON t.tenant_id = p.tenant_id AND t.project_id = p.id
WHERE p.tenant_id = sqlc.arg(tenant_id)
GROUP BY p.id, p.name
ORDER BY p.name;

-- name: ListPlans :many
SELECT id, name, max_projects FROM plans ORDER BY id;
