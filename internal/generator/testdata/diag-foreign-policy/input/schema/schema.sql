CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, public boolean NOT NULL, PRIMARY KEY (tenant_id, id));
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY public_projects ON projects FOR SELECT USING (public);
CREATE POLICY only_recent ON projects AS RESTRICTIVE USING (true);
CREATE POLICY dropped_again ON projects USING (true);
DROP POLICY dropped_again ON projects;
