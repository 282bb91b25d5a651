package generator

import (
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/parse"
)

// ReadSchema reads the project in opts.Dir as generate reads it, up to the
// catalog and no further: tenantc.yaml if there is one (tenantc init runs
// where there is none yet), the sqlc config's schema paths and tenantc's
// migrations directory, parsed. Nothing is classified or planned: tenantc init
// proposes the classification the config would then give.
//
// The error is for a run that could not happen: no project in the directory,
// an invalid config (a diag.ErrorList), unreadable files, or SQL that does not
// parse (a diag.ErrorList of the located syntax errors).
func ReadSchema(opts Options) (*config.Config, *catalog.Catalog, error) {
	cfg, err := config.LoadFile(opts.Dir, opts.SQLCFile)
	if err != nil {
		return nil, nil, err
	}
	if err := config.RequireProject(cfg); err != nil {
		return nil, nil, err
	}
	st, err := begin(cfg, opts)
	if err != nil {
		return nil, nil, err
	}
	if st.res.Diagnostics.HasErrors() {
		st.res.Diagnostics.Sort()
		return nil, nil, diag.ErrorList(onlyErrors(st.res.Diagnostics))
	}
	cat, diags := parse.Files(st.res.Sources)
	if diags.HasErrors() {
		diags.Sort()
		return nil, nil, diag.ErrorList(onlyErrors(diags))
	}
	return cfg, cat, nil
}

// onlyErrors keeps the errors of l: the warnings of a schema that does not
// parse are for generate to show once it does.
func onlyErrors(l diag.List) diag.List {
	var out diag.List
	for _, d := range l {
		if d.Severity == diag.Error {
			out = append(out, d)
		}
	}
	return out
}
