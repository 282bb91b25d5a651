package config

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/diag"
)

func TestAdoptKeys(t *testing.T) {
	dir := schemaOnly(t)
	write(t, dir, FileName, `version: 1
global: [users]
scoped:
  - posts
  - {table: comments, via: post_id}
  - {table: media, via: default}
backfill:
  default_tenant: "1"
  batch_size: 500
roles:
  app: web
  system: none
  create: false
`)
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Len(t, cfg.Scoped, 3)
	require.Equal(t, "posts", cfg.Scoped[0].Table)
	require.Equal(t, "post_id", cfg.Scoped[1].Via)
	require.Equal(t, ViaDefault, cfg.Scoped[2].Via)
	require.Equal(t, 5, cfg.Scoped[1].Pos.Line)
	require.Equal(t, Backfill{DefaultTenant: "1", BatchSize: 500}, Backfill{DefaultTenant: cfg.Backfill.DefaultTenant, BatchSize: cfg.Backfill.BatchSize})
	require.Equal(t, Roles{Enabled: true, App: "web", System: "", Create: false},
		Roles{Enabled: cfg.Roles.Enabled, App: cfg.Roles.App, System: cfg.Roles.System, Create: cfg.Roles.Create})
}

func TestAdoptDefaults(t *testing.T) {
	dir := schemaOnly(t)
	write(t, dir, FileName, "version: 1\nroles:\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Empty(t, cfg.Scoped)
	require.Equal(t, DefaultBatchSize, cfg.Backfill.BatchSize)
	require.True(t, cfg.Roles.Enabled)
	require.Equal(t, DefaultAppRole, cfg.Roles.App)
	require.Equal(t, DefaultSystemRole, cfg.Roles.System)
	require.True(t, cfg.Roles.Create)

	cfg, err = Load(schemaOnly(t))
	require.NoError(t, err)
	require.False(t, cfg.Roles.Enabled)
	require.Equal(t, DefaultBatchSize, cfg.Backfill.BatchSize)
}

func TestAdoptErrorsAreLocated(t *testing.T) {
	dir := schemaOnly(t)
	write(t, dir, FileName, `version: 1
global: [users]
scoped:
  - users
  - {table: posts, via: ""}
  - {table: tags, through: x}
  - posts
backfill:
  batch_size: lots
  size: 3
roles:
  app: public
  system: pg_monitor
`)
	_, err := Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	var got []string
	for _, d := range list {
		got = append(got, d.String())
	}
	require.Equal(t, []string{
		`tenantc.yaml:4:5: error: scoped: users is also listed under global:; a table belongs to a tenant or to every tenant, not both`,
		`tenantc.yaml:5:25: error: scoped: via must name a foreign-key column of posts, or be "default"`,
		`tenantc.yaml:6:19: error: unknown key "through" in a scoped entry (known keys here: table, via)`,
		`tenantc.yaml:7:5: error: scoped: posts is listed twice`,
		`tenantc.yaml:9:15: error: backfill.batch_size must be a whole number of rows (got "lots")`,
		`tenantc.yaml:10:3: error: unknown key "backfill.size" in tenantc.yaml (known keys here: default_tenant, batch_size)`,
		`tenantc.yaml:12:8: error: roles.app: "public" is not a role name PostgreSQL can grant to`,
		`tenantc.yaml:13:11: error: roles.system: "pg_monitor": roles named pg_* are PostgreSQL's own`,
	}, got)
}
