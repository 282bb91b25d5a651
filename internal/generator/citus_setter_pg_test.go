package generator_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// citusModeDB applies golden case citus-policy-uuid (distribute: citus) to a
// plain PostgreSQL: its schema, then the tenant setter and the RLS migrations,
// as the table owner (neither superuser nor BYPASSRLS), and grants the app
// role what an application gets. Citus is not installed, so the keep-tenant
// trigger's DO block creates the trigger. Tenants a and b get one project
// each, inserted as the superuser.
func citusModeDB(t *testing.T) (db *pgtest.DB, a, b string) {
	t.Helper()
	root := filepath.Join("testdata", "citus-policy-uuid")
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
	res, err := generator.Run(t.Context(), goldenOptions(root, dir))
	require.NoError(t, err)
	require.NotNil(t, res.SetterMigration, "distribute: citus plans the tenant setter")
	db = pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, citusStubs) // Citus' distribution calls, on plain PostgreSQL
	for _, f := range res.Sources {
		db.Exec(t, db.OwnerURL, f.SQL)
	}
	ups, _ := migrationParts(res)
	for _, up := range ups {
		db.Exec(t, db.OwnerURL, up)
	}
	db.GrantApp(t)
	a, b = "00000000-0000-0000-0000-00000000000a", "00000000-0000-0000-0000-00000000000b"
	db.Exec(t, db.AdminURL, `INSERT INTO tenants (id, name) VALUES ('`+a+`', 'a'), ('`+b+`', 'b');
		INSERT INTO projects (tenant_id, name) VALUES ('`+a+`', 'pa'), ('`+b+`', 'pb');`)
	return db, a, b
}

// setting reads the tenant setting; unset and empty are both "".
func setting(t *testing.T, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) string {
	t.Helper()
	var v *string
	require.NoError(t, q.QueryRow(context.Background(), "SELECT current_setting('app.tenant_id', true)").Scan(&v))
	if v == nil {
		return ""
	}
	return *v
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestTenantSetterOnPostgres: the setter Citus mode generates sets the tenant
// for the rest of the transaction and no longer, in an explicit transaction,
// a pgx batch and a multi-statement simple query (implicit transactions);
// values arrive verbatim whatever they hold; anything but a custom setting
// name, and an empty tenant, are refused. It runs as the app role, with the
// caller's rights (not SECURITY DEFINER).
func TestTenantSetterOnPostgres(t *testing.T) {
	ctx := context.Background()
	db, _, _ := citusModeDB(t)
	conn := pgtest.Connect(t, db.AppURL)

	var definer bool
	var config []string
	require.NoError(t, conn.QueryRow(ctx, `SELECT prosecdef, proconfig FROM pg_proc WHERE oid = 'public.tenantc_set_tenant(text, text)'::regprocedure`).Scan(&definer, &config))
	assert.False(t, definer, "the setter runs with its caller's rights")
	assert.Equal(t, []string{"search_path=pg_catalog"}, config)

	t.Run("transaction", func(t *testing.T) {
		for _, end := range []string{"COMMIT", "ROLLBACK"} {
			tx, err := conn.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "SELECT public.tenantc_set_tenant($1, $2)", "app.tenant_id", "42")
			require.NoError(t, err)
			assert.Equal(t, "42", setting(t, tx))
			assert.Equal(t, "42", setting(t, tx), "for the rest of the transaction")
			_, err = tx.Exec(ctx, end)
			require.NoError(t, err)
			assert.Equal(t, "", setting(t, conn), "gone after %s", end)
		}
	})

	t.Run("implicit transaction", func(t *testing.T) {
		b := &pgx.Batch{}
		b.Queue("SELECT public.tenantc_set_tenant($1, $2)", "app.tenant_id", "7")
		b.Queue("SELECT current_setting('app.tenant_id', true)")
		br := conn.SendBatch(ctx, b)
		_, err := br.Exec()
		require.NoError(t, err)
		var got string
		require.NoError(t, br.QueryRow().Scan(&got))
		require.NoError(t, br.Close())
		assert.Equal(t, "7", got, "a pgx batch is one implicit transaction")
		assert.Equal(t, "", setting(t, conn), "gone after the batch")

		results, err := conn.PgConn().Exec(ctx, "SELECT public.tenantc_set_tenant('app.tenant_id', '8'); SELECT current_setting('app.tenant_id', true)").ReadAll()
		require.NoError(t, err)
		require.Len(t, results, 2)
		assert.Equal(t, "8", string(results[1].Rows[0][0]), "a multi-statement simple query is one implicit transaction")
		assert.Equal(t, "", setting(t, conn), "gone after the simple query")
	})

	t.Run("hostile values arrive verbatim", func(t *testing.T) {
		for _, v := range []string{`x'; DROP TABLE projects; --`, `\'`, `a\b`, `$$; RESET ALL; $$`, `'`, "line\nbreak"} {
			tx, err := conn.Begin(ctx)
			require.NoError(t, err)
			_, err = tx.Exec(ctx, "SELECT public.tenantc_set_tenant($1, $2)", "app.tenant_id", v)
			require.NoError(t, err, "value %q", v)
			assert.Equal(t, v, setting(t, tx), "value %q", v)
			require.NoError(t, tx.Rollback(ctx))
		}
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE oid = 'public.projects'::regclass").Scan(&n))
		assert.Equal(t, 1, n, "no value ran as SQL")
	})

	t.Run("bad setting names and empty tenants are refused", func(t *testing.T) {
		bad := []any{"", nil, "app", "App.tenant_id", "search_path", "role", "app.tenant_id = 1", "app.tenant_id; DROP TABLE projects",
			"app.tenant_id TO DEFAULT", "app..x", ".app.x", "app.x.", `"app".x`, "app.tenant-id"}
		for _, name := range bad {
			_, err := conn.Exec(ctx, "SELECT public.tenantc_set_tenant($1, $2)", name, "42")
			require.Error(t, err, "setting %v", name)
			assert.Equal(t, "22023", sqlState(err), "setting %v: %v", name, err)
		}
		for _, v := range []any{"", nil} {
			_, err := conn.Exec(ctx, "SELECT public.tenantc_set_tenant($1, $2)", "app.tenant_id", v)
			require.Error(t, err, "value %v", v)
			assert.Equal(t, "22023", sqlState(err), "value %v: %v", v, err)
		}
		assert.Equal(t, "", setting(t, conn))
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_class WHERE oid = 'public.projects'::regclass").Scan(&n))
		assert.Equal(t, 1, n)
	})
}

