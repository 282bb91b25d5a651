package tenant_test

import (
	"context"
	"fmt"
	neturl "net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

func TestVerify(t *testing.T) {
	pdb := newDatabase(t)
	bypassURL := newRole(t, pdb, "bypass", "BYPASSRLS")
	memberURL := newRole(t, pdb, "member", "IN ROLE "+pdb.Owner) // can SET ROLE to the owner
	ctx := context.Background()
	verify := func(url string, opts ...tenant.Option) error {
		return tenant.Verify(ctx, tenant.NewDB(newPool(t, url, pgx.QueryExecModeCacheStatement, 1, nil), opts...))
	}

	t.Run("clean: the app role", func(t *testing.T) {
		assert.NoError(t, verify(pdb.AppURL))
	})
	t.Run("superuser", func(t *testing.T) {
		err := verify(pdb.AdminURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "it is a superuser")
	})
	t.Run("BYPASSRLS", func(t *testing.T) {
		err := verify(bypassURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "it has BYPASSRLS")
		assert.NotContains(t, err.Error(), "superuser")
	})
	t.Run("owner of protected tables", func(t *testing.T) {
		err := verify(pdb.OwnerURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "owns (or is a member of the owner of) tables with a tenantc policy: items, tenants")
	})
	t.Run("member of the owner", func(t *testing.T) {
		err := verify(memberURL)
		assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, "items, tenants")
	})
	t.Run("setting the policies do not read", func(t *testing.T) {
		err := verify(pdb.AppURL, tenant.WithSetting("app.org_id"))
		assert.NotErrorIs(t, err, tenant.ErrUnsafeRole)
		assert.ErrorContains(t, err, `items, tenants do not read setting "app.org_id"`)
	})
}

func TestSystem(t *testing.T) {
	pdb := newDatabase(t)
	bypassURL := newRole(t, pdb, "sys", "BYPASSRLS")
	ctx := tenant.WithID(context.Background(), tenantA) // System ignores it

	t.Run("sees every tenant and sets none", func(t *testing.T) {
		sys := tenant.NewSystemDB(newPool(t, bypassURL, pgx.QueryExecModeCacheStatement, 2, nil))
		err := tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
			_, err := s.TenantID(ctx)
			assert.ErrorIs(t, err, tenant.ErrSystemScope)
			q := s.Querier()
			var n int
			var set *string
			require.NoError(t, q.QueryRow(ctx, "SELECT count(*), current_setting('app.tenant_id', true) FROM items").Scan(&n, &set))
			assert.Equal(t, len(tenants)*itemsPerTenant, n)
			assert.True(t, set == nil || *set == "", "no tenant set")
			_, err = q.Exec(ctx, "INSERT INTO items (tenant_id, body) VALUES ($1, 'by system')", string(tenantB))
			return err
		})
		require.NoError(t, err)
		app := tenant.NewDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil))
		assert.Contains(t, bodies(t, tenant.WithID(ctx, tenantB), app.Scope().Querier(), tenantB), "by system")
	})

	t.Run("refuses a role without BYPASSRLS, checking once", func(t *testing.T) {
		var c counters
		sys := tenant.NewSystemDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, &c))
		called := false
		for range 3 {
			err := tenant.System(ctx, sys, func(context.Context, *tenant.Scope) error { called = true; return nil })
			assert.ErrorIs(t, err, tenant.ErrNotBypassRLS)
			assert.ErrorContains(t, err, pdb.App)
		}
		assert.False(t, called)
		assert.EqualValues(t, 1, c.statements.Load(), "the role is checked once")
	})

	t.Run("rolls back like Run", func(t *testing.T) {
		sys := tenant.NewSystemDB(newPool(t, bypassURL, pgx.QueryExecModeSimpleProtocol, 1, nil))
		func() {
			defer func() { assert.NotNil(t, recover()) }()
			_ = tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
				_, err := s.Querier().Exec(ctx, "DELETE FROM items")
				require.NoError(t, err)
				panic("boom")
			})
		}()
		require.NoError(t, tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
			var n int
			require.NoError(t, s.Querier().QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n))
			assert.Greater(t, n, 0)
			return nil
		}))
	})
}

