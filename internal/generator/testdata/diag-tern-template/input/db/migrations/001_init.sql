CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
{{ template "shared/projects.sql" . }}

---- create above / drop below ----

DROP TABLE projects, tenants;
