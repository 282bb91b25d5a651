CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE members (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, user_name text NOT NULL, PRIMARY KEY (tenant_id, id));
CREATE TABLE projects (
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
-- Citus refuses both: a sub-select (EXISTS) in USING, a scalar one in WITH CHECK.
CREATE POLICY members_only ON projects AS RESTRICTIVE FOR ALL
    USING (EXISTS (SELECT 1 FROM members m WHERE m.tenant_id = projects.tenant_id AND m.user_name = current_user))
    WITH CHECK (name <> (SELECT 'x'));
-- Not a sub-select: the word SELECT in a literal does not count.
CREATE POLICY no_select_names ON members AS RESTRICTIVE FOR ALL USING (user_name <> 'SELECT');
