-- Colocated joins: the tenant columns are equated (ON, USING, or both
-- pinned to the same parameter).
-- name: TasksWithProject :many
SELECT t.id, t.title, p.name AS project
FROM tasks t
JOIN projects p ON p.tenant_id = t.tenant_id AND p.id = t.project_id
WHERE t.tenant_id = @tenant_id;

-- name: TasksOfProjectNamed :many
SELECT tasks.id, tasks.title
FROM tasks JOIN projects USING (tenant_id)
WHERE tasks.tenant_id = sqlc.arg(tenant_id) AND projects.id = tasks.project_id AND projects.name = sqlc.arg(name);

-- name: ProjectsWithOpenTasks :many
SELECT p.* FROM projects p
WHERE p.tenant_id = @tenant_id
  AND EXISTS (SELECT 1 FROM tasks t WHERE t.tenant_id = p.tenant_id AND t.project_id = p.id AND NOT t.done);

-- Not colocated: the join does not say the rows are the same tenant's.
-- name: TaskProjects :many
SELECT t.id, p.name
FROM tasks t
JOIN projects p ON p.id = t.project_id
WHERE t.tenant_id = @tenant_id;

-- A self-join on another column: which tasks share a title.
-- name: SameTitle :many
SELECT a.id, b.id AS other
FROM tasks a
JOIN tasks b ON b.title = a.title AND b.id <> a.id
WHERE a.tenant_id = @tenant_id;

-- The repositories fill every tenant parameter from the scope: one tenant.
-- name: CompareProjects :many
SELECT a.name, b.name AS other
FROM projects a, projects b
WHERE a.tenant_id = $1 AND b.tenant_id = $2 AND a.id <> b.id;
