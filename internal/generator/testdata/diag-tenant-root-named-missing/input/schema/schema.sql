CREATE TABLE orgs (id uuid PRIMARY KEY);
CREATE TABLE notes (tenant_id uuid NOT NULL REFERENCES orgs, id int, PRIMARY KEY (tenant_id, id));
