package store

import (
	"github.com/tenantc/tenantc/generator/catalog"
	"github.com/tenantc/tenantc/generator/config"
)

// flavor is one schema the organization store runs on, as orgstore names it
// (orgstore.Native, orgstore.BetterAuth). The names are copied here rather
// than read from orgstore so the generator does not link the runtime; a test
// compares the two.
type flavor struct {
	name string // config.FlavorNative or config.FlavorBetterAuth
	// fn is the orgstore function returning this schema.
	fn string
	// tables are the orgstore.Schema fields that name tables, in orgstore's
	// order; tables[0] is the organizations table.
	tables []table
	// owned are the other tables the flavor's owner creates (Better Auth's
	// user, session, account, verification): global as well.
	owned []string
	// idType is the SQL type of an organization id, and so of the bridge column.
	idType string
	// users is the users table the flavor assumes unless store.users says
	// otherwise; empty Table for none.
	users config.StoreUsers
}

// table is one table field of orgstore.Schema.
type table struct {
	field string // orgstore.Schema field: "Organizations"
	typ   string // its type: "OrganizationsTable"
	name  string // the SQL table name, as stored
	// optional tables may be missing: the generated schema then leaves the
	// field empty, which orgstore reads as "this schema has no such table".
	optional bool
	cols     []column
}

// column is one column field of an orgstore table type, after Name.
type column struct {
	field string // "OrgName"
	name  string // SQL name, as stored; "" when the flavor has no such column
	// optional columns may be missing, as optional tables.
	optional bool
}

func (t table) qname() catalog.Name { return catalog.Name{Schema: "public", Name: t.name} }

func (t table) column(field string) column {
	for _, c := range t.cols {
		if c.field == field {
			return c
		}
	}
	panic("store: no column field " + field)
}

// The column fields of each orgstore table type, in orgstore's order.
var (
	organizationFields = []string{"ID", "OrgName", "Slug", "Logo", "Metadata", "CreatedAt", "UpdatedAt"}
	memberFields       = []string{"ID", "OrganizationID", "UserID", "Role", "CreatedAt"}
	invitationFields   = []string{"ID", "OrganizationID", "Email", "Role", "TeamID", "Status", "TokenHash", "InviterID", "ExpiresAt", "CreatedAt"}
	teamFields         = []string{"ID", "OrganizationID", "TeamName", "CreatedAt", "UpdatedAt"}
	teamMemberFields   = []string{"ID", "TeamID", "UserID", "CreatedAt"}
	roleFields         = []string{"ID", "OrganizationID", "Role", "Permissions", "CreatedAt"}
)

// newTable pairs fields with names; a name ending in "?" is optional.
func newTable(field, typ, name string, optional bool, fields []string, names ...string) table {
	if len(fields) != len(names) {
		panic("store: " + typ + ": field and name counts differ")
	}
	t := table{field: field, typ: typ, name: name, optional: optional}
	for i, f := range fields {
		c := column{field: f, name: names[i]}
		if n := len(c.name); n > 0 && c.name[n-1] == '?' {
			c.name, c.optional = c.name[:n-1], true
		}
		t.cols = append(t.cols, c)
	}
	return t
}

// The optional columns follow orgstore's Schema documentation: an
// organization's logo, metadata and updated-at time, an invitation's team;
// the optional tables, its teams, team members and custom roles.
var (
	native = &flavor{
		name: config.FlavorNative, fn: "Native", idType: "uuid",
		tables: []table{
			newTable("Organizations", "OrganizationsTable", "organizations", false, organizationFields,
				"id", "name", "slug", "logo?", "metadata?", "created_at", "updated_at?"),
			newTable("Members", "MembersTable", "members", false, memberFields,
				"id", "organization_id", "user_id", "roles", "created_at"),
			newTable("Invitations", "InvitationsTable", "invitations", false, invitationFields,
				"id", "organization_id", "email", "roles", "team_id?", "status", "token_hash", "inviter_id", "expires_at", "created_at"),
			newTable("Teams", "TeamsTable", "teams", true, teamFields,
				"id", "organization_id", "name", "created_at", "updated_at"),
			newTable("TeamMembers", "TeamMembersTable", "team_members", true, teamMemberFields,
				"id", "team_id", "user_id", "created_at"),
			newTable("Roles", "RolesTable", "organization_roles", true, roleFields,
				"id", "organization_id", "role", "permissions", "created_at"),
		},
	}
	betterAuth = &flavor{
		name: config.FlavorBetterAuth, fn: "BetterAuth", idType: "text",
		tables: []table{
			newTable("Organizations", "OrganizationsTable", "organization", false, organizationFields,
				"id", "name", "slug", "logo?", "metadata?", "createdAt", ""),
			newTable("Members", "MembersTable", "member", false, memberFields,
				"id", "organizationId", "userId", "role", "createdAt"),
			newTable("Invitations", "InvitationsTable", "invitation", false, invitationFields,
				"id", "organizationId", "email", "role", "teamId?", "status", "tokenHash", "inviterId", "expiresAt", "createdAt"),
			newTable("Teams", "TeamsTable", "team", true, teamFields,
				"id", "organizationId", "name", "createdAt", "updatedAt"),
			newTable("TeamMembers", "TeamMembersTable", "teamMember", true, teamMemberFields,
				"id", "teamId", "userId", "createdAt"),
			newTable("Roles", "RolesTable", "organizationRole", true, roleFields,
				"id", "organizationId", "role", "permission", "createdAt"),
		},
		owned: []string{"user", "session", "account", "verification"},
		users: config.BetterAuthUsers,
	}
)

// tenantsFields are orgstore.TenantsTable's fields; usersFields,
// orgstore.UsersTable's.
var (
	tenantsFields = []string{"Name", "ID", "OrganizationID"}
	usersFields   = []string{"Name", "ID", "UserName", "Email"}
)

// BridgeColumn is the tenant table's column naming its organization.
const BridgeColumn = "org_id"

func flavorOf(name string) *flavor {
	if name == config.FlavorBetterAuth {
		return betterAuth
	}
	return native
}

func (f *flavor) orgs() table { return f.tables[0] }

func (f *flavor) table(field string) table {
	for _, t := range f.tables {
		if t.field == field {
			return t
		}
	}
	panic("store: no table field " + field)
}

// Tables returns the tables the store owns in the given flavor, its own and
// those of the flavor's owner (Better Auth's user, session, account,
// verification): the tenancy analysis classifies them as global unless one is
// the tenant root.
func Tables(flavorName string) []catalog.Name {
	f := flavorOf(flavorName)
	var out []catalog.Name
	for _, t := range f.tables {
		out = append(out, t.qname())
	}
	for _, n := range f.owned {
		out = append(out, catalog.Name{Schema: "public", Name: n})
	}
	return out
}
