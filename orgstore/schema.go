package orgstore

import "fmt"

// Schema names the store's tables and columns. Names are SQL identifiers as
// PostgreSQL stores them (Better Auth's camelCase columns keep their case); the
// store quotes them.
//
// A table type's Table field empty means the schema lacks that table, and an
// empty column field that it lacks that column. Only some may be missing (see
// [Schema.Spec], which lists which): the teams, team members and custom roles
// tables, an organization's logo, metadata and updated-at columns, an
// invitation's team column, a team's member count and a team member's
// membership key. An operation that needs what the schema lacks
// returns a capability error ([ErrUnsupported]).
type Schema struct {
	// Organizations is the organizations table; required.
	Organizations OrganizationsTable
	// Members is the memberships table; required.
	Members MembersTable
	// Invitations is the invitations table. Without it, or without its
	// token-hash column, the invitation operations return ErrNoInvitations.
	Invitations InvitationsTable
	// Teams and TeamMembers are the optional teams tables; without either the
	// team operations return ErrNoTeams.
	Teams       TeamsTable
	TeamMembers TeamMembersTable
	// Roles is the optional per-organization custom roles table; without it
	// CreateRole and DeleteRole return ErrNoCustomRoles.
	Roles RolesTable
	// Tenants is the bridge from organization to tenant: a table whose rows
	// name one organization each. Empty Tenants.Table means the organizations
	// table is itself the tenant root and an organization's id is its tenant.
	Tenants TenantsTable
	// Users optionally names the application's users table, so ListMembers can
	// return each member's name and email in the same query, and
	// AcceptInvitationByID and RejectInvitationByID can read the signed-in
	// user's email (and whether it is verified) the way Better Auth does;
	// without it those return ErrNoUsers.
	Users UsersTable

	// IDs says who makes the ids of the rows the store inserts. New refuses a
	// value that is not one of the IDSource constants.
	IDs IDSource
	// RolesText stores a member's roles comma-joined in a text column (Better
	// Auth) instead of a text[] column.
	RolesText bool
	// MetadataText stores organization metadata as JSON text (Better Auth)
	// instead of jsonb.
	MetadataText bool
	// TeamsText stores an invitation's teams comma-joined in its text team
	// column (Better Auth: an invitation may name several teams) instead of
	// one team id.
	TeamsText bool
}

// IDSource says who makes the ids of the rows the store inserts.
type IDSource int

const (
	// DatabaseIDs leaves ids to the id columns' defaults (tenantc's tables
	// default to gen_random_uuid()). The zero value.
	DatabaseIDs IDSource = iota
	// Random32IDs makes each id in Go: 32 random alphanumeric characters, as
	// Better Auth does.
	Random32IDs
)

// String returns the source's constant name.
func (s IDSource) String() string {
	switch s {
	case DatabaseIDs:
		return "DatabaseIDs"
	case Random32IDs:
		return "Random32IDs"
	}
	return fmt.Sprintf("IDSource(%d)", int(s))
}

func (s IDSource) valid() bool { return s == DatabaseIDs || s == Random32IDs }

// OrganizationsTable names the organizations table and its columns.
type OrganizationsTable struct {
	// Table is the table's name.
	Table string
	// ID is the primary key: uuid (native) or text (Better Auth).
	ID string
	// Name is the organization's display name.
	Name string
	// Slug is the organization's unique URL name (see ValidSlug).
	Slug string
	// Logo is the logo URL; optional.
	Logo string
	// Metadata is the organization's JSON metadata (jsonb, or text with
	// Schema.MetadataText); optional.
	Metadata string
	// CreatedAt is the creation time.
	CreatedAt string
	// UpdatedAt is the time of the last change; optional (Better Auth has
	// none: an organization's UpdatedAt is then its creation time).
	UpdatedAt string
}

