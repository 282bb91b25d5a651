-- Better Auth's core and organization plugin tables (teams and dynamic access
-- control enabled), as its documented schema has them for PostgreSQL:
-- camelCase columns, text ids; team."memberCount" and teamMember."membershipKey"
-- as Better Auth 1.7.25's migrator makes them.
create table "user" (
    "id" text not null primary key,
    "name" text not null,
    "email" text not null unique,
    "emailVerified" boolean not null,
    "image" text,
    "createdAt" timestamptz default CURRENT_TIMESTAMP not null,
    "updatedAt" timestamptz default CURRENT_TIMESTAMP not null
);
create table "session" (
    "id" text not null primary key,
    "expiresAt" timestamptz not null,
    "token" text not null unique,
    "createdAt" timestamptz default CURRENT_TIMESTAMP not null,
    "updatedAt" timestamptz not null,
    "ipAddress" text,
    "userAgent" text,
    "userId" text not null references "user" ("id") on delete cascade,
    "activeOrganizationId" text,
    "activeTeamId" text
);
create table "account" (
    "id" text not null primary key,
    "accountId" text not null,
    "providerId" text not null,
    "userId" text not null references "user" ("id") on delete cascade,
    "accessToken" text,
    "refreshToken" text,
    "idToken" text,
    "accessTokenExpiresAt" timestamptz,
    "refreshTokenExpiresAt" timestamptz,
    "scope" text,
    "password" text,
    "createdAt" timestamptz default CURRENT_TIMESTAMP not null,
    "updatedAt" timestamptz not null
);
create table "verification" (
    "id" text not null primary key,
    "identifier" text not null,
    "value" text not null,
    "expiresAt" timestamptz not null,
    "createdAt" timestamptz default CURRENT_TIMESTAMP not null,
    "updatedAt" timestamptz default CURRENT_TIMESTAMP not null
);
create table "organization" (
    "id" text not null primary key,
    "name" text not null,
    "slug" text not null unique,
    "logo" text,
    "createdAt" timestamptz not null,
    "metadata" text
);
create table "team" (
    "id" text not null primary key,
    "name" text not null,
    "memberCount" integer not null,
    "organizationId" text not null references "organization" ("id") on delete cascade,
    "createdAt" timestamptz not null,
    "updatedAt" timestamptz
);
create table "teamMember" (
    "id" text not null primary key,
    "teamId" text not null references "team" ("id") on delete cascade,
    "userId" text not null references "user" ("id") on delete cascade,
    "membershipKey" text unique,
    "createdAt" timestamptz
);
create table "organizationRole" (
    "id" text not null primary key,
    "organizationId" text not null references "organization" ("id") on delete cascade,
    "role" text not null,
    "permission" text not null,
    "createdAt" timestamptz not null,
    "updatedAt" timestamptz
);
create table "member" (
    "id" text not null primary key,
    "organizationId" text not null references "organization" ("id") on delete cascade,
    "userId" text not null references "user" ("id") on delete cascade,
    "role" text not null,
    "createdAt" timestamptz not null
);
create table "invitation" (
    "id" text not null primary key,
    "organizationId" text not null references "organization" ("id") on delete cascade,
    "email" text not null,
    "role" text,
    "teamId" text,
    "status" text not null,
    "expiresAt" timestamptz not null,
    "createdAt" timestamptz default CURRENT_TIMESTAMP not null,
    "inviterId" text not null references "user" ("id") on delete cascade
);
create index "session_userId_idx" on "session" ("userId");
create index "account_userId_idx" on "account" ("userId");
create index "member_organizationId_idx" on "member" ("organizationId");
create index "member_userId_idx" on "member" ("userId");
create index "invitation_organizationId_idx" on "invitation" ("organizationId");
-- Named as tenantc's migration would name its own: tenantc's CREATE INDEX IF
-- NOT EXISTS does nothing, and its down migration leaves this index alone.
create index "invitation_email_idx" on "invitation" ("email");
