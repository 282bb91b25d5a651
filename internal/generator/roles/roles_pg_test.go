package roles_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const testdata = "../testdata"

// env is one golden roles case generated under role names of its own (roles
// are cluster-wide, and cases run in parallel) and a database whose owner,
// the migration role, has CREATEROLE but is no superuser.
type env struct {
	t           *testing.T
	res         *generator.Result
	db          *pgtest.DB
	app, system string
	ups, downs  []string
}

// roleNames returns fresh role names for a test: the application's and the
// system's.
func roleNames() (app, system string) {
	id := pgurl.RandomHex(6)
	return "tc_" + id + "_rapp", "tc_" + id + "_rsys"
}

// newEnv generates the case with roles: replaced by rolesYAML (the case's
// tenantc.yaml ends with its roles: section), creates the database, and, as
// the superuser, runs preSQL (e.g. the system role's CREATE ROLE: BYPASSRLS
// needs a superuser). The roles named are dropped after the database.
func newEnv(t *testing.T, name, rolesYAML, app, system, preSQL string) *env {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(testdata, name, "input"))))
	cfgPath := filepath.Join(dir, "tenantc.yaml")
	cfg, err := os.ReadFile(cfgPath)
	require.NoError(t, err)
	head, _, ok := strings.Cut(string(cfg), "\nroles:")
	require.True(t, ok, "the case's tenantc.yaml ends with roles:")
	require.NoError(t, os.WriteFile(cfgPath, []byte(head+"\n"+rolesYAML+"\n"), 0o644))
	// The case's own migrations (an earlier run's) name the default roles.
	rename := strings.NewReplacer("app_user", app, "app_system", system)
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".sql") {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil {
			err = os.WriteFile(path, []byte(rename.Replace(string(b))), 0o644)
		}
		return err
	}))
	res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	require.NoError(t, err)

	admin := pgtest.AdminURL(t)
	t.Cleanup(func() { // registered first: runs after the database is dropped
		conn := pgtest.Connect(t, admin)
		_, err := conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+pgx.Identifier{app}.Sanitize()+", "+pgx.Identifier{system}.Sanitize())
		assert.NoError(t, err)
	})
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.AdminURL, "ALTER ROLE "+db.Owner+" CREATEROLE")
	if preSQL != "" {
		db.Exec(t, db.AdminURL, preSQL)
	}
	if res.Config.Citus() {
		db.Exec(t, db.OwnerURL, citustest.Stubs) // Citus' distribution functions, on plain PostgreSQL
	}
	for _, f := range res.Sources {
		db.Exec(t, db.OwnerURL, f.SQL)
	}
	e := &env{t: t, res: res, db: db, app: app, system: system}
	e.ups, e.downs = parts(res)
	return e
}

// parts returns the up and down SQL of each migration res wrote, in order.
func parts(res *generator.Result) (ups, downs []string) {
	dir := res.Config.Migrations.Dir + "/"
	for _, f := range res.Files {
		if !strings.HasPrefix(f.Path, dir) || !strings.HasSuffix(f.Path, ".sql") {
			continue
		}
		switch {
		case strings.HasSuffix(f.Path, ".down.sql"):
			downs = append(downs, string(f.Content))
		case strings.HasSuffix(f.Path, ".up.sql"):
			ups = append(ups, string(f.Content))
		default:
			ups = append(ups, source.Parse(f.Path, f.Content).SQL)
			downs = append(downs, source.Down(f.Path, f.Content))
		}
	}
	return ups, downs
}

// up applies every migration as the migration role and returns the first
// error.
func (e *env) up() error {
	conn := pgtest.Connect(e.t, e.db.OwnerURL)
	for _, sql := range e.ups {
		if _, err := conn.PgConn().Exec(context.Background(), sql).ReadAll(); err != nil {
			return err
		}
	}
	return nil
}

func (e *env) down() {
	for i := len(e.downs) - 1; i >= 0; i-- {
		e.db.Exec(e.t, e.db.OwnerURL, e.downs[i])
	}
}