// TestCitusModeIsolationOnPostgres is the hostile test of Citus mode's RLS
// migrations on plain PostgreSQL, the tenant set through the setter: the app
// role (no BYPASSRLS) reads and writes only its tenant's rows, cannot insert
// into another tenant nor move a row there (policy and trigger), sees nothing
// without a tenant; a BYPASSRLS role cannot move a row either (trigger).
func TestCitusModeIsolationOnPostgres(t *testing.T) {
	ctx := context.Background()
	db, a, b := citusModeDB(t)
	conn := pgtest.Connect(t, db.AppURL)

	var triggers int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM pg_trigger WHERE tgname = 'tenantc_tenant_immutable'").Scan(&triggers))
	assert.Equal(t, 2, triggers, "without Citus the DO blocks create the keep-tenant trigger on tenants and projects")

	asTenant := func(t *testing.T, role *pgx.Conn, tenant string, f func(pgx.Tx)) {
		t.Helper()
		tx, err := role.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, "SELECT public.tenantc_set_tenant('app.tenant_id', $1)", tenant)
		require.NoError(t, err)
		f(tx)
	}
	count := func(t *testing.T, q pgx.Tx, sql string, args ...any) int {
		t.Helper()
		var n int
		require.NoError(t, q.QueryRow(ctx, sql, args...).Scan(&n))
		return n
	}

	t.Run("no tenant, no rows", func(t *testing.T) {
		var n int
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM projects").Scan(&n))
		assert.Zero(t, n)
		require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&n))
		assert.Zero(t, n)
	})

	t.Run("read and write own rows only", func(t *testing.T) {
		asTenant(t, conn, a, func(tx pgx.Tx) {
			assert.Equal(t, 1, count(t, tx, "SELECT count(*) FROM projects"))
			assert.Equal(t, 0, count(t, tx, "SELECT count(*) FROM projects WHERE tenant_id = $1", b))
			assert.Equal(t, 1, count(t, tx, "SELECT count(*) FROM tenants"))
			var got string
			require.NoError(t, tx.QueryRow(ctx, "INSERT INTO projects (name) VALUES ('new') RETURNING tenant_id::text").Scan(&got))
			assert.Equal(t, a, got, "the tenant column's default reads the setting")
			tag, err := tx.Exec(ctx, "UPDATE projects SET name = 'hijacked' WHERE tenant_id = $1", b)
			require.NoError(t, err)
			assert.Zero(t, tag.RowsAffected(), "another tenant's rows cannot be updated")
			tag, err = tx.Exec(ctx, "DELETE FROM projects WHERE tenant_id = $1", b)
			require.NoError(t, err)
			assert.Zero(t, tag.RowsAffected(), "another tenant's rows cannot be deleted")
		})
	})

	t.Run("cross-tenant insert refused", func(t *testing.T) {
		asTenant(t, conn, a, func(tx pgx.Tx) {
			_, err := tx.Exec(ctx, "INSERT INTO projects (tenant_id, name) VALUES ($1, 'planted')", b)
			require.Error(t, err)
			assert.Equal(t, "42501", sqlState(err), "%v", err)
		})
	})

	t.Run("move refused for the app role", func(t *testing.T) {
		asTenant(t, conn, a, func(tx pgx.Tx) {
			_, err := tx.Exec(ctx, "UPDATE projects SET tenant_id = $1 WHERE tenant_id = $2", b, a)
			require.Error(t, err)
			assert.Equal(t, "42501", sqlState(err), "%v", err)
		})
	})

	t.Run("move refused for a BYPASSRLS role", func(t *testing.T) {
		role, roleURL := loginRole(t, db, "bypass", "BYPASSRLS")
		db.Exec(t, db.OwnerURL, "GRANT SELECT, UPDATE ON projects, tenants TO "+role)
		bypass := pgtest.Connect(t, roleURL)
		var n int
		require.NoError(t, bypass.QueryRow(ctx, "SELECT count(*) FROM projects").Scan(&n))
		assert.Equal(t, 2, n, "the role does bypass RLS")
		_, err := bypass.Exec(ctx, "UPDATE projects SET tenant_id = $1 WHERE tenant_id = $2", b, a)
		require.Error(t, err)
		assert.Equal(t, "42501", sqlState(err), "%v", err)
		assert.Contains(t, err.Error(), "never moves to another tenant")
		_, err = bypass.Exec(ctx, "UPDATE tenants SET id = gen_random_uuid() WHERE id = $1", a)
		require.Error(t, err, "the tenant root's key cannot change either")
		assert.Contains(t, err.Error(), "never moves to another tenant")
	})
}