// groupRole creates a NOLOGIN role with attrs (e.g. "BYPASSRLS IN ROLE x"),
// dropped when the test ends.
func groupRole(t *testing.T, pdb *pgtest.DB, suffix, attrs string) string {
	t.Helper()
	name := pdb.Name + "_" + suffix
	pdb.Exec(t, pdb.AdminURL, fmt.Sprintf("CREATE ROLE %s NOLOGIN %s", name, attrs))
	t.Cleanup(func() { pdb.Exec(t, pdb.AdminURL, "DROP ROLE "+name) })
	return name
}

// TestVerifyRoleReach: roles that get around RLS without BYPASSRLS of
// their own, each refused with its reason named; membership counts whether
// direct, through another role, or NOINHERIT (SET ROLE works either way).
func TestVerifyRoleReach(t *testing.T) {
	pdb := newDatabase(t)
	ctx := context.Background()
	verify := func(url string) error {
		return tenant.Verify(ctx, tenant.NewDB(newPool(t, url, pgx.QueryExecModeCacheStatement, 1, nil)))
	}
	require.NoError(t, verify(pdb.AppURL), "the clean app role passes")

	bypassGroup := groupRole(t, pdb, "bypass_group", "BYPASSRLS")
	createGroup := groupRole(t, pdb, "create_group", "CREATEROLE")
	filesGroup := groupRole(t, pdb, "files_group", "IN ROLE pg_write_server_files")
	for _, tc := range []struct {
		name, suffix, attrs string
		reason              string
	}{
		{"CREATEROLE", "createrole", "CREATEROLE", "it has CREATEROLE"},
		{"REPLICATION", "replication", "REPLICATION", "it has REPLICATION"},
		{"member of a CREATEROLE role, NOINHERIT", "m_create", "NOINHERIT IN ROLE " + createGroup,
			"roles that get around RLS: " + createGroup + " (CREATEROLE)"},
		{"member of a BYPASSRLS role, NOINHERIT", "m_bypass", "NOINHERIT IN ROLE " + bypassGroup,
			"roles that get around RLS: " + bypassGroup + " (BYPASSRLS)"},
		{"member of pg_execute_server_program", "m_exec", "IN ROLE pg_execute_server_program",
			"member of pg_execute_server_program, which runs programs"},
		{"member of pg_read_server_files, NOINHERIT", "m_read", "NOINHERIT IN ROLE pg_read_server_files",
			"member of pg_read_server_files, which reads any file"},
		{"member of pg_write_server_files through another role", "m_write", "IN ROLE " + filesGroup,
			"member of pg_write_server_files, which writes any file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verify(newRole(t, pdb, tc.suffix, tc.attrs))
			t.Log(err)
			assert.ErrorIs(t, err, tenant.ErrUnsafeRole)
			assert.ErrorContains(t, err, tc.reason)
		})
	}
}

