-- Better Auth's core user table and its organization plugin's tables, as its
-- documentation describes them (camelCase columns, text ids, timestamps
-- without time zone, roles comma-joined, metadata as JSON text, every
-- foreign key ON DELETE CASCADE, member indexed on organizationId and userId
-- separately and with no unique key), plus tenantc's tenants table protected
-- as tenantc protects a tenant root. templates/store_better_auth.up.sql.tmpl
-- is applied on top.

CREATE TABLE "user" (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    email           text NOT NULL UNIQUE,
    "emailVerified" boolean NOT NULL DEFAULT false,
    image           text,
    "createdAt"     timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"     timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE organization (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    slug        text NOT NULL UNIQUE,
    logo        text,
    "createdAt" timestamp NOT NULL,
    metadata    text
);

CREATE TABLE member (
    id               text PRIMARY KEY,
    "organizationId" text NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    "userId"         text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    role             text NOT NULL DEFAULT 'member',
    "createdAt"      timestamp NOT NULL
);
CREATE INDEX member_organizationId_idx ON member ("organizationId");
CREATE INDEX member_userId_idx ON member ("userId");

CREATE TABLE team (
    id               text PRIMARY KEY,
    name             text NOT NULL,
    "organizationId" text NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    "createdAt"      timestamp NOT NULL,
    "updatedAt"      timestamp
);

CREATE TABLE "teamMember" (
    id          text PRIMARY KEY,
    "teamId"    text NOT NULL REFERENCES team (id) ON DELETE CASCADE,
    "userId"    text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "createdAt" timestamp
);

CREATE TABLE invitation (
    id               text PRIMARY KEY,
    "organizationId" text NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    email            text NOT NULL,
    role             text,
    "teamId"         text,
    status           text NOT NULL DEFAULT 'pending',
    "expiresAt"      timestamp NOT NULL,
    "inviterId"      text NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    "createdAt"      timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX invitation_organizationId_idx ON invitation ("organizationId");
CREATE INDEX invitation_email_idx_ba ON invitation (email);

CREATE TABLE "organizationRole" (
    id               text PRIMARY KEY,
    "organizationId" text NOT NULL REFERENCES organization (id) ON DELETE CASCADE,
    role             text NOT NULL,
    permission       text NOT NULL,
    "createdAt"      timestamp NOT NULL,
    "updatedAt"      timestamp
);
CREATE INDEX "organizationRole_organizationId_idx" ON "organizationRole" ("organizationId");

-- tenantc's tenant root, protected as tenantc's migrations protect it.
CREATE TABLE tenants (
    id   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text
);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
    USING (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
