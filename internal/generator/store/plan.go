// Package store plans the organization store's migration and generates the
// project's typed Go package around the runtime store (package orgstore).
//
// The store runs on one of two schemas (store.flavor): tenantc's own tables,
// which a generated migration creates, or Better Auth's organization plugin
// tables, which Better Auth's migrations create and a generated migration
// completes (a token-hash column, one membership per user, indexes). Either
// way, when the tenant root is a table of the project's own (tenants), a
// bridge column tenants.org_id names each tenant's organization.
//
// Planning works like rls: the migrations directory is part of the schema, so
// a schema that already has the store gets nothing, and running twice changes
// nothing.
package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/templates"
)

// Options is what the store needs from the configuration.
type Options struct {
	Store config.Store
	// Root is tenant.table as written; RootPos, where.
	Root    string
	RootPos source.Pos
	// Migrations says where the store's migration goes; its version follows
	// Migrations.Existing.
	Migrations migration.Options
}

// Migration is the store's planned migration.
type Migration struct {
	Version string
	// Name is the migration's name after its version: tenantc_store,
	// tenantc_store_better_auth, tenantc_store_invariants (the better-auth
	// store's database invariants, for a schema from before them),
	// tenantc_store_bridge, tenantc_store_lockdown or tenantc_store_on_delete.
	Name  string
	Files []output.File
	// Up is the migration's up part as the parser reads it, so this run's
	// later stages see the schema the migration makes.
	Up *source.File
}

// tmpl renders the store's migrations; parsed on first use, as goTmpl.
var tmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(templates.FS, "store_*.sql.tmpl"))
})

// data is the migration templates' data.
type data struct {
	// Bridge is the tenant table's quoted name when the migration adds the
	// bridge column; "" otherwise (organizations is the tenant root, or the
	// column exists).
	Bridge string
	// Organizations and OrgIDType are the organizations table's quoted name
	// and the SQL type of its id (the bridge template's).
	Organizations, OrgIDType string
	// Lock is what locks the store's tables and guards the bridge.
	Lock lockdown
	// OnDelete is the bridge foreign key's ON DELETE action as SQL: SET NULL
	// (store.on_organization_delete: detach) or CASCADE.
	OnDelete string
	// Rebridge changes an existing bridge's ON DELETE action; nil when the
	// schema has the configured one (or no bridge yet).
	Rebridge *rebridge
	// StatementBegin and StatementEnd are goose's or sql-migrate's annotations around a
	// function body; empty for other formats.
	StatementBegin, StatementEnd string
	indexes                      map[string]bool
	// led maps a public table's name to the column lists of its non-partial
	// indexes, for Leads.
	led map[string][][]string
}

// Leads reports whether the schema had, before the migration, a non-partial
// index on table whose columns start with cols: an index tenantc would add
// on cols would only duplicate it (Better Auth's "member_userId_idx" beside
// member_user_id_idx), whatever its name. Its down migration must then not
// drop it either.
func (d data) Leads(table string, cols ...string) bool {
	for _, ixCols := range d.led[table] {
		if len(ixCols) >= len(cols) && slices.Equal(ixCols[:len(cols)], cols) {
			return true
		}
	}
	return false
}

// Had reports whether the schema had an index of that name before the
// migration: its CREATE INDEX IF NOT EXISTS did nothing, so its down
// migration must not drop it.
func (d data) Had(index string) bool { return d.indexes[index] }

