CREATE TABLE orgs (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE notes (
    org_id text NOT NULL REFERENCES orgs (id),
    id text NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (org_id, id)
);
