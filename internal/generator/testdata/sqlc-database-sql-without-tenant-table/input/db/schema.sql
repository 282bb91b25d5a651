-- No tenant table: a plain sqlc project with sqlc's default sql_package
-- (database/sql), which tenantc passes through unchanged.
CREATE TABLE authors (
    id   bigserial PRIMARY KEY,
    name text NOT NULL,
    bio  text
);
