// Package rls plans the row level security migrations of a tenancy model, like a
// migration planner: it compares what the schema (generated migrations included)
// already has with what every protected table needs, and writes one new
// migration for each table that falls short. A table whose protection is already
// in place gets nothing, so running the generator twice changes nothing.
package rls

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/template"

	"github.com/tenantc/tenantc/generator/catalog"
	"github.com/tenantc/tenantc/generator/output"
	"github.com/tenantc/tenantc/generator/parse"
	"github.com/tenantc/tenantc/generator/source"
	"github.com/tenantc/tenantc/generator/tenancy"
	"github.com/tenantc/tenantc/templates"
)

// Options says where migrations go and in which convention.
type Options struct {
	Dir    string // relative to the project, slash-separated
	Format source.Format
	// Existing are the file names already in Dir; new versions follow theirs.
	Existing []string
}

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
	next, width := nextVersion(opts.Existing)
	var out []Migration
	for _, t := range m.Protected() {
		d, err := want(m, t)
		if err != nil {
			return nil, err
		}
		if d.satisfiedBy(t) {
			continue
		}
		version := fmt.Sprintf("%0*d", width, next)
		next++
		files, err := render(d, opts, version+"_tenantc_rls_"+fileName(t.Name))
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

	StatementBegin, StatementEnd string // goose annotations around a function body

	// Normalized forms, compared with the catalog.
	wantUsing, wantDefault string
	column                 string
}

func want(m *tenancy.Model, t *tenancy.Table) (*desired, error) {
	col := t.TenantColumn.Name
	current := fmt.Sprintf("(SELECT NULLIF(current_setting('%s', true), '')::%s)", m.Tenant.Setting, m.Tenant.Type)
	d := &desired{
		Table:         t.Name.String(),
		Kind:          t.Kind.String(),
		Setting:       m.Tenant.Setting,
		Column:        catalog.QuoteIdent(col),
		ColumnLiteral: "'" + strings.ReplaceAll(col, "'", "''") + "'",
		Policy:        tenancy.PolicyName,
		Current:       current,
		column:        col,
	}
	var err error
	if d.wantUsing, err = parse.NormalizeExpr(d.Column + " = " + current); err != nil {
		return nil, err
	}
	if t.Kind == tenancy.Scoped {
		d.Default = current[len("(SELECT ") : len(current)-1]
		if d.wantDefault, err = parse.NormalizeExpr(d.Default); err != nil {
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
	return d, nil
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
	return d.Trigger == "" || t.Trigger(d.Trigger) != nil
}

func render(d *desired, opts Options, base string) ([]output.File, error) {
	if opts.Format == source.Goose {
		d.StatementBegin, d.StatementEnd = "-- +goose StatementBegin\n", "\n-- +goose StatementEnd"
	}
	var up, down bytes.Buffer
	if err := tmpl.ExecuteTemplate(&up, "rls.up.sql.tmpl", d); err != nil {
		return nil, err
	}
	if err := tmpl.ExecuteTemplate(&down, "rls.down.sql.tmpl", d); err != nil {
		return nil, err
	}
	ensureNewline(&up)
	ensureNewline(&down)
	path := func(name string) string { return opts.Dir + "/" + name }
	one := func(content string) []output.File {
		return []output.File{{Path: path(base + ".sql"), Content: []byte(header + content)}}
	}
	switch opts.Format {
	case source.GolangMigrate:
		return []output.File{
			{Path: path(base + ".up.sql"), Content: []byte(header + up.String())},
			{Path: path(base + ".down.sql"), Content: []byte(header + down.String())},
		}, nil
	case source.Goose:
		return one("-- +goose Up\n" + up.String() + "\n-- +goose Down\n" + down.String()), nil
	case source.Dbmate:
		return one("-- migrate:up\n" + up.String() + "\n-- migrate:down\n" + down.String()), nil
	default: // plain SQL has no down part a tool would run: keep it as a comment
		return one(up.String() + "\n-- To revert by hand:\n" + commentOut(down.String())), nil
	}
}

// header marks every generated file; it comes before any migration-tool
// annotation, where the tools ignore text.
const header = "-- Code generated by tenantc. DO NOT EDIT.\n"

func ensureNewline(b *bytes.Buffer) {
	if b.Len() > 0 && b.Bytes()[b.Len()-1] != '\n' {
		b.WriteByte('\n')
	}
}

func commentOut(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if line != "" {
			b.WriteString("-- " + line)
		}
	}
	return b.String()
}

var versionPrefix = regexp.MustCompile(`^(\d+)_`)

// nextVersion returns the version after the highest of the existing files, and
// the digit count to write it with (6 when the directory is empty), so tenantc's
// migrations sort after everything already there, timestamps included.
func nextVersion(existing []string) (next uint64, width int) {
	width = 6
	for _, name := range existing {
		m := versionPrefix.FindStringSubmatch(name)
		if m == nil {
			continue
		}
		v, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			continue
		}
		if v >= next {
			next = v
			width = len(m[1])
		}
	}
	return next + 1, width
}

// ExistingFiles lists the file names in dir; a missing directory has none.
func ExistingFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, nil
}

var unsafeFileChars = regexp.MustCompile(`[^a-z0-9_]+`)

// fileName turns a table name into a file-name part: public tables by their name,
// others prefixed with their schema.
func fileName(n catalog.Name) string {
	clean := func(s string) string {
		return strings.Trim(unsafeFileChars.ReplaceAllString(strings.ToLower(s), "_"), "_")
	}
	if n.Schema == "public" {
		return clean(n.Name)
	}
	return clean(n.Schema) + "_" + clean(n.Name)
}
