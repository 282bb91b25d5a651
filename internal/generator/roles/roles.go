// Package roles plans the migration of the application's database roles and
// their grants (roles: in tenantc.yaml): the application role, which the
// policies hold, and the system role, which bypasses them (tenant.System, the
// organization store). Run as the migration role, the migration creates a
// missing role (never with a password) or refuses an existing one that could
// skip row level security, grants each role exactly what it needs on the
// tables of the tenancy model, and sets the default privileges that give the
// tables and sequences the migration role creates later the same grants.
//
// It is planned once — again only when roles: names other roles than the
// newest tenantc_roles of the directory was written for: a migrations
// directory that holds tenantc_roles gets no other, since the default privileges cover what later migrations create
// (at CREATE TABLE time, whichever tool or person runs them, with no window
// between a new table and the next generate in which the application is
// refused). The one exception is the organization store: tables a store
// migration creates after the roles migration got the default privileges
// too (and a global table the store takes over kept its grants), so the run
// that plans a store migration also writes tenantc_roles_store, which
// revokes them from the application role.
package roles

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/templates"
)

// Name is the roles migration's name after its version; StoreName, the
// follow-up that closes store tables created after it.
const (
	Name      = "tenantc_roles"
	StoreName = "tenantc_roles_store"
)

// Options is what the planner needs besides the model.
type Options struct {
	Roles config.Roles
	// Functions are tenantc's functions the application calls (the Citus
	// tenant setter), present in the schema or planned before this one.
	Functions []catalog.Name
	// StoreMigrated are the store's tables when this run plans a store
	// migration (none otherwise); with a roles migration already in the
	// directory they get tenantc_roles_store: the tables it creates got the
	// default privileges, and a global table it makes the store's (users)
	// kept the roles migration's grants.
	StoreMigrated []catalog.Name
	// PriorUp is the up part of the newest roles migration in the
	// directory, "" without one: when it was written for other roles than
	// roles: names now, a new roles migration is planned for them.
	PriorUp    string
	Migrations migration.Options
}

// Migration is one planned migration.
type Migration struct {
	Version string
	Name    string
	Files   []output.File
}

var tmpl = template.Must(template.New("roles").Funcs(template.FuncMap{"join": strings.Join}).
	ParseFS(templates.FS, "roles.*.sql.tmpl", "roles_store.*.sql.tmpl"))

// existingName matches a roles migration among the file names of the
// migrations directory, in every format's spelling.
var existingName = regexp.MustCompile(`^\d+[_-]` + Name + `(\.up)?\.sql$`)

// Exists returns the newest roles migration among the file names of the
// migrations directory (names, in version order), "" when there is none.
func Exists(names []string) string {
	last := ""
	for _, n := range names {
		if existingName.MatchString(n) {
			last = n
		}
	}
	return last
}

// priorRoles reads the role names an earlier roles migration was written
// for, from its up part: the constants its role blocks declare.
var (
	priorApp    = regexp.MustCompile(`(?m)^\s*app constant text := '((?:[^']|'')*)';`)
	priorSystem = regexp.MustCompile(`(?m)^\s*sys constant text := '((?:[^']|'')*)';`)
)

// priorNames returns the application and system roles (system "" for none)
// of an earlier roles migration's up part; ok is false when up names no
// application role (not a migration this package wrote).
func priorNames(up string) (app, system string, ok bool) {
	m := priorApp.FindStringSubmatch(up)
	if m == nil {
		return "", "", false
	}
	app = strings.ReplaceAll(m[1], "''", "'")
	if m := priorSystem.FindStringSubmatch(up); m != nil {
		system = strings.ReplaceAll(m[1], "''", "'")
	}
	return app, system, true
}

// Plan returns the migrations the roles need: tenantc_roles when the
// directory lacks it, tenantc_roles_store when it has it and this run plans
// a store migration; none when roles: is absent or the model has no
// tenant root.
func Plan(m *tenancy.Model, opts Options) ([]Migration, error) {
	if !opts.Roles.Enabled || m == nil || m.Tenant.Key == "" {
		return nil, nil
	}
	d := newData(m, opts)
	start, end := migration.StatementMarkers(opts.Migrations.Format)
	d.StatementBegin, d.StatementEnd = start, end
	prior := Exists(opts.Migrations.Existing)
	if app, system, ok := priorNames(opts.PriorUp); prior != "" && ok && (app != opts.Roles.App || system != opts.Roles.System) {
		// roles: names other roles than the newest roles migration did: a
		// new one for them (the earlier roles keep what they were granted).
		d.Replaces, d.PriorApp, d.PriorSystem = prior, catalog.QuoteIdent(app), system
		if system != "" {
			d.PriorSystem = catalog.QuoteIdent(system)
		}
		prior = ""
	}
	if prior == "" {
		m, err := render(d, opts.Migrations, Name, "roles")
		if err != nil {
			return nil, err
		}
		return []Migration{m}, nil
	}
	d.StoreTables = quoted(opts.StoreMigrated)
	if len(d.StoreTables) == 0 {
		return nil, nil
	}
	d.Migration = prior
	m2, err := render(d, opts.Migrations, StoreName, "roles_store")
	if err != nil {
		return nil, err
	}
	return []Migration{m2}, nil
}

