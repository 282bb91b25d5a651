-- tenantc's tenant root, protected as tenantc's migrations protect it: the
-- application table the Better Auth flavor's bridge (org_id) is added to.
-- Applied after better-auth-1.7.25-schema.sql, the schema Better Auth
-- 1.7.25's own migrator makes (`npx @better-auth/cli migrate` with the
-- organization plugin, teams and dynamic access control on; then
-- `pg_dump --schema-only --no-owner --no-privileges`).
CREATE TABLE tenants (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
    USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
