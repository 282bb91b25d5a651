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
	if cfg.Store.Enabled {
		// The store's tables are global by configuration (or the tenant root).
		c.Store = slices.Clone(storeTables)
	}
	return c
}
