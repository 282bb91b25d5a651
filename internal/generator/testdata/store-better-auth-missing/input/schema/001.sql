-- Better Auth's core tables, but not its organization plugin's.
create table "user" (
    "id" text not null primary key,
    "name" text not null,
    "email" text not null unique
);
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