func render(d *data, opts migration.Options, name, tmplName string) (Migration, error) {
	var up, down bytes.Buffer
	if err := tmpl.ExecuteTemplate(&up, tmplName+".up.sql.tmpl", d); err != nil {
		return Migration{}, err
	}
	if err := tmpl.ExecuteTemplate(&down, tmplName+".down.sql.tmpl", d); err != nil {
		return Migration{}, err
	}
	version := opts.Versions().Next()
	return Migration{Version: version, Name: name, Files: migration.Files(opts, version+"_"+name, up.String(), down.String())}, nil
}

// data is the templates' data.
type data struct {
	// App and System are the roles as SQL names them; System is "" with
	// system: none. AppLiteral and SystemLiteral are their names as string
	// literals. Grantees is App, or App and System.
	App, System, AppLiteral, SystemLiteral, Grantees string
	Create                                           bool
	// Tables are the tenant root, the scoped and the global tables (not the
	// store's), quoted; TablesArray the same plus the store's, as a
	// regclass[] for the role checks.
	Tables      []string
	TablesArray string
	// SchemasArray is the schemas of Tables and StoreTables as a text[].
	SchemasArray string
	// StoreTables are the store's tables present in the schema.
	StoreTables []string
	// AppSchemas are the schemas of Tables; SystemSchemas those of the
	// store's tables that are not among them.
	AppSchemas, SystemSchemas []string
	// SequenceTables is true when a table has a serial, identity or
	// nextval column; SequenceGrants, per group of tables, the roles that
	// get USAGE on their sequences.
	SequenceTables bool
	SequenceGrants []sequenceGrant
	Functions      []string
	// Migration is the existing roles migration's file (tenantc_roles_store).
	Migration string
	// Replaces is the earlier roles migration this one follows because
	// roles: changed; PriorApp and PriorSystem the roles it named.
	Replaces, PriorApp, PriorSystem string

	StatementBegin, StatementEnd string
}

type sequenceGrant struct {
	// Tables is a regclass[] literal; Roles a string literal of the grantees.
	Tables, Roles string
}

func newData(m *tenancy.Model, opts Options) *data {
	r := opts.Roles
	d := &data{App: catalog.QuoteIdent(r.App), AppLiteral: literal(r.App), Create: r.Create}
	d.Grantees = d.App
	if r.System != "" {
		d.System, d.SystemLiteral = catalog.QuoteIdent(r.System), literal(r.System)
		d.Grantees += ", " + d.System
	}
	var app, store, appSeq, storeSeq []catalog.Name
	for _, t := range m.Tables {
		switch {
		case t.Store && t.Kind != tenancy.Root:
			store = append(store, t.Name)
			if usesSequence(t.Table) {
				storeSeq = append(storeSeq, t.Name)
			}
		case t.Kind == tenancy.Root || t.Kind == tenancy.Scoped || t.Kind == tenancy.Global:
			app = append(app, t.Name)
			if usesSequence(t.Table) {
				appSeq = append(appSeq, t.Name)
			}
		}
	}
	d.Tables, d.StoreTables = quoted(app), quoted(store)
	d.TablesArray = regclassArray(append(slices.Clone(app), store...))
	for _, n := range app {
		if s := catalog.QuoteIdent(n.Schema); !slices.Contains(d.AppSchemas, s) {
			d.AppSchemas = append(d.AppSchemas, s)
		}
	}
	var schemaNames []string
	for _, n := range append(slices.Clone(app), store...) {
		if lit := literal(n.Schema); !slices.Contains(schemaNames, lit) {
			schemaNames = append(schemaNames, lit)
		}
	}
	d.SchemasArray = "ARRAY[" + strings.Join(schemaNames, ", ") + "]::text[]"
	if d.System != "" {
		for _, n := range store {
			if s := catalog.QuoteIdent(n.Schema); !slices.Contains(d.AppSchemas, s) && !slices.Contains(d.SystemSchemas, s) {
				d.SystemSchemas = append(d.SystemSchemas, s)
			}
		}
	}
	if len(appSeq) > 0 {
		d.SequenceGrants = append(d.SequenceGrants, sequenceGrant{Tables: regclassArray(appSeq), Roles: literal(d.Grantees)})
	}
	if len(storeSeq) > 0 && d.System != "" {
		d.SequenceGrants = append(d.SequenceGrants, sequenceGrant{Tables: regclassArray(storeSeq), Roles: literal(d.System)})
	}
	d.SequenceTables = len(d.SequenceGrants) > 0
	for _, f := range opts.Functions {
		d.Functions = append(d.Functions, f.String()+"(text, text)")
	}
	return d
}

// usesSequence reports whether t has a column whose values come from a
// sequence: serial (a nextval default), identity, or DEFAULT nextval(…).
func usesSequence(t *catalog.Table) bool {
	return slices.ContainsFunc(t.Columns, func(c *catalog.Column) bool {
		return c.Identity != "" || strings.Contains(c.Default, "nextval(")
	})
}

func quoted(names []catalog.Name) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n.String()
	}
	return out
}

// regclassArray is names as an SQL regclass[] value: each table's name as a
// regclass reads it.
func regclassArray(names []catalog.Name) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = literal(n.String())
	}
	return "ARRAY[" + strings.Join(parts, ", ") + "]::regclass[]"
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