// as connects as role (trust or the cluster's own authentication; the roles
// the migration creates have no password).
func (e *env) as(role string) *pgx.Conn {
	u, err := pgurl.With(e.db.AdminURL, url.User(role), e.db.Name)
	require.NoError(e.t, err)
	return pgtest.Connect(e.t, u)
}

// sqlstate returns the SQLSTATE of err, "" for none.
func sqlstate(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestRolesAttack: the roles-store case applied by a migration role with
// CREATEROLE (the system role, BYPASSRLS, pre-created by the superuser), then
// attacked as the application role the migration created.
func TestRolesAttack(t *testing.T) {
	t.Parallel()
	app, system := roleNames()
	e := newEnv(t, "roles-store", "roles: {app: "+app+", system: "+system+"}", app, system,
		"CREATE ROLE "+system+" LOGIN NOSUPERUSER BYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION")
	before := snapshot(t, e.db.AdminURL)
	require.NoError(t, e.up())
	require.NoError(t, e.up(), "a second run of the migrations changes nothing")

	ctx := context.Background()
	sys := e.as(system)
	var a, b string
	require.NoError(t, sys.QueryRow(ctx, "INSERT INTO tenants (name) VALUES ('a') RETURNING id::text").Scan(&a))
	require.NoError(t, sys.QueryRow(ctx, "INSERT INTO tenants (name) VALUES ('b') RETURNING id::text").Scan(&b))
	_, err := sys.Exec(ctx, "INSERT INTO projects (tenant_id, name) VALUES ($1, 'a1'), ($2, 'b1')", a, b)
	require.NoError(t, err, "the system role writes every tenant's rows")
	_, err = sys.Exec(ctx, "INSERT INTO organizations (name, slug) VALUES ('org', 'org')")
	require.NoError(t, err, "the system role writes the store's tables")

	user := e.as(app)
	// inTenant runs sql as the application role in a transaction of tenant.
	inTenant := func(tenant, sql string, args ...any) (pgconn.CommandTag, error) {
		tx, err := user.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		_, err = tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenant)
		require.NoError(t, err)
		return tx.Exec(ctx, sql, args...)
	}
	denied := func(what, sql string) {
		t.Helper()
		_, err := inTenant(a, sql)
		assert.Equal(t, "42501", sqlstate(err), "%s: want permission denied, got %v", what, err)
	}
	for _, store := range []string{"organizations", "members", "invitations", "users"} {
		denied("read store table "+store, "SELECT * FROM "+store)
	}
	denied("write a store table", "INSERT INTO organizations (name, slug) VALUES ('mine', 'mine')")
	denied("truncate", "TRUNCATE projects")
	denied("truncate the root", "TRUNCATE tenants CASCADE")
	denied("disable row level security", "ALTER TABLE projects DISABLE ROW LEVEL SECURITY")
	denied("drop the policy", "DROP POLICY tenantc_tenant_isolation ON projects")
	denied("create a table (to reference another tenant's keys from)", "CREATE TABLE probe (t uuid)")
	var refs, trig bool
	require.NoError(t, user.QueryRow(ctx, "SELECT has_table_privilege('projects', 'REFERENCES'), has_table_privilege('projects', 'TRIGGER')").Scan(&refs, &trig))
	assert.False(t, refs, "REFERENCES: foreign-key checks ignore row level security")
	assert.False(t, trig, "TRIGGER")
	_, err = user.Exec(ctx, "SET ROLE "+system)
	assert.Equal(t, "42501", sqlstate(err), "SET ROLE to the system role: %v", err)

	// Under the policies: its own rows, nothing of the other tenant's.
	var n int
	require.NoError(t, func() error {
		tx, err := user.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		_, err = tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", a)
		require.NoError(t, err)
		return tx.QueryRow(ctx, "SELECT count(*) FROM projects").Scan(&n)
	}())
	assert.Equal(t, 1, n, "tenant a sees its own project only")
	tag, err := inTenant(a, "INSERT INTO projects (name) VALUES ('a2')")
	require.NoError(t, err, "the application inserts its tenant's rows: DML granted")
	assert.EqualValues(t, 1, tag.RowsAffected())
	_, err = inTenant(a, "INSERT INTO projects (tenant_id, name) VALUES ($1, 'x')", b)
	assert.Equal(t, "42501", sqlstate(err), "cross-tenant insert: %v", err)
	tag, err = inTenant(a, "UPDATE projects SET name = 'x' WHERE tenant_id = $1", b)
	require.NoError(t, err)
	assert.Zero(t, tag.RowsAffected(), "cross-tenant update")
	tag, err = inTenant(a, "DELETE FROM projects WHERE tenant_id = $1", b)
	require.NoError(t, err)
	assert.Zero(t, tag.RowsAffected(), "cross-tenant delete")
	_, err = inTenant(a, "UPDATE projects SET tenant_id = $1", b)
	assert.Error(t, err, "moving a row to another tenant")

	// A table (and its sequence) the migration role creates later: DML and
	// sequence USAGE by the default privileges, and still no TRUNCATE.
	e.db.Exec(t, e.db.OwnerURL, "CREATE TABLE later (tenant_id uuid NOT NULL REFERENCES tenants (id), id bigserial, PRIMARY KEY (tenant_id, id))")
	var dml, truncate, seq bool
	require.NoError(t, user.QueryRow(ctx, `SELECT has_table_privilege('later', 'SELECT, INSERT, UPDATE, DELETE'),
		has_table_privilege('later', 'TRUNCATE'), has_sequence_privilege(pg_get_serial_sequence('later', 'id'), 'USAGE')`).Scan(&dml, &truncate, &seq))
	assert.True(t, dml, "a later table: DML by the default privileges")
	assert.False(t, truncate, "a later table: no TRUNCATE")
	assert.True(t, seq, "a later table's sequence: USAGE by the default privileges")
	e.db.Exec(t, e.db.OwnerURL, "DROP TABLE later")

	// Down: what up granted is revoked, the default privileges included; the
	// roles stay (cluster-wide).
	e.down()
	assert.Equal(t, before, snapshot(t, e.db.AdminURL), "the down migrations leave the grants as the up migrations found them")
	var roles int
	require.NoError(t, sys.QueryRow(ctx, "SELECT count(*) FROM pg_roles WHERE rolname IN ($1, $2)", app, system).Scan(&roles))
	assert.Equal(t, 2, roles, "down drops no role")
}

