CREATE TABLE tenants (id uuid PRIMARY KEY);
CREATE TABLE tasks (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, title text NOT NULL, PRIMARY KEY (tenant_id, id));

-- Switches the tenant itself (SQL body).
CREATE FUNCTION use_tenant(t uuid) RETURNS text LANGUAGE sql AS $$ SELECT set_config('app.tenant_id', t::text, true) $$;

-- Switches it through use_tenant (PL/pgSQL body).
CREATE FUNCTION tasks_of(t uuid) RETURNS SETOF tasks LANGUAGE plpgsql AS $$
BEGIN
    PERFORM use_tenant(t);
    RETURN QUERY SELECT * FROM tasks;
END
$$;

-- Dynamic SQL that can set it (the Citus pattern).
CREATE PROCEDURE enter_tenant(t uuid) LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL app.tenant_id = %L', t);
END
$$;

-- Reads it only: fine.
CREATE FUNCTION current_tenant() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;