// MembersTable names the memberships table: one row per user and
// organization, unique on (OrganizationID, UserID).
type MembersTable struct {
	// Table is the table's name.
	Table string
	// ID is the primary key.
	ID string
	// OrganizationID references the organizations table.
	OrganizationID string
	// UserID is the member's user id, as the auth layer has it.
	UserID string
	// Role holds the member's roles: text[] (native), or comma-joined text
	// with Schema.RolesText.
	Role string
	// CreatedAt is when the user became a member.
	CreatedAt string
}

// InvitationsTable names the invitations table.
type InvitationsTable struct {
	// Table is the table's name.
	Table string
	// ID is the primary key.
	ID string
	// OrganizationID references the organizations table.
	OrganizationID string
	// Email is the invitee's address, stored lower-cased.
	Email string
	// Role holds the roles the invitee will have, as MembersTable.Role.
	Role string
	// TeamID is the team the invitee joins on accepting; optional.
	TeamID string
	// Status is the InvitationStatus, as text.
	Status string
	// TokenHash is the SHA-256 of the invitation's token (bytea), the only
	// form of it stored. Required for invitations: Better Auth's table has
	// none until tenantc's migration adds it.
	TokenHash string
	// InviterID is the inviting user's id.
	InviterID string
	// ExpiresAt is when the invitation stops being acceptable.
	ExpiresAt string
	// CreatedAt is the invitation's creation time.
	CreatedAt string
}

// TeamsTable names the teams table: groups of members within an
// organization.
type TeamsTable struct {
	// Table is the table's name.
	Table string
	// ID is the primary key.
	ID string
	// OrganizationID references the organizations table.
	OrganizationID string
	// Name is the team's name, unique within its organization where the
	// schema says so (the native one does).
	Name string
	// CreatedAt is the creation time.
	CreatedAt string
	// UpdatedAt is the time of the last rename; NULL (Better Auth's default
	// team has none) reads as CreatedAt.
	UpdatedAt string
	// MemberCount is Better Auth's seat counter (integer, NOT NULL, no
	// default): the seats its maximumMembersPerTeam limit counts. Optional;
	// where the schema has it the store keeps it as Better Auth does (0 on
	// create, raised to the team's member count and incremented under the
	// team's lock on add, decremented on remove).
	MemberCount string
}

// TeamMembersTable names the team memberships table.
type TeamMembersTable struct {
	// Table is the table's name.
	Table string
	// ID is the primary key.
	ID string
	// TeamID references the teams table.
	TeamID string
	// UserID is the member's user id (a member of the team's organization).
	UserID string
	// MembershipKey is Better Auth's unique key of a (team, user) pair:
	// base64url, unpadded, of the SHA-256 of the JSON array [team, user].
	// Optional; the store writes it where the schema has it.
	MembershipKey string
	// CreatedAt is when the user joined the team.
	CreatedAt string
}

// RolesTable names the custom roles table: roles an organization defines
// for itself, beyond the built-in ones and Config.Roles.
type RolesTable struct {
	// Table is the table's name.
	Table string
	// ID is the primary key.
	ID string
	// OrganizationID references the organizations table.
	OrganizationID string
	// Role is the role's name.
	Role string
	// Permissions is what the role grants: text[] of permission statements
	// (native), or with Schema.RolesText Better Auth's JSON object of
	// resource → actions.
	Permissions string
	// CreatedAt is the creation time.
	CreatedAt string
}

// TenantsTable names the application's tenant root when it is not the
// organizations table, and the bridge column naming each tenant's
// organization.
type TenantsTable struct {
	// Table is the table's name; "" when the organizations table is the
	// tenant root.
	Table string
	// ID is the tenant's key, the tenant id the store returns.
	ID string
	// OrganizationID is the bridge column: a unique reference to the
	// organizations table.
	OrganizationID string
}

// UsersTable names the application's users table, read for members' names
// and email addresses.
type UsersTable struct {
	// Table is the table's name; "" for none.
	Table string
	// ID is the user's id, the one MembersTable.UserID holds (compared as
	// text).
	ID string
	// Name is the user's display name.
	Name string
	// Email is the user's email address.
	Email string
	// EmailVerified is the boolean column saying the user proved the address
	// (Better Auth's "emailVerified"); optional. Without it
	// Config.RequireEmailVerificationOnInvitation cannot be checked, and New
	// refuses that option.
	EmailVerified string
}

