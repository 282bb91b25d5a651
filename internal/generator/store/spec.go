package store

import (
	"reflect"
	"slices"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/orgstore"
)

// flavor is one schema the organization store runs on, with its names read
// from orgstore itself (orgstore.Native, orgstore.BetterAuth), so the schema
// the generator checks is the one the runtime queries.
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

// tablesOf reads the tables of an orgstore schema: each Schema field naming
// a table (its type's Name field) with its column fields, in orgstore's order,
// and which of them orgstore lets a schema lack.
func tablesOf(sc orgstore.Schema) []table {
	v := reflect.ValueOf(sc)
	var out []table
	for _, field := range schemaTables {
		tv := v.FieldByName(field)
		tt := tv.Type()
		t := table{field: field, typ: tt.Name(), name: tv.FieldByName("Name").String(),
			optional: slices.Contains(orgstore.OptionalTables, field)}
		for i := range tt.NumField() {
			if f := tt.Field(i); f.Name != "Name" {
				t.cols = append(t.cols, column{field: f.Name, name: tv.Field(i).String(),
					optional: slices.Contains(orgstore.OptionalColumns[field], f.Name)})
			}
		}
		out = append(out, t)
	}
	return out
}

// schemaTables are the orgstore.Schema fields the store reads tables from;
// the organizations table first. (Tenants and Users are the project's own.)
var schemaTables = []string{"Organizations", "Members", "Invitations", "Teams", "TeamMembers", "Roles"}

// fieldsOf lists a struct type's field names, for the generated literals of
// orgstore.TenantsTable and UsersTable.
func fieldsOf(v any) []string {
	t := reflect.TypeOf(v)
	out := make([]string, t.NumField())
	for i := range out {
		out[i] = t.Field(i).Name
	}
	return out
}

// The optional columns follow orgstore's Schema documentation: an
// organization's logo, metadata and updated-at time, an invitation's team;
// the optional tables, its teams, team members and custom roles.
var (
	native = &flavor{
		name: config.FlavorNative, fn: "Native", idType: "uuid",
		tables: tablesOf(orgstore.Native()),
	}
	betterAuth = &flavor{
		name: config.FlavorBetterAuth, fn: "BetterAuth", idType: "text",
		tables: tablesOf(orgstore.BetterAuth()),
		owned:  []string{"user", "session", "account", "verification"},
		users:  config.BetterAuthUsers,
	}
)

// tenantsFields are orgstore.TenantsTable's fields; usersFields,
// orgstore.UsersTable's.
var (
	tenantsFields = fieldsOf(orgstore.TenantsTable{})
	usersFields   = fieldsOf(orgstore.UsersTable{})
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