// TestRolesStoreLater: the store enabled after the roles migration ran. Its
// tables got the default privileges and users (global before) kept its
// grants; tenantc_roles_store, after the store's migration, leaves the
// application role nothing on any of them, and the system role their rows.
func TestRolesStoreLater(t *testing.T) {
	t.Parallel()
	app, system := roleNames()
	e := newEnv(t, "roles-store-later", "roles: {app: "+app+", system: "+system+"}", app, system,
		"CREATE ROLE "+system+" LOGIN BYPASSRLS")
	require.Len(t, e.ups, 2, "the store's migration and tenantc_roles_store")
	admin := pgtest.Connect(t, e.db.AdminURL)
	ctx := context.Background()
	var granted bool
	require.NoError(t, admin.QueryRow(ctx, "SELECT has_table_privilege($1, 'users', 'SELECT')", app).Scan(&granted))
	require.True(t, granted, "before: users is a global table, granted by the roles migration")
	require.NoError(t, e.up())
	for _, table := range []string{"users", "organizations", "members", "teams", "team_members", "invitations", "organization_roles"} {
		var appAny, sysDML bool
		require.NoError(t, admin.QueryRow(ctx, `SELECT has_table_privilege($1, $3, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'),
			has_table_privilege($2, $3, 'SELECT') AND has_table_privilege($2, $3, 'INSERT') AND has_table_privilege($2, $3, 'UPDATE') AND has_table_privilege($2, $3, 'DELETE')`,
			app, system, table).Scan(&appAny, &sysDML))
		assert.False(t, appAny, "%s: nothing for the application role", table)
		assert.True(t, sysDML, "%s: DML for the system role", table)
	}
	_, err := e.as(app).Exec(ctx, "SELECT * FROM members")
	assert.Equal(t, "42501", sqlstate(err), "the application reads no store table: %v", err)
}

