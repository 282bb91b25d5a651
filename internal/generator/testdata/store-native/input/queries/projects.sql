-- name: ProjectsOfOrganization :many
-- The bridge in a query: an organization's projects through its tenant.
SELECT p.id, p.name FROM projects p JOIN tenants t ON t.id = p.tenant_id
WHERE t.org_id = $1 ORDER BY p.name;