// TestCitusModeCheckOnPostgres follows a project that moves to distribute:
// citus after its first migrations (golden case citus-policy-replaced): on
// the database those migrations made, tenantc check in Citus mode reports
// tenantc's (SELECT …) policies as citus-policy-subselect; after the
// replacing migrations generate writes (setter first) it reports no error,
// probe included, and vet on the written project finds no error either (the
// setter is not a tenant switch of the user's).
func TestCitusModeCheckOnPostgres(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join("testdata", "citus-policy-replaced")
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
	res, err := generator.Run(t.Context(), goldenOptions(root, dir))
	require.NoError(t, err)
	require.NotNil(t, res.SetterMigration)
	require.Len(t, res.Migrations, 2)

	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, citusStubs)
	for _, f := range res.Sources { // the schema and the earlier, plain-mode migrations
		db.Exec(t, db.OwnerURL, f.SQL)
	}
	db.GrantApp(t)
	admin := pgtest.Connect(t, db.AdminURL)
	errorsOf := func() (errs []string, subselect int) {
		checked, err := audit.Check(ctx, admin, audit.Options{Config: res.Config, Role: db.App, Probe: true})
		require.NoError(t, err)
		for _, d := range checked.Diagnostics {
			if d.Severity == diag.Error {
				errs = append(errs, d.String())
			}
			if d.Rule == rule.CitusPolicySubselect.Name {
				subselect++
			}
		}
		return errs, subselect
	}
	errs, subselect := errorsOf()
	assert.Equal(t, 2, subselect, "tenants' and projects' (SELECT …) policies: %v", errs)

	ups, _ := migrationParts(res)
	for _, up := range ups {
		db.Exec(t, db.OwnerURL, up)
	}
	db.GrantApp(t)
	errs, subselect = errorsOf()
	assert.Empty(t, errs)
	assert.Zero(t, subselect)

	_, err = output.Write(dir, res.Files, res.Prune...)
	require.NoError(t, err)
	vetted, err := generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	for _, d := range vetted.Diagnostics {
		assert.NotEqual(t, diag.Error, d.Severity, "vet: %s", d)
	}
}

// TestMigrationToolsApplyCitusMode: sql-migrate's and tern's own packages
// apply, revert and apply again the migrations Citus mode generates (the
// setter and the DO blocks hold semicolons of their own: sql-migrate needs
// its StatementBegin markers, tern runs each part whole), and tenantc check
// --probe then finds nothing.
func TestMigrationToolsApplyCitusMode(t *testing.T) {
	for _, c := range []struct{ golden, tool, migrations string }{
		{"read-sql-migrate", "sql-migrate", "db/migrations"},
		{"read-tern", "tern", "db/migrations"},
	} {
		t.Run(c.tool, func(t *testing.T) {
			t.Parallel()
			tool := migrationTools[c.tool]
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join("testdata", c.golden, "input"))))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), []byte("version: 1\ndistribute: citus\n"), 0o644))
			res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
			require.NoError(t, err)
			require.Equal(t, c.tool, string(res.Config.Migrations.Format))
			require.NotNil(t, res.SetterMigration)
			_, err = output.Write(dir, res.Files, res.Prune...)
			require.NoError(t, err)
			upDownUpCheck(t, tool, c.tool, filepath.Join(dir, c.migrations), res.Config, citusStubs)
		})
	}
}