// snapshot lists the grants and default privileges of the database, ACLs
// normalized (an object whose grants were given and taken back has an ACL
// equal to its default, not none).
func snapshot(t *testing.T, u string) []string {
	t.Helper()
	conn := pgtest.Connect(t, u)
	rows, err := conn.Query(context.Background(), `
SELECT x FROM (
	SELECT format('relation %s %s', c.oid::regclass, (SELECT array_agg(a ORDER BY a::text) FROM unnest(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))) a))
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND c.relkind IN ('r', 'p', 'S')
	UNION ALL SELECT format('schema %s %s', n.nspname, (SELECT array_agg(a ORDER BY a::text) FROM unnest(coalesce(n.nspacl, acldefault('n', n.nspowner))) a))
	FROM pg_namespace n WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema'
	UNION ALL SELECT format('default %s %s %s %s', defaclrole::regrole, defaclnamespace, defaclobjtype, defaclacl) FROM pg_default_acl
) s(x) ORDER BY x`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

// TestRolesUnsafeAppRole: an existing application role that could skip the
// policies makes the migration fail, naming what is wrong and the fix, and
// grants nothing.
func TestRolesUnsafeAppRole(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, pre string
		want      []string
	}{
		{"bypassrls", "CREATE ROLE %app LOGIN BYPASSRLS", []string{"it has BYPASSRLS", "ALTER ROLE %app NOBYPASSRLS;"}},
		{"member of the system role", "CREATE ROLE %app LOGIN; GRANT %sys TO %app",
			[]string{"it is a member of %sys, so it can SET ROLE to it", "REVOKE %sys FROM %app;"}},
		{"createrole", "CREATE ROLE %app LOGIN CREATEROLE", []string{"it has CREATEROLE", "ALTER ROLE %app NOCREATEROLE;"}},
		{"no login", "CREATE ROLE %app NOLOGIN", []string{"it cannot log in", "ALTER ROLE %app LOGIN;"}},
		{"member of the migration role", "CREATE ROLE %app LOGIN; GRANT %owner TO %app",
			[]string{"it is a member of %owner, so it can SET ROLE to it", "REVOKE %owner FROM %app;"}},
		{"superuser", "CREATE ROLE %app LOGIN SUPERUSER", []string{"it is a superuser", "ALTER ROLE %app NOSUPERUSER;"}},
		{"owns the schema", "CREATE ROLE %app LOGIN; ALTER SCHEMA public OWNER TO %app; GRANT USAGE, CREATE ON SCHEMA public TO %owner", []string{"it owns schema public", "ALTER SCHEMA public OWNER TO %owner;"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			app, system := roleNames()
			e := newEnv(t, "roles-default", "roles: {app: "+app+", system: "+system+"}", app, system, "CREATE ROLE "+system+" LOGIN BYPASSRLS")
			r := strings.NewReplacer("%app", app, "%sys", system, "%owner", e.db.Owner)
			e.db.Exec(t, e.db.AdminURL, r.Replace(c.pre))
			err := e.up()
			require.Error(t, err, "the migration must fail on an unsafe application role")
			assert.Equal(t, "42501", sqlstate(err))
			for _, w := range c.want {
				assert.Contains(t, err.Error(), r.Replace(w))
			}
			var granted bool
			require.NoError(t, pgtest.Connect(t, e.db.AdminURL).QueryRow(context.Background(),
				"SELECT coalesce(relacl::text, '') LIKE '%' || $1 || '=%' FROM pg_class WHERE oid = 'projects'::regclass", app).Scan(&granted))
			assert.False(t, granted, "nothing granted to an unsafe role")
		})
	}
}

// TestRolesSystemRoleNeedsSuperuser: a migration role (CREATEROLE, no
// superuser) cannot create a BYPASSRLS role in PostgreSQL 15; the migration
// says so and gives the statement to run as a superuser.
func TestRolesSystemRoleNeedsSuperuser(t *testing.T) {
	t.Parallel()
	app, system := roleNames()
	e := newEnv(t, "roles-default", "roles: {app: "+app+", system: "+system+"}", app, system, "")
	err := e.up()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "only a superuser can")
	assert.Contains(t, err.Error(), "As a superuser run: CREATE ROLE "+system+" LOGIN NOSUPERUSER BYPASSRLS")

	// A system role without BYPASSRLS is refused too.
	e.db.Exec(t, e.db.AdminURL, "CREATE ROLE "+system+" LOGIN")
	err = e.up()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "lacks BYPASSRLS")
	assert.Contains(t, err.Error(), "ALTER ROLE "+system+" BYPASSRLS;")

	// Fixed as the message says, the migration runs.
	e.db.Exec(t, e.db.AdminURL, "ALTER ROLE "+system+" BYPASSRLS")
	require.NoError(t, e.up())
}

