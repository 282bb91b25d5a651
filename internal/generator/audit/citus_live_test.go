package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// setterSQL is the tenant setter as ANCHORS.md §7 measured it on Citus: SET
// LOCAL reaches the workers (with citus.propagate_set_commands = 'local'),
// set_config does not. On a plain PostgreSQL it sets the same setting.
const setterSQL = `
CREATE OR REPLACE FUNCTION public.tenantc_set_tenant(setting text, value text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL citus.propagate_set_commands = 'local';
    EXECUTE format('SET LOCAL %s = %L', setting, value);
END $$;`

// brokenSetterSQL sets no tenant at all, whatever it is given: a probe that
// uses it can insert no row for its tenants, and must say so.
const brokenSetterSQL = `
CREATE OR REPLACE FUNCTION public.tenantc_set_tenant(setting text, value text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('SET LOCAL %s = %L', setting, '');
END $$;`

func citusMode(fx *checktest.Fixture) *config.Config {
	cfg := *fx.Result.Config
	cfg.Distribute = config.DistributeCitus
	cfg.Store.Enabled = false // refused with Citus; the example's store tables are then plain global tables
	return &cfg
}

func only(l diag.List, prefixes ...string) []string {
	var out []string
	for _, d := range l {
		for _, p := range prefixes {
			if strings.HasPrefix(d.Rule, p) {
				out = append(out, d.Rule+" "+d.Object)
			}
		}
	}
	return out
}

// TestCitusModeOnPlainPostgres: tenantc.yaml says citus, the database is a
// plain PostgreSQL: one warning about the extension (the example's policies,
// migrated without distribute: citus, are in the sub-select shape, each a
// citus-policy-subselect until generate replaces them), and the probe sets the tenant through the
// setter, the runtime's path on Citus. The broken setter shows the probe
// really goes through it (set_config would have worked).
func TestCitusModeOnPlainPostgres(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	conn := pgtest.Connect(t, fx.DB.AdminURL)
	cfg := citusMode(fx)

	res, err := audit.Check(context.Background(), conn, audit.Options{Config: cfg, Role: fx.DB.App})
	require.NoError(t, err)
	assert.Nil(t, res.Citus)
	assert.Equal(t, []string{"citus-extension-missing extension citus"}, only(res.Diagnostics, "citus-extension", "citus-not", "citus-table", "citus-distribution"))
	assert.Contains(t, only(res.Diagnostics, "citus-policy-subselect"), "citus-policy-subselect policy tenantc_tenant_isolation on public.projects")
	for _, d := range res.Diagnostics {
		if d.Rule == "citus-extension-missing" {
			assert.Equal(t, diag.Warning, d.Severity)
		}
	}

	// No setter: set_config, as before.
	res, err = audit.Check(context.Background(), conn, audit.Options{Config: cfg, Role: fx.DB.App, Probe: true})
	require.NoError(t, err)
	assert.Empty(t, only(res.Diagnostics, "probe-"))

	fx.DB.Exec(t, fx.DB.OwnerURL, setterSQL)
	res, err = audit.Check(context.Background(), conn, audit.Options{Config: cfg, Role: fx.DB.App, Probe: true})
	require.NoError(t, err)
	assert.Empty(t, only(res.Diagnostics, "probe-"), "the setter sets the tenant as set_config did")

	fx.DB.Exec(t, fx.DB.OwnerURL, brokenSetterSQL)
	res, err = audit.Check(context.Background(), conn, audit.Options{Config: cfg, Role: fx.DB.App, Probe: true})
	require.NoError(t, err)
	incomplete := only(res.Diagnostics, "probe-incomplete")
	assert.NotEmpty(t, incomplete, "a setter that sets no tenant leaves the probe unable to insert: %v", res.Diagnostics)

	// Without Citus mode the probe keeps set_config and the broken setter
	// does not matter.
	plain := *cfg
	plain.Distribute = config.DistributeNone
	res, err = audit.Check(context.Background(), conn, audit.Options{Config: &plain, Role: fx.DB.App, Probe: true})
	require.NoError(t, err)
	assert.Empty(t, only(res.Diagnostics, "probe-", "citus-"))
}