// TestVerifyTenantDefault: a default for the tenant setting, at any level,
// makes every statement sent without a tenant see that tenant. Verify
// refuses each, naming it.
func TestVerifyTenantDefault(t *testing.T) {
	pdb := newDatabase(t)
	ctx := context.Background()
	verifyOn := func(url string, opts ...tenant.Option) error {
		return tenant.Verify(ctx, tenant.NewDB(newPool(t, url, pgx.QueryExecModeCacheStatement, 1, nil), opts...))
	}
	require.NoError(t, verifyOn(pdb.AppURL), "the clean app role passes")

	// The defaults in every case, the way they reach a tenantless statement.
	seesTenant := func(t *testing.T, url string) {
		t.Helper()
		var n int
		require.NoError(t, newPool(t, url, pgx.QueryExecModeCacheStatement, 1, nil).
			QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n))
		assert.Equal(t, itemsPerTenant, n, "without a tenant, the statement sees the default tenant's rows")
	}
	for _, tc := range []struct {
		name   string
		set    func(role string) string // SQL run as the admin
		reason func(role string) string
	}{
		{"ALTER ROLE … SET",
			func(role string) string { return fmt.Sprintf("ALTER ROLE %s SET app.tenant_id = '%s'", role, tenantA) },
			func(role string) string { return fmt.Sprintf("ALTER ROLE %s SET app.tenant_id=%s", role, tenantA) }},
		{"ALTER ROLE … IN DATABASE … SET",
			func(role string) string {
				return fmt.Sprintf("ALTER ROLE %s IN DATABASE %s SET app.tenant_id = '%s'", role, pdb.Name, tenantA)
			},
			func(role string) string {
				return fmt.Sprintf("ALTER ROLE %s IN DATABASE %s SET app.tenant_id=%s", role, pdb.Name, tenantA)
			}},
		{"ALTER DATABASE … SET",
			func(string) string {
				return fmt.Sprintf("ALTER DATABASE %s SET app.tenant_id = '%s'", pdb.Name, tenantA)
			},
			func(string) string { return fmt.Sprintf("ALTER DATABASE %s SET app.tenant_id=%s", pdb.Name, tenantA) }},
		{"ALTER ROLE ALL IN DATABASE … SET",
			func(string) string {
				return fmt.Sprintf("ALTER ROLE ALL IN DATABASE %s SET app.tenant_id = '%s'", pdb.Name, tenantA)
			},
			func(string) string { return fmt.Sprintf("ALTER DATABASE %s SET app.tenant_id=%s", pdb.Name, tenantA) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := newRole(t, pdb, "dflt", "")
			role := pdb.Name + "_dflt"
			pdb.Exec(t, pdb.AdminURL, tc.set(role))
			t.Cleanup(func() { pdb.Exec(t, pdb.AdminURL, fmt.Sprintf("ALTER DATABASE %s RESET ALL", pdb.Name)) })
			seesTenant(t, url)
			err := verifyOn(url)
			t.Log(err)
			assert.ErrorIs(t, err, tenant.ErrTenantDefault)
			assert.ErrorContains(t, err, tc.reason(role))
			assert.ErrorContains(t, err, fmt.Sprintf("a new connection starts with app.tenant_id = %q", tenantA))
		})
	}

	t.Run("ALTER ROLE ALL SET", func(t *testing.T) {
		// Cluster-wide: a setting name of this test's own, so that no other
		// test on the cluster sees the default.
		setting := pdb.Name + ".tenant_id"
		pdb.Exec(t, pdb.AdminURL, fmt.Sprintf("ALTER ROLE ALL SET %s = '%s'", setting, tenantA))
		t.Cleanup(func() { pdb.Exec(t, pdb.AdminURL, "ALTER ROLE ALL RESET "+setting) })
		err := verifyOn(pdb.AppURL, tenant.WithSetting(setting))
		assert.ErrorIs(t, err, tenant.ErrTenantDefault)
		assert.ErrorContains(t, err, fmt.Sprintf("ALTER ROLE ALL SET %s=%s", setting, tenantA))
	})

	t.Run("options=-c in the connection string", func(t *testing.T) {
		u, err := neturl.Parse(pdb.AppURL)
		require.NoError(t, err)
		q := u.Query()
		q.Set("options", "-c app.tenant_id="+string(tenantA))
		u.RawQuery = strings.ReplaceAll(q.Encode(), "+", "%20") // a URL's + is no space to libpq or pgx
		url := u.String()
		seesTenant(t, url)
		err = verifyOn(url)
		assert.ErrorIs(t, err, tenant.ErrTenantDefault)
		assert.ErrorContains(t, err, fmt.Sprintf("a new connection starts with app.tenant_id = %q", tenantA))
		assert.NotErrorIs(t, err, tenant.ErrUnsafeRole)
	})

	t.Run("PGOPTIONS", func(t *testing.T) {
		t.Setenv("PGOPTIONS", "-c app.tenant_id="+string(tenantA))
		err := verifyOn(pdb.AppURL)
		assert.ErrorIs(t, err, tenant.ErrTenantDefault)
		assert.ErrorContains(t, err, fmt.Sprintf("a new connection starts with app.tenant_id = %q", tenantA))
	})

	t.Run("an empty default fails closed and passes", func(t *testing.T) {
		url := newRole(t, pdb, "empty", "")
		pdb.Exec(t, pdb.AdminURL, fmt.Sprintf("ALTER ROLE %s_empty SET app.tenant_id = ''", pdb.Name))
		assert.NoError(t, verifyOn(url))
	})
}

