package orgstore

// TableSpec is one table of a Schema as plain data: which Schema field holds
// it, its name, its columns and which of them a database may lack. Tools
// read it instead of the struct types: tenantc's generator checks a
// project's database schema against it and writes the Go that clears what the
// database lacks.
type TableSpec struct {
	// Field is the Schema field holding the table ("Organizations"); Type is
	// that field's type ("OrganizationsTable"), whose Table field names the
	// table.
	Field, Type string
	// Table is the table's name in this schema; "" when the schema has none.
	Table string
	// Optional is true for a table the store does without: set to its type's
	// zero value, the operations that need it return a capability error.
	Optional bool
	// Application is true for the application's own tables (Tenants, Users),
	// which the project names rather than the store's flavor: the store reads
	// them (and inserts tenants rows) but does not define them.
	Application bool
	// Columns are the table type's column fields, in declaration order.
	Columns []ColumnSpec
}

// ColumnSpec is one column field of a table type.
type ColumnSpec struct {
	// Field is the table type's field naming the column ("Logo").
	Field string
	// Column is the column's name in this schema; "" when the schema has none.
	Column string
	// Optional is true for a column the store does without: with the field
	// empty it reads a default (an organization's logo "") or does not offer
	// what needs it (an invitation's team: ErrNoInvitationTeams).
	Optional bool
}

// Spec returns s's tables as data, in Schema's field order: the organizations
// table first, then members, invitations, teams, team members and custom
// roles, then the application's tenants and users tables.
func (s Schema) Spec() []TableSpec {
	o, m, v, t, tm, r, tn, u := s.Organizations, s.Members, s.Invitations, s.Teams, s.TeamMembers, s.Roles, s.Tenants, s.Users
	return []TableSpec{
		{Field: "Organizations", Type: "OrganizationsTable", Table: o.Table, Columns: []ColumnSpec{
			{Field: "ID", Column: o.ID},
			{Field: "Name", Column: o.Name},
			{Field: "Slug", Column: o.Slug},
			{Field: "Logo", Column: o.Logo, Optional: true},
			{Field: "Metadata", Column: o.Metadata, Optional: true},
			{Field: "CreatedAt", Column: o.CreatedAt},
			{Field: "UpdatedAt", Column: o.UpdatedAt, Optional: true},
		}},
		{Field: "Members", Type: "MembersTable", Table: m.Table, Columns: []ColumnSpec{
			{Field: "ID", Column: m.ID},
			{Field: "OrganizationID", Column: m.OrganizationID},
			{Field: "UserID", Column: m.UserID},
			{Field: "Role", Column: m.Role},
			{Field: "CreatedAt", Column: m.CreatedAt},
		}},
		{Field: "Invitations", Type: "InvitationsTable", Table: v.Table, Columns: []ColumnSpec{
			{Field: "ID", Column: v.ID},
			{Field: "OrganizationID", Column: v.OrganizationID},
			{Field: "Email", Column: v.Email},
			{Field: "Role", Column: v.Role},
			{Field: "TeamID", Column: v.TeamID, Optional: true},
			{Field: "Status", Column: v.Status},
			{Field: "TokenHash", Column: v.TokenHash},
			{Field: "InviterID", Column: v.InviterID},
			{Field: "ExpiresAt", Column: v.ExpiresAt},
			{Field: "CreatedAt", Column: v.CreatedAt},
		}},
		{Field: "Teams", Type: "TeamsTable", Table: t.Table, Optional: true, Columns: []ColumnSpec{
			{Field: "ID", Column: t.ID},
			{Field: "OrganizationID", Column: t.OrganizationID},
			{Field: "Name", Column: t.Name},
			{Field: "CreatedAt", Column: t.CreatedAt},
			{Field: "UpdatedAt", Column: t.UpdatedAt},
			{Field: "MemberCount", Column: t.MemberCount, Optional: true},
		}},
		{Field: "TeamMembers", Type: "TeamMembersTable", Table: tm.Table, Optional: true, Columns: []ColumnSpec{
			{Field: "ID", Column: tm.ID},
			{Field: "TeamID", Column: tm.TeamID},
			{Field: "UserID", Column: tm.UserID},
			{Field: "MembershipKey", Column: tm.MembershipKey, Optional: true},
			{Field: "CreatedAt", Column: tm.CreatedAt},
		}},
		{Field: "Roles", Type: "RolesTable", Table: r.Table, Optional: true, Columns: []ColumnSpec{
			{Field: "ID", Column: r.ID},
			{Field: "OrganizationID", Column: r.OrganizationID},
			{Field: "Role", Column: r.Role},
			{Field: "Permissions", Column: r.Permissions},
			{Field: "CreatedAt", Column: r.CreatedAt},
		}},
		{Field: "Tenants", Type: "TenantsTable", Table: tn.Table, Optional: true, Application: true, Columns: []ColumnSpec{
			{Field: "ID", Column: tn.ID},
			{Field: "OrganizationID", Column: tn.OrganizationID},
		}},
		{Field: "Users", Type: "UsersTable", Table: u.Table, Optional: true, Application: true, Columns: []ColumnSpec{
			{Field: "ID", Column: u.ID},
			{Field: "Name", Column: u.Name},
			{Field: "Email", Column: u.Email},
			{Field: "EmailVerified", Column: u.EmailVerified, Optional: true},
		}},
	}
}
