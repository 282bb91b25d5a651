// Package rls plans the row level security migrations of a tenancy model, like a
// migration planner: it compares what the schema (generated migrations included)
// already has with what every protected table needs, and writes one new
// migration for each table that falls short. A table whose protection is already
// in place gets nothing, so running the generator twice changes nothing.
package rls

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/sqlexpr"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/templates"
)

// Options says where migrations go and in which convention; new versions
// follow those of Options.Existing.
type Options = migration.Options

// Migration is one planned migration.
type Migration struct {
	Version string
	Table   *tenancy.Table
	Files   []output.File
}

var tmpl = template.Must(template.ParseFS(templates.FS, "rls.*.sql.tmpl"))

// Plan returns a migration for every protected table of m whose row level
// security the schema does not already have in full.
func Plan(m *tenancy.Model, opts Options) ([]Migration, error) {
	versions := opts.Versions()
	var out []Migration
	for _, t := range m.Protected() {
		d, err := want(m, t)
		if err != nil {
			return nil, err
		}
		if d.satisfiedBy(t) {
			continue
		}
		version := versions.Next()
		files, err := render(d, opts, version+"_tenantc_rls_"+migration.TableFileName(t.Name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Table: t, Files: files})
	}
	return out, nil
}

// desired is what one protected table needs, as template data.
type desired struct {
	Table, Kind, Setting, Column, ColumnLiteral string
	Policy, Current                             string
	Default                                     string // empty for the root: its key has its own default
	Trigger, Function                           string // empty for partitions: PostgreSQL clones the parent's trigger
	Index, IndexQualified                       string // empty when an index led by the column exists

	StatementBegin, StatementEnd string // goose or sql-migrate annotations around a function body

	// Citus is distribute: citus. The policy compares without a sub-select
	// (tenancy.TenantCurrent), and the keep-tenant trigger is created only
	// where the citus extension is absent: Citus refuses triggers on
	// distributed tables and create_distributed_table refuses a table that
	// has one, while Citus itself refuses any UPDATE of the distribution
	// column, so on a cluster the move is refused without it.
	Citus bool

	// What the table had before this migration, so that its down part
	// restores that instead of leaving the table bare: a migration that
	// replaces an earlier policy (the setting changed) goes back to it.
	KeepRLS, KeepForce bool   // RLS was already enabled, forced
	KeepTrigger        bool   // the trigger was already there
	RestorePolicy      string // CREATE POLICY of the earlier policy of that name
	RestoreDefault     string // the tenant column's earlier default

	// Normalized forms, compared with the catalog.
	wantUsing, wantDefault string
	column                 string
}

func want(m *tenancy.Model, t *tenancy.Table) (*desired, error) {
	col := t.TenantColumn.Name
	// The one spelling of the tenant comparison: tenancy judges an existing
	// policy against the same text, so the two can never disagree.
	current := tenancy.TenantCurrent(m.Tenant)
	d := &desired{
		Table:         t.Name.String(),
		Kind:          t.Kind.String(),
		Setting:       m.Tenant.Setting,
		Column:        catalog.QuoteIdent(col),
		ColumnLiteral: "'" + strings.ReplaceAll(col, "'", "''") + "'",
		Policy:        tenancy.PolicyName,
		Current:       current,
		Citus:         m.Tenant.Citus,
		column:        col,
	}
	var err error
	if d.wantUsing, err = sqlexpr.Normalize(d.Column + " = " + current); err != nil {
		return nil, err
	}
	if t.Kind == tenancy.Scoped {
		d.Default = tenancy.TenantRead(m.Tenant)
		if d.wantDefault, err = sqlexpr.Normalize(d.Default); err != nil {
			return nil, err
		}
	}
	if t.PartitionOf == nil {
		d.Trigger = tenancy.TriggerName
		d.Function = catalog.Name{Schema: t.Name.Schema, Name: tenancy.TriggerFunction}.String()
		if !tenancy.HasLeadingIndex(t.Table, col) {
			name := tenancy.TenantIndexName(t.Table, col)
			d.Index = catalog.QuoteIdent(name)
			d.IndexQualified = catalog.Name{Schema: t.Name.Schema, Name: name}.String()
		}
	}
	d.remember(t)
	return d, nil
}

// remember records what t has before the migration, for the down part.
func (d *desired) remember(t *tenancy.Table) {
	d.KeepRLS, d.KeepForce = t.RLSEnabled, t.RLSForced
	d.KeepTrigger = d.Trigger != "" && t.Trigger(d.Trigger) != nil
	if d.Default != "" {
		d.RestoreDefault = t.Column(d.column).Default
	}
	p := t.Policy(d.Policy)
	if p == nil {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE POLICY %s ON %s\n    AS ", catalog.QuoteIdent(p.Name), d.Table)
	if p.Permissive {
		b.WriteString("PERMISSIVE")
	} else {
		b.WriteString("RESTRICTIVE")
	}
	fmt.Fprintf(&b, " FOR %s", strings.ToUpper(p.Command))
	if len(p.Roles) > 0 {
		roles := make([]string, len(p.Roles))
		for i, r := range p.Roles {
			roles[i] = catalog.QuoteIdent(r)
		}
		fmt.Fprintf(&b, " TO %s", strings.Join(roles, ", "))
	}
	if p.Using != "" {
		fmt.Fprintf(&b, "\n    USING (%s)", p.Using)
	}
	if p.Check != "" {
		fmt.Fprintf(&b, "\n    WITH CHECK (%s)", p.Check)
	}
	b.WriteString(";")
	d.RestorePolicy = b.String()
}

// satisfiedBy reports whether the table already has everything d would create.
func (d *desired) satisfiedBy(t *tenancy.Table) bool {
	if !t.RLSEnabled || !t.RLSForced || d.Index != "" {
		return false
	}
	p := t.Policy(d.Policy)
	if p == nil || !p.Permissive || p.Command != "all" || len(p.Roles) != 0 || p.Using != d.wantUsing || p.Check != d.wantUsing {
		return false
	}
	if d.Default != "" && t.Column(d.column).Default != d.wantDefault {
		return false
	}
	// In Citus mode the trigger is created inside a DO block (only where
	// Citus is absent), which the schema's parse cannot see: demanding it
	// would plan the migration again on every run.
	return d.Trigger == "" || d.Citus || t.Trigger(d.Trigger) != nil
}

func render(d *desired, opts Options, base string) ([]output.File, error) {
	d.StatementBegin, d.StatementEnd = migration.StatementMarkers(opts.Format)
	var up, down bytes.Buffer
	if err := tmpl.ExecuteTemplate(&up, "rls.up.sql.tmpl", d); err != nil {
		return nil, err
	}
	if err := tmpl.ExecuteTemplate(&down, "rls.down.sql.tmpl", d); err != nil {
		return nil, err
	}
	return migration.Files(opts, base, up.String(), down.String()), nil
}
