package tenancy

import (
	"slices"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
)

// ConfigOf is the tenancy configuration of the project cfg configures, the
// one derivation generate, vet and check share: tenantc.yaml's tenant table,
// column and setting, its global tables, the places it writes them, and, when
// the store is enabled, storeTables — the tables the organization store owns
// under cfg (store.Owned(cfg); package store knows them, and imports this
// package, so the caller passes them in).
//
// It lives here rather than in config because the config stage comes first:
// it reads tenantc.yaml and imports no later stage.
func ConfigOf(cfg *config.Config, storeTables []catalog.Name) Config {
	c := Config{
		Root: cfg.Tenant.Table, Column: cfg.Tenant.Column, Setting: cfg.Tenant.Setting,
		Global: slices.Clone(cfg.Global), File: cfg.File, RootPos: cfg.TenantTablePos, GlobalPos: slices.Clone(cfg.GlobalPos),
	}
	// The store hangs its organizations on the tenant table, so with the
	// store enabled the table stays required even when defaulted.
	c.RootOptional = !cfg.TenantTablePos.IsValid() && !cfg.Store.Enabled
	c.ProjectFile = projectFile(cfg)
	c.Citus = cfg.Citus()
	if cfg.Store.Enabled {
		// The store's tables are global by configuration (or the tenant root).
		c.Store = slices.Clone(storeTables)
	}
	return c
}

// projectFile is the file a project is known by: its tenantc.yaml, else its
// sqlc config, else (a project of migrations alone) its first schema path.
func projectFile(cfg *config.Config) string {
	switch {
	case cfg.File != "":
		return cfg.File
	case cfg.SQLCFile != "":
		return cfg.SQLCFile
	case len(cfg.Schema) > 0:
		return cfg.Schema[0]
	}
	return config.FileName
}