// Native is the schema of tenantc's own store tables (see the migration
// tenantc generates when store.enabled is set).
func Native() Schema {
	return Schema{
		Organizations: OrganizationsTable{
			Table: "organizations", ID: "id", Name: "name", Slug: "slug",
			Logo: "logo", Metadata: "metadata", CreatedAt: "created_at", UpdatedAt: "updated_at",
		},
		Members: MembersTable{
			Table: "members", ID: "id", OrganizationID: "organization_id", UserID: "user_id",
			Role: "roles", CreatedAt: "created_at",
		},
		Invitations: InvitationsTable{
			Table: "invitations", ID: "id", OrganizationID: "organization_id", Email: "email",
			Role: "roles", TeamID: "team_id", Status: "status", TokenHash: "token_hash",
			InviterID: "inviter_id", ExpiresAt: "expires_at", CreatedAt: "created_at",
		},
		Teams: TeamsTable{
			Table: "teams", ID: "id", OrganizationID: "organization_id", Name: "name",
			CreatedAt: "created_at", UpdatedAt: "updated_at",
		},
		TeamMembers: TeamMembersTable{
			Table: "team_members", ID: "id", TeamID: "team_id", UserID: "user_id", CreatedAt: "created_at",
		},
		Roles: RolesTable{
			Table: "organization_roles", ID: "id", OrganizationID: "organization_id", Role: "role",
			Permissions: "permissions", CreatedAt: "created_at",
		},
		Tenants: TenantsTable{Table: "tenants", ID: "id", OrganizationID: "org_id"},
		IDs:     DatabaseIDs,
	}
}

// BetterAuth is the schema of Better Auth's organization plugin (its documented
// tables: organization, member, invitation, team, teamMember,
// organizationRole; camelCase columns; text ids), with the token-hash column
// and tenants bridge tenantc's Better Auth migration adds.
func BetterAuth() Schema {
	return Schema{
		Organizations: OrganizationsTable{
			Table: "organization", ID: "id", Name: "name", Slug: "slug",
			Logo: "logo", Metadata: "metadata", CreatedAt: "createdAt",
			// No UpdatedAt: Better Auth's organization has no such column.
		},
		Members: MembersTable{
			Table: "member", ID: "id", OrganizationID: "organizationId", UserID: "userId",
			Role: "role", CreatedAt: "createdAt",
		},
		Invitations: InvitationsTable{
			Table: "invitation", ID: "id", OrganizationID: "organizationId", Email: "email",
			Role: "role", TeamID: "teamId", Status: "status", TokenHash: "tokenHash",
			InviterID: "inviterId", ExpiresAt: "expiresAt", CreatedAt: "createdAt",
		},
		Teams: TeamsTable{
			Table: "team", ID: "id", OrganizationID: "organizationId", Name: "name",
			CreatedAt: "createdAt", UpdatedAt: "updatedAt", MemberCount: "memberCount",
		},
		TeamMembers: TeamMembersTable{
			Table: "teamMember", ID: "id", TeamID: "teamId", UserID: "userId", MembershipKey: "membershipKey",
			CreatedAt: "createdAt",
		},
		Roles: RolesTable{
			Table: "organizationRole", ID: "id", OrganizationID: "organizationId", Role: "role",
			Permissions: "permission", CreatedAt: "createdAt",
		},
		Tenants:      TenantsTable{Table: "tenants", ID: "id", OrganizationID: "org_id"},
		Users:        UsersTable{Table: "user", ID: "id", Name: "name", Email: "email", EmailVerified: "emailVerified"},
		IDs:          Random32IDs,
		RolesText:    true,
		MetadataText: true,
		TeamsText:    true,
	}
}