// Plan returns the migration the schema in cat needs for the store, or nil
// when it has everything. Problems that stop the store (Better Auth's tables
// missing, a table of the native store's names that the store did not make)
// are returned as diagnostics.
func Plan(cat *catalog.Catalog, opts Options) (*Migration, diag.List, error) {
	var diags diag.List
	f := flavorOf(opts.Store.Flavor)
	orgs := f.orgs()
	bridge, ok := bridgeTable(cat, opts, f)
	if !ok {
		return nil, nil, nil // the tenancy analysis reports the tenant table
	}
	d := data{Organizations: orgs.qname().String(), OrgIDType: f.idType, indexes: map[string]bool{},
		OnDelete: onDeleteSQL(opts.Store.OnOrganizationDelete)}
	if bridge != nil && bridge.Column(BridgeColumn) == nil {
		d.Bridge = bridge.Name.String()
	}
	if diags = append(diags, checkOnDelete(opts)...); diags.HasErrors() {
		return nil, diags, nil
	}

	var name, file string
	var creating []catalog.Name
	switch f {
	case native:
		if cat.Table(orgs.qname()) == nil {
			for _, t := range f.tables[1:] {
				if ct := cat.Table(t.qname()); ct != nil {
					diags.Add(diag.Diagnostic{Pos: ct.Pos, Severity: diag.Error,
						Message: fmt.Sprintf("table %s exists but %s does not: the organization store creates %s together", ct.Name, orgs.name, tableList(f)),
						Fix:     fmt.Sprintf("rename your table, or set store.flavor: %s if it is Better Auth's", config.FlavorBetterAuth)})
				}
			}
			if diags.HasErrors() {
				return nil, diags, nil
			}
			name, file = "tenantc_store", "store_native"
			creating = Tables(f.name)
		}
	case betterAuth:
		var missing []string
		for _, t := range f.tables {
			if !t.optional && cat.Table(t.qname()) == nil {
				missing = append(missing, catalog.QuoteIdent(t.name))
			}
		}
		if len(missing) > 0 {
			diags.Add(diag.Diagnostic{Pos: opts.Store.Pos.Flavor, Severity: diag.Error,
				Message: fmt.Sprintf("store.flavor is %s but Better Auth's %s %s missing from the schema: the store runs on Better Auth's organization plugin tables",
					config.FlavorBetterAuth, strings.Join(missing, ", "), plural(len(missing), "table is", "tables are")),
				Fix: fmt.Sprintf("add the organization plugin to Better Auth, generate its schema (npx @better-auth/cli generate) into a schema path, and generate again;\nor set store.flavor: %s for tenantc's own tables", config.FlavorNative)})
			return nil, diags, nil
		}
		if cat.Table(f.table("Invitations").qname()).Column(f.table("Invitations").column("TokenHash").name) == nil {
			d.led = map[string][][]string{}
			for _, t := range cat.Tables {
				for _, ix := range t.Indexes {
					if t.Name.Schema == "public" {
						d.indexes[ix.Name] = true
						if ix.Where == "" {
							d.led[t.Name.Name] = append(d.led[t.Name.Name], ix.Columns)
						}
					}
				}
			}
			name, file = "tenantc_store_better_auth", "store_better_auth"
		} else if cat.Table(f.table("Members").qname()).Trigger(InvariantTrigger) == nil {
			// tenantc's better-auth migration from before the database held
			// the store's invariants: add them (and the bridge, if missing).
			name, file = "tenantc_store_invariants", "store_invariants"
		}
	}
	if name == "" && d.Bridge != "" {
		name, file = "tenantc_store_bridge", "store_bridge"
	}
	if diags = append(diags, checkServiceRoles(opts)...); diags.HasErrors() {
		return nil, diags, nil
	}
	d.Lock = planLockdown(cat, locked(opts.Store, opts.Root), creating, opts.Store.ServiceRoles, bridge)
	d.Rebridge = planRebridge(bridge, orgs.qname(), d.OnDelete, d.Lock.Guard == nil)
	switch {
	case name != "":
	case !d.Lock.empty():
		name, file = "tenantc_store_lockdown", "store_lockdown"
	case d.Rebridge != nil:
		// The lockdown template renders the rebridge alone.
		name, file = "tenantc_store_on_delete", "store_lockdown"
	}
	if name == "" {
		return nil, diags, nil
	}

	d.StatementBegin, d.StatementEnd = migration.StatementMarkers(opts.Migrations.Format)
	if g := d.Lock.Guard; g != nil {
		g.Fn = guardFn{g.Function, d.StatementBegin, d.StatementEnd}
	}
	if r := d.Rebridge; r != nil {
		r.Fn.StatementBegin, r.Fn.StatementEnd = d.StatementBegin, d.StatementEnd
	}
	var up, down bytes.Buffer
	if err := tmpl().ExecuteTemplate(&up, file+".up.sql.tmpl", d); err != nil {
		return nil, diags, err
	}
	if err := tmpl().ExecuteTemplate(&down, file+".down.sql.tmpl", d); err != nil {
		return nil, diags, err
	}
	m := &Migration{Version: opts.Migrations.Versions().Next(), Name: name}
	// The lockdown template starts with the blank line that parts it from
	// another template's statements; alone it needs none.
	m.Files = migration.Files(opts.Migrations, m.Version+"_"+name, strings.TrimLeft(up.String(), "\n"), strings.TrimLeft(down.String(), "\n"))
	for _, file := range m.Files {
		if !source.IsDownFile(file.Path) {
			m.Up = source.Parse(file.Path, file.Content)
		}
	}
	return m, diags, nil
}

// bridgeTable returns the tenant table when the store bridges to it, nil
// when the organizations table is the tenant root; ok is false when the
// tenant table cannot be found, which the tenancy analysis reports.
func bridgeTable(cat *catalog.Catalog, opts Options, f *flavor) (t *catalog.Table, ok bool) {
	root, err := catalog.ParseName(opts.Root)
	if err != nil {
		return nil, false
	}
	if root == f.orgs().qname() {
		return nil, true
	}
	t = cat.Table(root)
	return t, t != nil
}

// checkServiceRoles refuses service roles when the tenant root is a table of
// the store: the root is protected by its tenant policy, not locked, so a
// service role (Better Auth's) would see no organization at all.
func checkServiceRoles(opts Options) diag.List {
	var diags diag.List
	root, err := catalog.ParseName(opts.Root)
	if len(opts.Store.ServiceRoles) == 0 || err != nil || !slices.Contains(Tables(opts.Store.Flavor), root) {
		return nil
	}
	pos := opts.Store.Pos.Flavor
	if len(opts.Store.Pos.ServiceRoles) > 0 {
		pos = opts.Store.Pos.ServiceRoles[0]
	}
	diags.Add(diag.Diagnostic{Pos: pos, Severity: diag.Error,
		Message: fmt.Sprintf("store.service_roles needs a tenant table of your own: tenant.table %s is a table of the organization store, so its tenant policy shows a service role no row of it", root),
		Fix:     "set tenant.table to a tenants table of your own, which the store bridges to through its org_id column"})
	return diags
}

func tableList(f *flavor) string {
	names := make([]string, len(f.tables))
	for i, t := range f.tables {
		names[i] = catalog.QuoteIdent(t.name)
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
