package store

import (
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

// table is one table of orgstore.Schema, as orgstore.TableSpec has it.
type table struct {
	field string // orgstore.Schema field: "Organizations"
	typ   string // its type: "OrganizationsTable"
	name  string // the SQL table name, as stored
	// optional tables may be missing: the generated schema then leaves the
	// field empty, which orgstore reads as "this schema has no such table".
	optional bool
	cols     []column
}

// column is one column field of an orgstore table type, after Table.
type column struct {
	field string // "Name"
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

// tablesOf reads the store's own tables of an orgstore schema from its spec
// (orgstore.Schema.Spec), in orgstore's order, with which of them and of
// their columns orgstore lets a schema lack. The application's tables
// (Tenants, Users) are the project's: Resolve names them.
func tablesOf(sc orgstore.Schema) []table {
	var out []table
	for _, ts := range sc.Spec() {
		if ts.Application {
			continue
		}
		t := table{field: ts.Field, typ: ts.Type, name: ts.Table, optional: ts.Optional}
		for _, c := range ts.Columns {
			t.cols = append(t.cols, column{field: c.Field, name: c.Column, optional: c.Optional})
		}
		out = append(out, t)
	}
	return out
}

// tableField is the field of every orgstore table type that names the
// table; its column fields follow it.
const tableField = "Table"

// fieldsOf lists the fields of the orgstore table type held by Schema field
// field (tableField, then its column fields), for the generated literals of
// orgstore.TenantsTable and UsersTable.
func fieldsOf(field string) []string {
	for _, ts := range (orgstore.Schema{}).Spec() {
		if ts.Field == field {
			out := []string{tableField}
			for _, c := range ts.Columns {
				out = append(out, c.Field)
			}
			return out
		}
	}
	panic("store: orgstore.Schema has no table field " + field)
}

// The flavors, with the tables and optional columns orgstore's spec gives.
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
	tenantsFields = fieldsOf("Tenants")
	usersFields   = fieldsOf("Users")
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
