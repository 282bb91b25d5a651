-- name: OtherTenantsTasks :many
SELECT * FROM tasks_of(@tenant::uuid);

-- name: MyTasks :many
SELECT * FROM tasks WHERE tenant_id = current_tenant();
