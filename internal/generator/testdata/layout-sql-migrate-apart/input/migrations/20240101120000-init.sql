-- sql-migrate skips this line: it comes before the first command.
-- +migrate Up
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL, PRIMARY KEY (tenant_id, id));
-- +migrate StatementBegin
CREATE FUNCTION project_count() RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT count(*) FROM projects);
END
$$;
-- +migrate StatementEnd

-- +migrate Down
DROP FUNCTION project_count();
DROP TABLE projects, tenants;
