package orgstore

// Schema names the store's tables and columns. Names are SQL identifiers as
// PostgreSQL stores them (Better Auth's camelCase columns keep their case); the
// store quotes them. An empty column name means the schema lacks that optional
// column (an organization's logo, metadata or updated-at time, an
// invitation's team); an empty table name, that optional table.
type Schema struct {
	Organizations OrganizationsTable
	Members       MembersTable
	Invitations   InvitationsTable
	Teams         TeamsTable
	TeamMembers   TeamMembersTable
	// Roles is the optional per-organization custom roles table; Roles.Name ""
	// means the schema has none.
	Roles RolesTable
	// Tenants is the bridge from organization to tenant: a table whose rows
	// name one organization each. Empty Tenants.Name means the organizations
	// table is itself the tenant root and an organization's id is its tenant.
	Tenants TenantsTable
	// Users optionally names the application's users table, so ListMembers can
	// return each member's name and email in the same query.
	Users UsersTable

	// IDs says how new ids are made: "database" leaves them to the column
	// default (uuid), "random32" makes 32 random alphanumeric characters in Go,
	// as Better Auth does.
	IDs string
	// RolesText stores a member's roles comma-joined in a text column (Better
	// Auth) instead of a text[] column.
	RolesText bool
	// MetadataText stores organization metadata as JSON text (Better Auth)
	// instead of jsonb.
	MetadataText bool
	// TokenHash is false when the invitations table has no token-hash column;
	// such a schema cannot be used (tenantc's Better Auth migration adds one).
}

// OptionalTables are the Schema fields naming tables a schema may lack, and
// OptionalColumns, per table field, the column fields it may lack: the store
// works without them (tenantc's generator reads these to check a schema).
var (
	OptionalTables  = []string{"Teams", "TeamMembers", "Roles"}
	OptionalColumns = map[string][]string{
		"Organizations": {"Logo", "Metadata", "UpdatedAt"},
		"Invitations":   {"TeamID"},
	}
)

type OrganizationsTable struct {
	Name, ID, OrgName, Slug, Logo, Metadata, CreatedAt, UpdatedAt string
}

type MembersTable struct {
	Name, ID, OrganizationID, UserID, Role, CreatedAt string
}

type InvitationsTable struct {
	Name, ID, OrganizationID, Email, Role, TeamID, Status, TokenHash, InviterID, ExpiresAt, CreatedAt string
}

type TeamsTable struct {
	Name, ID, OrganizationID, TeamName, CreatedAt, UpdatedAt string
}

type TeamMembersTable struct {
	Name, ID, TeamID, UserID, CreatedAt string
}

type RolesTable struct {
	Name, ID, OrganizationID, Role, Permissions, CreatedAt string
}

type TenantsTable struct {
	Name, ID, OrganizationID string
}

type UsersTable struct {
	Name, ID, UserName, Email string
}

// Native is the schema of tenantc's own store tables (see the migration
// tenantc generates when store.enabled is set).
func Native() Schema {
	return Schema{
		Organizations: OrganizationsTable{"organizations", "id", "name", "slug", "logo", "metadata", "created_at", "updated_at"},
		Members:       MembersTable{"members", "id", "organization_id", "user_id", "roles", "created_at"},
		Invitations:   InvitationsTable{"invitations", "id", "organization_id", "email", "roles", "team_id", "status", "token_hash", "inviter_id", "expires_at", "created_at"},
		Teams:         TeamsTable{"teams", "id", "organization_id", "name", "created_at", "updated_at"},
		TeamMembers:   TeamMembersTable{"team_members", "id", "team_id", "user_id", "created_at"},
		Roles:         RolesTable{"organization_roles", "id", "organization_id", "role", "permissions", "created_at"},
		Tenants:       TenantsTable{"tenants", "id", "org_id"},
		IDs:           "database",
	}
}

// BetterAuth is the schema of Better Auth's organization plugin (its documented
// tables: organization, member, invitation, team, teamMember,
// organizationRole; camelCase columns; text ids), with the token-hash column
// and tenants bridge tenantc's Better Auth migration adds.
func BetterAuth() Schema {
	return Schema{
		Organizations: OrganizationsTable{"organization", "id", "name", "slug", "logo", "metadata", "createdAt", ""},
		Members:       MembersTable{"member", "id", "organizationId", "userId", "role", "createdAt"},
		Invitations:   InvitationsTable{"invitation", "id", "organizationId", "email", "role", "teamId", "status", "tokenHash", "inviterId", "expiresAt", "createdAt"},
		Teams:         TeamsTable{"team", "id", "organizationId", "name", "createdAt", "updatedAt"},
		TeamMembers:   TeamMembersTable{"teamMember", "id", "teamId", "userId", "createdAt"},
		Roles:         RolesTable{"organizationRole", "id", "organizationId", "role", "permission", "createdAt"},
		Tenants:       TenantsTable{"tenants", "id", "org_id"},
		Users:         UsersTable{"user", "id", "name", "email"},
		IDs:           "random32",
		RolesText:     true,
		MetadataText:  true,
	}
}
