CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE VIEW project_ids AS SELECT id FROM projects;
CREATE VIEW safe_project_ids WITH (security_invoker = true) AS SELECT id FROM projects;
CREATE VIEW fixed_later AS SELECT id FROM projects;
ALTER VIEW fixed_later SET (security_invoker = on);
CREATE MATERIALIZED VIEW project_counts AS SELECT tenant_id, count(*) FROM projects GROUP BY tenant_id;
-- An owner-rights view over an invoker view still reads projects with its owner's rights.
CREATE VIEW nested AS SELECT * FROM safe_project_ids;
