CREATE TABLE organizations (id uuid PRIMARY KEY);