// TestSystemQuery: the single-statement bypass sees every tenant's rows in
// one round trip, sets no tenant, and refuses what System refuses before
// sending anything.
func TestSystemQuery(t *testing.T) {
	pdb := newDatabase(t)
	bypassURL := newRole(t, pdb, "sysq", "BYPASSRLS")
	ctx := tenant.WithID(context.Background(), tenantA) // ignored, like System's
	const count = "SELECT count(*), count(DISTINCT tenant_id), current_setting('app.tenant_id', true) FROM items"

	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		var c counters
		sys := tenant.NewSystemDB(newPool(t, bypassURL, mode, 1, &c))
		read := func() (n, distinct int, set *string, err error) {
			err = tenant.SystemQueryRow(ctx, sys, count).Scan(&n, &distinct, &set)
			return
		}
		for range 2 { // warm-up: connect, check the role, fill the caches
			_, _, _, err := read()
			require.NoError(t, err)
		}
		c.reset()
		n, distinct, set, err := read()
		require.NoError(t, err)
		assert.Equal(t, len(tenants)*itemsPerTenant, n, "every tenant's rows")
		assert.Equal(t, len(tenants), distinct)
		assert.True(t, set == nil || *set == "", "no tenant set")
		if mode != pgx.QueryExecModeDescribeExec { // which describes first, in a round trip of its own
			assert.EqualValues(t, 1, c.trips.Load(), "round trips")
		}

		list := func() []string {
			rows, err := tenant.SystemQuery(ctx, sys, "SELECT tenant_id::text FROM items ORDER BY id")
			require.NoError(t, err)
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			return ids
		}
		list() // warm-up: fill the caches
		c.reset()
		assert.Len(t, list(), len(tenants)*itemsPerTenant)
		if mode != pgx.QueryExecModeDescribeExec {
			assert.EqualValues(t, 1, c.trips.Load(), "round trips")
		}
	})

	t.Run("autocommits a write, or nothing of it", func(t *testing.T) {
		sys := tenant.NewSystemDB(newPool(t, bypassURL, pgx.QueryExecModeCacheStatement, 1, nil))
		var id int
		require.NoError(t, tenant.SystemQueryRow(ctx, sys,
			"INSERT INTO items (tenant_id, body) VALUES ($1, 'by system query') RETURNING id", string(tenantB)).Scan(&id))
		app := tenant.NewDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil))
		assert.Contains(t, bodies(t, tenant.WithID(ctx, tenantB), app.Scope().Querier(), tenantB), "by system query")
		// A statement that fails part way writes nothing.
		err := tenant.SystemQueryRow(ctx, sys, "INSERT INTO items (tenant_id, body) VALUES ($1, 'half'), ($1, NULL) RETURNING id",
			string(tenantB)).Scan(&id)
		require.Error(t, err)
		assert.NotContains(t, bodies(t, tenant.WithID(ctx, tenantB), app.Scope().Querier(), tenantB), "half")
	})

	t.Run("refuses a role without BYPASSRLS, checking once", func(t *testing.T) {
		var c counters
		sys := tenant.NewSystemDB(newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, &c))
		for range 3 {
			rows, err := tenant.SystemQuery(ctx, sys, "SELECT body FROM items")
			assert.ErrorIs(t, err, tenant.ErrNotBypassRLS)
			assert.ErrorContains(t, err, pdb.App)
			assert.False(t, rows.Next(), "no rows")
			assert.ErrorIs(t, rows.Err(), tenant.ErrNotBypassRLS)
			rows.Close()
			assert.ErrorIs(t, tenant.SystemQueryRow(ctx, sys, "SELECT count(*) FROM items").Scan(new(int)), tenant.ErrNotBypassRLS)
		}
		assert.EqualValues(t, 1, c.statements.Load(), "the role is checked once, the statements never sent")
	})

	t.Run("refuses a nil SystemDB and pgx query options", func(t *testing.T) {
		for _, db := range []*tenant.SystemDB{nil, tenant.NewSystemDB(nil)} {
			_, err := tenant.SystemQuery(ctx, db, "SELECT 1")
			assert.Error(t, err)
			assert.Error(t, tenant.SystemQueryRow(ctx, db, "SELECT 1").Scan(new(int)))
		}
		var c counters
		sys := tenant.NewSystemDB(newPool(t, bypassURL, pgx.QueryExecModeCacheStatement, 1, &c))
		_, err := tenant.SystemQuery(ctx, sys, "SELECT $1::int", pgx.QueryExecModeSimpleProtocol, 1)
		assert.Error(t, err)
	})
}