// TestRolesCreateFalse: with create: false a missing role stops the
// migration with the CREATE ROLE to run; once created, it passes.
func TestRolesCreateFalse(t *testing.T) {
	t.Parallel()
	app, system := roleNames()
	e := newEnv(t, "roles-create-false", "roles: {app: "+app+", system: "+system+", create: false}", app, system,
		"CREATE ROLE "+system+" LOGIN BYPASSRLS")
	err := e.up()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the application role "+app+" does not exist (roles.create is false)")
	assert.Contains(t, err.Error(), "CREATE ROLE "+app+" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOREPLICATION;")
	e.db.Exec(t, e.db.AdminURL, "CREATE ROLE "+app+" LOGIN")
	require.NoError(t, e.up())
	e.down()
}

// TestRolesNoSystemAndSequences: the goose case without a system role, and
// the sql-migrate case whose keys are bigserial and identity: the
// application inserts (nextval needs USAGE on the sequences PostgreSQL named).
func TestRolesNoSystemAndSequences(t *testing.T) {
	t.Parallel()
	t.Run("custom names, system: none", func(t *testing.T) {
		t.Parallel()
		app, _ := roleNames()
		e := newEnv(t, "roles-custom-no-system", "roles: {app: "+app+", system: none}", app, app, "")
		before := snapshot(t, e.db.AdminURL)
		require.NoError(t, e.up())
		ctx := context.Background()
		tx, err := e.as(app).Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		_, err = tx.Exec(ctx, `SELECT set_config('app.tenant_id', '9b2f1a64-3c1e-4d8a-9f57-2a6b1c3d4e5f', true);
			INSERT INTO crm.accounts (id, name) VALUES ('9b2f1a64-3c1e-4d8a-9f57-2a6b1c3d4e5f', 'a');
			INSERT INTO crm.contacts ("E-mail") VALUES ('x@example.com')`)
		require.NoError(t, err, "USAGE on schema crm and DML on its tables")
		require.NoError(t, tx.Rollback(ctx))
		e.down()
		assert.Equal(t, before, snapshot(t, e.db.AdminURL))
	})
	t.Run("bigserial and identity", func(t *testing.T) {
		t.Parallel()
		app, system := roleNames()
		e := newEnv(t, "roles-bigserial", "roles: {app: "+app+", system: "+system+"}", app, system,
			"CREATE ROLE "+system+" LOGIN BYPASSRLS")
		before := snapshot(t, e.db.AdminURL)
		require.NoError(t, e.up())
		ctx := context.Background()
		var tenant int64
		require.NoError(t, e.as(system).QueryRow(ctx, "INSERT INTO tenants (name) VALUES ('a') RETURNING id").Scan(&tenant),
			"the system role uses the root's bigserial")
		tx, err := e.as(app).Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		_, err = tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1::bigint::text, true)", tenant)
		require.NoError(t, err)
		var post int64
		require.NoError(t, tx.QueryRow(ctx, "INSERT INTO posts (title) VALUES ('p') RETURNING id").Scan(&post), "bigserial: USAGE on posts_id_seq")
		_, err = tx.Exec(ctx, "INSERT INTO comments (post_id, body) VALUES ($1, 'c')", post)
		require.NoError(t, err, "identity: USAGE on its sequence")
		_, err = tx.Exec(ctx, "INSERT INTO tags (name) VALUES ('t')")
		require.NoError(t, err, "serial of a global table")
		require.NoError(t, tx.Rollback(ctx))
		e.down()
		assert.Equal(t, before, snapshot(t, e.db.AdminURL))
	})
}

