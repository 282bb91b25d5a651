package tenancy_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
)

// TestConfigOf: the tenancy configuration carries tenantc.yaml's tenant and
// global tables with their places, and the store's tables only when the store
// is enabled.
func TestConfigOf(t *testing.T) {
	cfg := config.Default()
	cfg.File, cfg.Global = "tenantc.yaml", []string{"plans"}
	cfg.TenantTablePos, cfg.GlobalPos = source.Pos{File: "tenantc.yaml", Line: 3, Col: 10}, []source.Pos{{File: "tenantc.yaml", Line: 5, Col: 5}}
	storeTables := []catalog.Name{{Schema: "public", Name: "organizations"}}

	got := tenancy.ConfigOf(cfg, storeTables)
	assert.Equal(t, tenancy.Config{
		Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Global: []string{"plans"},
		File: "tenantc.yaml", RootPos: cfg.TenantTablePos, GlobalPos: cfg.GlobalPos, ProjectFile: "tenantc.yaml",
	}, got)

	// A defaulted tenant table may be missing (a plain sqlc project), unless
	// the store, which hangs on it, is on.
	cfg.TenantTablePos = source.Pos{}
	assert.True(t, tenancy.ConfigOf(cfg, storeTables).RootOptional)
	cfg.Store.Enabled = true
	assert.False(t, tenancy.ConfigOf(cfg, storeTables).RootOptional)
	cfg.Store.Enabled = false

	cfg.Store.Enabled = true
	assert.Equal(t, storeTables, tenancy.ConfigOf(cfg, storeTables).Store)
}
