// Package setter plans the migration of the tenant setter, the function
// through which the runtime sets the tenant of a transaction on Citus
// (distribute: citus): set_config(…, true) does not reach Citus' workers,
// SET LOCAL with citus.propagate_set_commands = 'local' does, and only a
// function can run SET LOCAL with a bound value (docs/ANCHORS.md §7). Like the
// rls planner it plans only what the schema lacks, so a second run writes
// nothing.
package setter

import (
	"bytes"
	"text/template"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/templates"
)

// Name is the migration's name after its version.
const Name = "tenantc_tenant_setter"

// Migration is the planned migration of the setter.
type Migration struct {
	Version string
	// Function is the setter, in the tenant root's schema.
	Function catalog.Name
	Files    []output.File
}

var tmpl = template.Must(template.ParseFS(templates.FS, "tenant_setter.*.sql.tmpl"))

// Function is the setter of m: tenancy.SetterFunction in the schema of the
// tenant root, where the runtime calls it.
func Function(m *tenancy.Model) catalog.Name {
	return catalog.Name{Schema: m.Tenant.Root.Schema, Name: tenancy.SetterFunction}
}

// Plan returns the setter's migration when m is in Citus mode, has a tenant
// root and its schema lacks the setter; nil otherwise. Its version is the
// next of opts: the caller plans it before the RLS migrations, so a database
// has the setter before its policies start depending on the setting.
func Plan(m *tenancy.Model, opts migration.Options) (*Migration, error) {
	if m == nil || !m.Tenant.Citus || m.Tenant.Key == "" {
		return nil, nil
	}
	fn := Function(m)
	for _, f := range m.Catalog.Functions {
		if f.Name == fn {
			return nil, nil
		}
	}
	start, end := migration.StatementMarkers(opts.Format)
	data := struct{ Function, Setting, StatementBegin, StatementEnd string }{
		fn.String(), m.Tenant.Setting, start, end,
	}
	var up, down bytes.Buffer
	if err := tmpl.ExecuteTemplate(&up, "tenant_setter.up.sql.tmpl", data); err != nil {
		return nil, err
	}
	if err := tmpl.ExecuteTemplate(&down, "tenant_setter.down.sql.tmpl", data); err != nil {
		return nil, err
	}
	version := opts.Versions().Next()
	return &Migration{Version: version, Function: fn, Files: migration.Files(opts, version+"_"+Name, up.String(), down.String())}, nil
}