// TestRolesNoPassword: no generated file of a roles case sets a password.
// Comments may say how to set one (\password, ALTER ROLE … PASSWORD); no
// statement does.
func TestRolesNoPassword(t *testing.T) {
	cases, err := filepath.Glob(filepath.Join(testdata, "roles-*", "output"))
	require.NoError(t, err)
	require.NotEmpty(t, cases)
	comment := regexp.MustCompile(`--.*`)
	for _, dir := range cases {
		require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			code := comment.ReplaceAllString(string(b), "")
			assert.NotContains(t, strings.ToUpper(code), "PASSWORD", "%s sets a password", path)
			return nil
		}))
	}
}

// checkRoles runs tenantc check on e's database as the superuser, with the
// case's tenantc.yaml (roles: included, so roles.app is the role judged).
func (e *env) check(probe bool, edit func(*config.Config)) diag.List {
	e.t.Helper()
	cfg := *e.res.Config
	if edit != nil {
		edit(&cfg)
	}
	res, err := audit.Check(context.Background(), pgtest.Connect(e.t, e.db.AdminURL), audit.Options{Config: &cfg, Probe: probe})
	require.NoError(e.t, err)
	require.Equal(e.t, e.app, res.Role, "check judges roles.app")
	return res.Diagnostics
}

// TestRolesCheckClean: a database set up by the generated roles migration
// gives tenantc check, probe included, no finding at all.
func TestRolesCheckClean(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"roles-store", "roles-bigserial", "roles-default", "roles-citus"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			app, system := roleNames()
			e := newEnv(t, name, "roles: {app: "+app+", system: "+system+"}", app, system, "CREATE ROLE "+system+" LOGIN BYPASSRLS")
			require.NoError(t, e.up())
			diags := e.check(true, nil)
			if e.res.Config.Citus() { // plain PostgreSQL with Citus' functions (and their tables) stubbed: its warnings
				diags = slices.DeleteFunc(diags, func(d diag.Diagnostic) bool { return d.Severity != diag.Error })
			}
			assert.Empty(t, diags)
		})
	}
}

