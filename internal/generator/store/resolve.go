package store

import (
	"fmt"
	"path"
	"slices"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// Project is the store as this project's schema has it: the flavor's tables
// with the project's tenant bridge and users table, less the optional tables
// and columns the schema lacks.
type Project struct {
	flavor *flavor
	cfg    config.Store
	// tenants holds orgstore.TenantsTable's fields (table, key, bridge
	// column); nil when the organizations table is the tenant root.
	tenants []string
	// users holds orgstore.UsersTable's fields; nil for no users table.
	users []string
	// absent lists the optional tables (by field) and columns (by table and
	// column field) the schema lacks.
	absentTables []table
	absentCols   []absentCol
}

type absentCol struct {
	table  table
	column column
}

// Resolve checks that the schema in m (the store's migration applied) has
// every table and column the store reads, and returns the project's store.
func Resolve(m *tenancy.Model, opts Options) (*Project, diag.List) {
	var diags diag.List
	cat := m.Catalog
	f := flavorOf(opts.Store.Flavor)
	p := &Project{flavor: f, cfg: opts.Store}
	flavorPos := opts.Store.Pos.Flavor

	for _, t := range f.tables {
		ct := cat.Table(t.qname())
		if ct == nil {
			if t.optional {
				p.absentTables = append(p.absentTables, t)
			} else {
				diags.Errorf(flavorPos, "the %s store needs table %s, which the schema does not have", f.name, t.qname())
			}
			continue
		}
		for _, c := range t.cols {
			if c.name == "" || ct.Column(c.name) != nil {
				continue
			}
			if c.optional {
				p.absentCols = append(p.absentCols, absentCol{t, c})
				continue
			}
			diags.Add(diag.Diagnostic{Pos: ct.Pos, Severity: diag.Error,
				Message: fmt.Sprintf("table %s has no column %s, which the %s store reads", ct.Name, catalog.QuoteIdent(c.name), f.name)})
		}
	}
	orgs := f.orgs()
	if ct := cat.Table(orgs.qname()); ct != nil {
		if id := ct.Column(orgs.column("ID").name); id != nil && id.Type.String() != f.idType {
			diags.Add(diag.Diagnostic{Pos: id.Pos, Severity: diag.Error,
				Message: fmt.Sprintf("%s.%s is %s; the %s store's organization ids are %s", ct.Name, id.Name, id.Type, f.name, f.idType)})
		}
	}

	rootPos := opts.RootPos
	if !rootPos.IsValid() {
		rootPos = source.Pos{File: config.FileName}
	}
	root := m.Table(m.Tenant.Root)
	switch {
	case root == nil:
		// The tenancy analysis has reported it.
	case root.Name == orgs.qname():
		// The organizations table is the tenant root: no bridge.
	case root.Store:
		diags.Add(diag.Diagnostic{Pos: rootPos, Severity: diag.Error,
			Message: fmt.Sprintf("tenant.table %s is a table of the organization store; the tenant root is either its organizations table (%s) or a table of your own", root.Name, orgs.qname()),
			Fix:     fmt.Sprintf("set tenant.table: %s, or a tenants table that the store bridges to through its %s column", orgs.name, BridgeColumn)})
	default:
		p.tenants = []string{root.Name.Name, m.Tenant.Key, BridgeColumn}
		diags = append(diags, checkBridge(root, m.Tenant.Key, f, rootPos)...)
	}

	users, pos := opts.Store.Users, opts.Store.Pos.Users
	if !opts.Store.UsersSet {
		users, pos = f.users, flavorPos
	}
	if users.Table != "" {
		var userDiags diag.List
		p.users, userDiags = resolveUsers(cat, users, opts.Store.UsersSet, pos)
		diags = append(diags, userDiags...)
	}
	if opts.Store.RequireEmailVerificationOnInvitation && (p.users == nil || p.users[usersVerified] == "") {
		// orgstore.New would refuse the generated Config(): say so here,
		// where it can be fixed.
		diags.Add(diag.Diagnostic{Pos: opts.Store.Pos.RequireEmailVerification, Severity: diag.Error,
			Message: "store.require_email_verification_on_invitation needs a users table with an email-verified column, which the store reads to check it",
			Fix:     "name it in store.users.email_verified (Better Auth's \"user\" has \"emailVerified\"), or turn the option off"})
	}
	return p, diags
}

// checkBridge checks the tenant table's bridge column, which the store's
// migration adds unless the table had one.
func checkBridge(root *tenancy.Table, key string, f *flavor, pos source.Pos) diag.List {
	var diags diag.List
	if root.Name.Schema != "public" {
		diags.Add(diag.Diagnostic{Pos: pos, Severity: diag.Error,
			Message: fmt.Sprintf("the organization store bridges to the tenant table by its unqualified name, so %s must be in schema public", root.Name)})
		return diags
	}
	if key == BridgeColumn {
		diags.Add(diag.Diagnostic{Pos: root.Pos, Severity: diag.Error,
			Message: fmt.Sprintf("the key of tenant table %s is named %s, the name of the organization store's bridge column", root.Name, BridgeColumn)})
		return diags
	}
	col := root.Column(BridgeColumn)
	if col == nil {
		diags.Add(diag.Diagnostic{Pos: root.Pos, Severity: diag.Error,
			Message: fmt.Sprintf("tenant table %s has no %s column bridging it to the organization store", root.Name, BridgeColumn)})
		return diags
	}
	if typ := col.Type.String(); typ != f.idType {
		diags.Add(diag.Diagnostic{Pos: col.Pos, Severity: diag.Error,
			Message: fmt.Sprintf("bridge column %s.%s is %s but the %s store's organization ids are %s", root.Name, col.Name, typ, f.name, f.idType),
			Fix:     fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::%s;", root.Name, BridgeColumn, f.idType, BridgeColumn, f.idType)})
	}
	unique := func(k *catalog.Key) bool { return slices.Equal(k.Columns, []string{BridgeColumn}) }
	if !slices.ContainsFunc(root.Uniques, unique) && (root.PrimaryKey == nil || !unique(root.PrimaryKey)) {
		diags.Add(diag.Diagnostic{Pos: col.Pos, Severity: diag.Error,
			Message: fmt.Sprintf("bridge column %s.%s is not unique: an organization has one tenant", root.Name, col.Name),
			Fix:     fmt.Sprintf("ALTER TABLE %s ADD UNIQUE (%s);", root.Name, BridgeColumn)})
	}
	return diags
}

// usersVerified is the index of UsersTable.EmailVerified in Project.users.
const usersVerified = 4

// resolveUsers finds the users table. A table named in store.users must
// exist, and so must the email_verified column it names; the flavor's
// default is used only when the schema has it, and its verified column
// only when the table has that.
func resolveUsers(cat *catalog.Catalog, u config.StoreUsers, explicit bool, pos source.Pos) ([]string, diag.List) {
	var diags diag.List
	n, err := catalog.ParseName(u.Table)
	if err != nil {
		diags.Errorf(pos, "store.users.table: %v", err)
		return nil, diags
	}
	t := cat.Table(n)
	if !explicit {
		if t == nil || t.Column(u.ID) == nil || t.Column(u.Name) == nil || t.Column(u.Email) == nil {
			return nil, diags
		}
		verified := u.EmailVerified
		if verified != "" && t.Column(verified) == nil {
			verified = ""
		}
		return []string{n.Name, u.ID, u.Name, u.Email, verified}, diags
	}
	switch {
	case t == nil:
		diags.Add(diag.Diagnostic{Pos: pos, Severity: diag.Error, Message: fmt.Sprintf("store.users: table %s is not in the schema", n),
			Fix: "name your users table, or remove store.users: ListMembers then returns user ids only"})
		return nil, diags
	case n.Schema != "public":
		diags.Errorf(pos, "store.users: the store names the users table unqualified, so %s must be in schema public", n)
		return nil, diags
	}
	ok := true
	cols := []struct{ key, name string }{{"id", u.ID}, {"name", u.Name}, {"email", u.Email}}
	if u.EmailVerified != "" {
		cols = append(cols, struct{ key, name string }{"email_verified", u.EmailVerified})
	}
	for _, c := range cols {
		if t.Column(c.name) == nil {
			diags.Errorf(pos, "store.users: table %s has no column %s (store.users.%s)", n, catalog.QuoteIdent(c.name), c.key)
			ok = false
		}
	}
	if !ok {
		return nil, diags
	}
	return []string{n.Name, u.ID, u.Name, u.Email, u.EmailVerified}, diags
}

// Package is the generated Go package's name: store.out's last element.
func (p *Project) Package() string { return path.Base(p.cfg.Out) }

// Dir is the generated Go package's directory, relative to the project.
func (p *Project) Dir() string { return p.cfg.Out }
