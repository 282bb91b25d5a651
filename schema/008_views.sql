-- security_invoker: the view runs with the caller's rights, so the callers'
-- tenant policies apply to the tables it reads.
CREATE VIEW project_task_counts WITH (security_invoker = true) AS
SELECT p.tenant_id,
       p.id AS project_id,
       p.name,
       count(t.id) FILTER (WHERE t.status <> 'done') AS open_tasks,
       count(t.id) AS all_tasks
FROM projects p
LEFT JOIN tasks t ON t.tenant_id = p.tenant_id AND t.project_id = p.id
GROUP BY p.tenant_id, p.id, p.name;