// TestRolesCheckMutations: one change at a time to a database the roles
// migration set up, and check reports exactly its rule, on its object, with
// a fix.
func TestRolesCheckMutations(t *testing.T) {
	t.Parallel()
	for _, m := range []struct {
		name, kase, sql string
		edit            func(cfg *config.Config, fresh string)
		code            string
		objects         []string
	}{
		{name: "app role lacks INSERT", kase: "roles-store", sql: "REVOKE INSERT ON projects FROM {app}",
			code: "role-grant-missing", objects: []string{"public.projects"}},
		{name: "app role lacks DML on a global table", kase: "roles-bigserial", sql: "REVOKE SELECT, UPDATE ON tags FROM {app}",
			code: "role-grant-missing", objects: []string{"public.tags"}},
		{name: "system role lacks DELETE on a store table", kase: "roles-store", sql: "REVOKE DELETE ON members FROM {sys}",
			code: "role-grant-missing", objects: []string{"public.members"}},
		{name: "app role lacks USAGE on a bigserial's sequence", kase: "roles-bigserial", sql: "REVOKE USAGE ON SEQUENCE posts_id_seq FROM {app}",
			code: "role-grant-missing", objects: []string{"sequence public.posts_id_seq"}},
		{name: "app role lacks USAGE on an identity's sequence", kase: "roles-bigserial", sql: "REVOKE USAGE ON SEQUENCE comments_id_seq FROM {app}",
			code: "role-grant-missing", objects: []string{"sequence public.comments_id_seq"}},
		{name: "app role lacks USAGE on the schema", kase: "roles-store", sql: "REVOKE USAGE ON SCHEMA public FROM {app}, PUBLIC",
			code: "role-grant-missing", objects: []string{"schema public"}},
		{name: "no default privileges for later tables", kase: "roles-store",
			sql:  "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public REVOKE INSERT ON TABLES FROM {app}",
			code: "role-default-privileges-missing", objects: []string{"default privileges for role {owner} in schema public"}},
		{name: "no default privileges for later sequences", kase: "roles-bigserial",
			sql:  "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public REVOKE USAGE ON SEQUENCES FROM {app}",
			code: "role-default-privileges-missing", objects: []string{"default privileges for role {owner} in schema public"}},
		{name: "default privileges give TRUNCATE", kase: "roles-store",
			sql:  "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT TRUNCATE ON TABLES TO {app}",
			code: "app-role-excess-grants", objects: []string{"default privileges for role {owner} in schema public"}},
		{name: "system role without BYPASSRLS", kase: "roles-store", sql: "ALTER ROLE {sys} NOBYPASSRLS",
			code: "system-role-not-bypassrls", objects: []string{"role {sys}"}},
		{name: "system role missing", kase: "roles-default", edit: func(cfg *config.Config, fresh string) { cfg.Roles.System = fresh },
			code: "system-role-missing", objects: []string{"role {fresh}"}},
		{name: "app role can SET ROLE to the system role", kase: "roles-default", sql: "GRANT {sys} TO {app}",
			code: "app-role-bypassrls", objects: []string{"role {app}"}},
	} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			app, system := roleNames()
			e := newEnv(t, m.kase, "roles: {app: "+app+", system: "+system+"}", app, system, "CREATE ROLE "+system+" LOGIN BYPASSRLS")
			require.NoError(t, e.up())
			fresh, _ := roleNames()
			r := strings.NewReplacer("{app}", app, "{sys}", system, "{owner}", e.db.Owner, "{fresh}", fresh)
			if m.sql != "" {
				e.db.Exec(t, e.db.AdminURL, r.Replace(m.sql))
			}
			var edit func(*config.Config)
			if m.edit != nil {
				edit = func(cfg *config.Config) { m.edit(cfg, fresh) }
			}
			diags := e.check(false, edit)
			var codes, objects []string
			for _, d := range diags {
				codes = append(codes, d.Rule)
				objects = append(objects, d.Object)
				assert.NotEmpty(t, d.Fix, "%v", d)
			}
			for i := range m.objects {
				m.objects[i] = r.Replace(m.objects[i])
			}
			assert.Equal(t, []string{m.code}, slices.Compact(codes), "%v", diags)
			assert.ElementsMatch(t, m.objects, slices.Compact(objects), "%v", diags)
		})
	}
}

// TestRolesRenamed: roles: renamed after the roles migration ran; the new
// roles migration sets up the roles named now, and check, judging them, finds
// nothing.
func TestRolesRenamed(t *testing.T) {
	t.Parallel()
	oldApp, oldSystem := roleNames()
	app, system := roleNames()
	t.Cleanup(func() {
		_, err := pgtest.Connect(t, pgtest.AdminURL(t)).Exec(context.Background(), "DROP ROLE IF EXISTS "+app+", "+system)
		assert.NoError(t, err)
	})
	// The case's earlier migration names app_user and app_system: newEnv
	// renames them to the old names, and roles: names the new ones.
	e := newEnv(t, "roles-renamed", "roles: {app: "+app+", system: "+system+"}", oldApp, oldSystem,
		"CREATE ROLE "+oldSystem+" LOGIN BYPASSRLS; CREATE ROLE "+system+" LOGIN BYPASSRLS")
	require.Len(t, e.ups, 1, "one new roles migration")
	require.NoError(t, e.up())
	e.app = app
	assert.Empty(t, e.check(true, nil))
}
