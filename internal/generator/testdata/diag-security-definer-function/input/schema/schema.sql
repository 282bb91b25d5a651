CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE FUNCTION tenant_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS $$ SELECT count(*) FROM tenants $$;
CREATE FUNCTION tenant_name(uuid) RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$ SELECT name FROM tenants WHERE id = $1 $$;
CREATE FUNCTION harmless() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
