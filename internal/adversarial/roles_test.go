package adversarial_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// verify runs tenant.Verify for a pool of url, as a service's start-up does.
func verify(t *testing.T, url string) error {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	return tenant.Verify(context.Background(), tenant.NewDB(pool))
}

// misconfigure applies sql as the superuser ({app} names the app role and
// {acme} Acme's tenant) and resets the app role's attributes afterwards.
func (w *world) misconfigure(t *testing.T, sql string) {
	t.Helper()
	db := w.fx.DB
	t.Cleanup(func() {
		db.Exec(t, db.AdminURL, "ALTER ROLE "+db.App+" NOCREATEROLE NOREPLICATION INHERIT; ALTER ROLE "+db.App+" RESET ALL")
	})
	db.Exec(t, db.AdminURL, strings.NewReplacer("{app}", db.App, "{acme}", string(w.acme.TenantID), "{db}", db.Name).Replace(sql))
}

// Item 5: roles that get around RLS without BYPASSRLS. tenant.Verify refuses
// each at start-up, and tenantc check reports each as an error.
func TestRolesAroundRLSAreRefused(t *testing.T) {
	for _, c := range []struct{ name, sql, code string }{
		{"CREATEROLE", "ALTER ROLE {app} CREATEROLE", "app-role-createrole"},
		{"REPLICATION", "ALTER ROLE {app} REPLICATION", "app-role-replication"},
		{"reads server files", "GRANT pg_read_server_files TO {app}", "app-role-server-files"},
		{"writes server files through a NOINHERIT role", "ALTER ROLE {app} NOINHERIT; GRANT pg_write_server_files TO {app}", "app-role-server-files"},
		{"runs server programs", "GRANT pg_execute_server_program TO {app}", "app-role-server-files"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			require.NoError(t, verify(t, w.fx.DB.AppURL), "the clean app role passes")
			w.misconfigure(t, c.sql)
			err := verify(t, w.fx.DB.AppURL)
			require.ErrorIs(t, err, tenant.ErrUnsafeRole)
			diags := w.check(t, false)
			assert.True(t, diags.HasErrors(), "check accepts an app role after %s", c.sql)
			assert.Contains(t, rules(diags), c.code, "%v", diags)
		})
	}

	// TRUNCATE ignores RLS: a NOINHERIT role holding it is one SET ROLE
	// away, and wipes every tenant.
	t.Run("TRUNCATE through a NOINHERIT role", func(t *testing.T) {
		w := newWorld(t)
		w.misconfigure(t, "CREATE ROLE {db}_wiper NOLOGIN; GRANT TRUNCATE ON projects, tasks, comments TO {db}_wiper; ALTER ROLE {app} NOINHERIT; GRANT {db}_wiper TO {app}")
		t.Cleanup(func() {
			w.fx.DB.Exec(t, w.fx.DB.AdminURL, "DROP OWNED BY "+w.fx.DB.Name+"_wiper; DROP ROLE "+w.fx.DB.Name+"_wiper")
		})
		diags := w.check(t, false)
		assert.Contains(t, rules(diags), "app-role-excess-grants", "%v", diags)
		assert.True(t, diags.HasErrors())
	})
}

// Item 6: what runs with the owner's rights or with a tenant nobody set.
func TestRulesAndSettingDefaultsAreRefused(t *testing.T) {
	t.Run("a rule on a protected table", func(t *testing.T) {
		w := newWorld(t)
		w.fx.DB.Exec(t, w.fx.DB.OwnerURL, "CREATE RULE projects_touch AS ON UPDATE TO projects DO ALSO UPDATE tasks SET title = title WHERE project_id = NEW.id")
		diags := w.check(t, false)
		assert.True(t, diags.HasErrors(), "check accepts a rule on projects")
		assert.Contains(t, rules(diags), "protected-table-rule", "%v", diags)
	})
	t.Run("a rule on a global table that reads tenant data", func(t *testing.T) {
		w := newWorld(t)
		w.fx.DB.Exec(t, w.fx.DB.OwnerURL, "CREATE RULE plans_copy AS ON INSERT TO plans DO ALSO INSERT INTO plans (id, name, monthly_price_cents, max_projects) SELECT 'copy-' || id, name, 0, 0 FROM projects")
		diags := w.check(t, false)
		assert.True(t, diags.HasErrors(), "check accepts a rule whose action reads projects")
		assert.Contains(t, rules(diags), "protected-table-rule", "%v", diags)
	})
	for _, c := range []struct{ name, sql string }{
		{"role default", "ALTER ROLE {app} SET app.tenant_id = '{acme}'"},
		{"database default", "ALTER DATABASE {db} SET app.tenant_id = '{acme}'"},
		{"role in database default", "ALTER ROLE {app} IN DATABASE {db} SET app.tenant_id = '{acme}'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.misconfigure(t, c.sql)
			t.Cleanup(func() { w.fx.DB.Exec(t, w.fx.DB.AdminURL, "ALTER DATABASE "+w.fx.DB.Name+" RESET ALL") })
			// The attack: a statement sent with no tenant at all sees Acme.
			conn := pgtestConnect(t, w.fx.DB.AppURL)
			var n int
			require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM tenants").Scan(&n))
			require.Equal(t, 1, n, "an untenanted statement sees the default tenant")

			require.ErrorIs(t, verify(t, w.fx.DB.AppURL), tenant.ErrTenantDefault)
			diags := w.check(t, false)
			assert.True(t, diags.HasErrors(), "check accepts %s", c.sql)
			assert.Contains(t, rules(diags), "tenant-setting-default", "%v", diags)
		})
	}
	t.Run("options in the connection string", func(t *testing.T) {
		w := newWorld(t)
		u, err := url.Parse(w.fx.DB.AppURL)
		require.NoError(t, err)
		q := u.Query()
		q.Set("options", "-c app.tenant_id="+string(w.acme.TenantID))
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // a URL's + is no space to libpq or pgx
		require.ErrorIs(t, verify(t, u.String()), tenant.ErrTenantDefault)
	})
}
