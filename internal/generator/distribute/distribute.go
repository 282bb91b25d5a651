// Package distribute plans the Citus distribution migrations of a tenancy
// model (distribute: citus), like package rls plans row level security: it
// compares what the schema (generated migrations included) already
// distributes with tenantc's Citus layout, and writes one new migration for
// each table that is not distributed yet. A table the schema already
// distributes gets nothing, so running the generator twice changes nothing.
//
// The layout (tenancy's citus.go says why): the tenant table and every
// global table are reference tables; every scoped table is distributed by
// its tenant column, colocated with the anchor (tenancy.CitusAnchor). The
// migrations come in tenancy.CitusOrder: a table after every table its
// foreign keys reference. Whatever the schema distributes otherwise is an
// error of the analysis (citus-distribution-mismatch), reported before this
// stage runs.
package distribute

import (
	"bytes"
	"strings"
	"text/template"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/templates"
)

// Options says where migrations go and in which convention; new versions
// follow those of Options.Existing.
type Options = migration.Options

// Migration is one planned distribution.
type Migration struct {
	Version string
	Table   *tenancy.Table
	// Reference is true for create_reference_table, false for
	// create_distributed_table.
	Reference bool
	Files     []output.File
}

var tmpl = template.Must(template.ParseFS(templates.FS, "distribute.*.sql.tmpl"))

// Plan returns a migration for every table of m that Citus mode distributes
// and the schema does not distribute yet, in tenancy.CitusOrder.
func Plan(m *tenancy.Model, opts Options) ([]Migration, error) {
	ordered, _ := tenancy.CitusOrder(m) // cycles are errors of the analysis
	anchor := tenancy.CitusAnchor(m, ordered)
	versions := opts.Versions()
	var out []Migration
	for _, t := range ordered {
		if t.Distribution != nil {
			// Distributed already (as the layout wants: anything else is an
			// error of the analysis, which stops the run before this).
			continue
		}
		d := data{Table: t.Name.String(), Kind: t.Kind.String(), TableLiteral: literal(t.Name.String()), Reference: tenancy.CitusReference(t)}
		if !d.Reference {
			d.ColumnName = catalog.QuoteIdent(t.TenantColumn.Name)
			d.ColumnLiteral = literal(t.TenantColumn.Name) // Citus looks the column up as written
			if t != anchor {
				d.Anchor, d.AnchorLiteral = anchor.Name.String(), literal(anchor.Name.String())
			}
		}
		version := versions.Next()
		files, err := render(&d, opts, version+"_tenantc_citus_"+migration.TableFileName(t.Name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: version, Table: t, Reference: d.Reference, Files: files})
	}
	return out, nil
}

// data is one distribution, as template data.
type data struct {
	Table, Kind, TableLiteral string
	Reference                 bool
	ColumnName, ColumnLiteral string
	// Anchor is the table to colocate with; empty for the anchor itself.
	Anchor, AnchorLiteral string
}

func render(d *data, opts Options, base string) ([]output.File, error) {
	var up, down bytes.Buffer
	if err := tmpl.ExecuteTemplate(&up, "distribute.up.sql.tmpl", d); err != nil {
		return nil, err
	}
	if err := tmpl.ExecuteTemplate(&down, "distribute.down.sql.tmpl", d); err != nil {
		return nil, err
	}
	return migration.Files(opts, base, up.String(), down.String()), nil
}

// literal quotes s as an SQL string literal: a table name as regclass text
// reads it ('public."Mixed"'), a column name as Citus compares it.
func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
