package tenant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	// ErrNotBypassRLS is returned by [System] when the SystemDB's role is
	// neither BYPASSRLS nor a superuser. Such a role would not see across
	// tenants: with no tenant set, every protected table would simply look
	// empty, so System refuses to run instead.
	ErrNotBypassRLS = errors.New("tenant: the system pool's role does not have BYPASSRLS")

	// ErrUnsafeRole is matched (errors.Is) by the error [Verify] returns when
	// the application's role can get around the policies.
	ErrUnsafeRole = errors.New("tenant: the application role can bypass row level security")
)

// PolicyName is the name tenantc gives the policies it generates.
const PolicyName = "tenantc_tenant_isolation"

// SystemDB is a pool for work that spans tenants on purpose: sign-up,
// billing runs, migrations of data, the membership lookup that precedes
// knowing the tenant. Its role must have BYPASSRLS. It is a separate type
// from [DB], built from a separately configured pool, so that the bypass is
// never reachable from a DB by accident and every use reads [System].
type SystemDB struct {
	pool *pgxpool.Pool

	mu       sync.Mutex
	checked  bool
	checkErr error
}

// NewSystemDB wraps pool, whose role must have BYPASSRLS (or be a
// superuser). That is checked on first use, not here, so NewSystemDB needs
// no context and never fails; a nil pool is reported by every use.
func NewSystemDB(pool *pgxpool.Pool) *SystemDB {
	return &SystemDB{pool: pool}
}

// check verifies once per SystemDB that its role bypasses RLS. An answer
// from the server, yes or no, is kept; a failure to ask is not, so a
// database that is briefly unreachable at start-up does not poison the
// SystemDB for good.
func (db *SystemDB) check(ctx context.Context) error {
	if db == nil || db.pool == nil {
		return errNilSystemDB
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.checked {
		return db.checkErr
	}
	var role string
	var bypass bool
	err := db.pool.QueryRow(ctx, `SELECT current_user::text, rolsuper OR rolbypassrls
		FROM pg_catalog.pg_roles WHERE rolname = current_user`).Scan(&role, &bypass)
	if err != nil {
		return fmt.Errorf("tenant: checking the system pool's role: %w", err)
	}
	if !bypass {
		db.checkErr = fmt.Errorf("%w: role %q (grant it with ALTER ROLE %s BYPASSRLS, or give System a pool of a role that has it)",
			ErrNotBypassRLS, role, role)
	}
	db.checked = true
	return db.checkErr
}

// System calls fn in one transaction on db's pool, with a Scope that sets no
// tenant: fn sees and writes the rows of every tenant. It is the only way to
// do so, and deliberately loud: grep for tenant.System to find every place
// that crosses tenants.
//
// The first call checks that db's role has BYPASSRLS or is a superuser and
// otherwise returns [ErrNotBypassRLS] without calling fn: under RLS, a role
// without it would silently read nothing. Commit, rollback, panics and
// cancellation behave as in [Run]; [Scope.TenantID] returns
// [ErrSystemScope].
func System(ctx context.Context, db *SystemDB, fn func(ctx context.Context, s *Scope) error) error {
	if err := db.check(ctx); err != nil {
		return err
	}
	if fn == nil {
		return errNilFn
	}
	return runTx(ctx, &txState{pool: db.pool}, kindSystem, fn)
}

// SystemQuery runs one statement, sql, on db's pool outside any explicit
// transaction, and returns its rows: like [System], it sees and writes the
// rows of every tenant, but in one round trip where System's transaction
// costs two (the statement with BEGIN, then COMMIT). Its name keeps it in
// the System family: grep for tenant.System still finds every bypass.
//
// It is safe without a transaction because a single statement is atomic on
// its own (PostgreSQL runs it in an implicit transaction of its own,
// committed when it ends, rolled back if it fails), and because no tenant
// setting is involved: nothing is set, so nothing can be left on the pooled
// connection for its next user. Use System for anything that needs two
// statements to agree.
//
// It is fail-closed like System: a nil db, or a role that is neither
// BYPASSRLS nor a superuser ([ErrNotBypassRLS], checked once per SystemDB),
// is refused before anything is sent; so are pgx's per-query options among
// args, as in a Scope. On an error the rows returned are closed and report
// it, as pgx's do. Close the rows (or read them to the end): until then
// they hold a pooled connection.
func SystemQuery(ctx context.Context, db *SystemDB, sql string, args ...any) (pgx.Rows, error) {
	if err := db.check(ctx); err != nil {
		return errRows{err}, err
	}
	if err := checkArgs(args); err != nil {
		return errRows{err}, err
	}
	return db.pool.Query(ctx, sql, args...)
}

// SystemQueryRow is [SystemQuery] for a statement read as one row: its Scan
// returns [pgx.ErrNoRows] when there is none, and SystemQuery's refusals.
func SystemQueryRow(ctx context.Context, db *SystemDB, sql string, args ...any) pgx.Row {
	rows, _ := SystemQuery(ctx, db, sql, args...)
	return row{rows}
}

// Verify checks, for a service's start-up, that db's role is one row level
// security applies to. It returns an error matching [ErrUnsafeRole] that
// names every reason found:
//
//   - the role is a superuser, or has BYPASSRLS: policies are skipped, even
//     with FORCE ROW LEVEL SECURITY;
//   - it has CREATEROLE: up to PostgreSQL 15 it can grant itself any role,
//     a BYPASSRLS one included;
//   - it has REPLICATION: a replication connection streams every tenant's
//     rows, and policies do not apply to it;
//   - it is a member (directly or through other roles, with INHERIT or
//     without: SET ROLE works either way) of a role with any of these;
//   - it is a member of pg_execute_server_program, pg_read_server_files or
//     pg_write_server_files, which reach the server's programs and files,
//     table data included, around every policy;
//   - it owns, or is a member of the owner of, a table with a tenantc policy:
//     the owner may ALTER the table to disable RLS or drop the policy.
//
// It returns an error matching [ErrTenantDefault] when db's setting has a
// default: ALTER ROLE … SET, ALTER DATABASE … SET, ALTER ROLE … IN
// DATABASE … SET, ALTER ROLE ALL SET, or anything that makes a fresh
// connection start with it set (options=-c in the connection string,
// PGOPTIONS, pgx RuntimeParams). Every statement sent without a tenant
// would see that tenant's rows instead of none.
//
// It also reports tenantc policies that do not read db's setting (a
// WithSetting that differs from tenantc.yaml): those would show every
// scoped query zero rows.
//
// And it checks how the tenant is set, against the database: on Citus (the
// citus extension is installed) a DB without [WithSetterFunction] gets an
// error matching [ErrCitusSetter], since set_config does not reach the
// workers. With a setter function, it reports one that does not exist with
// the signature (text, text), that the role may not execute (EXECUTE, and
// USAGE on its schema), or, on Citus, that never mentions
// citus.propagate_set_commands. [DB.SetterFunction] tells which way the DB
// sets the tenant. All of it is the same single query.
func Verify(ctx context.Context, db *DB) error {
	if err := db.check(); err != nil {
		return err
	}
	return verify(ctx, db.pool, db.setting, db.setter)
}

// verify is Verify on q, a pool or (for [VerifySQL]) one connection; setter
// is the DB's setter function, "" for set_config.
func verify(ctx context.Context, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}, setting, setter string) error {
	var f roleFacts
	var s setterFacts
	schema, function, ok := strings.Cut(setter, ".")
	if !ok {
		schema, function = "", setter
	}
	err := q.QueryRow(ctx, verifySQL, PolicyName, setting, schema, function).Scan(&f.role, &f.super, &f.bypass,
		&f.createRole, &f.replication, &f.bypassRoles, &f.serverRoles, &f.ownedTables, &f.otherSetting,
		&f.defaults, &f.connSetting, &s.citus, &s.signature, &s.schema, &s.execute, &s.usage, &s.propagates)
	if err != nil {
		return fmt.Errorf("tenant: verify: %w", err)
	}
	var errs []error
	if reasons := f.unsafeReasons(); len(reasons) > 0 {
		errs = append(errs, fmt.Errorf("%w: role %q: %s", ErrUnsafeRole, f.role, strings.Join(reasons, "; ")))
	}
	if defaults := f.tenantDefaults(setting); len(defaults) > 0 {
		errs = append(errs, fmt.Errorf("%w: %s", ErrTenantDefault, strings.Join(defaults, "; ")))
	}
	if len(f.otherSetting) > 0 {
		errs = append(errs, fmt.Errorf("tenant: the tenantc policies of %s do not read setting %q (check WithSetting against tenantc.yaml)",
			limit(f.otherSetting), setting))
	}
	errs = append(errs, s.setterErrors(setting, setter)...)
	return errors.Join(errs...)
}

// ErrTenantDefault is matched (errors.Is) by the error [Verify] returns when
// the tenant setting has a role, database or connection default.
var ErrTenantDefault = errors.New("tenant: the tenant setting has a default, which every statement without a tenant would see")

// verifySQL reads what Verify judges, as the application's role, in one
// round trip. pg_has_role(…, 'MEMBER') is true for the role itself and for
// every role it can SET ROLE to, directly or through other roles, whether
// or not it inherits their privileges. Role defaults apply to the role that
// logged in (session_user), database defaults to every role. The last
// column is the setting as this pooled connection has it outside any
// transaction: what a fresh connection starts with. The columns after it
// are about setting the tenant: whether the citus extension is installed,
// and the setter function $3.$4(text, text) when one is named, found as a
// call finds it: through the search_path when $3 is "", whose schemas
// without USAGE do not count. (to_regprocedure would fail on such a schema
// instead of answering.)
const verifySQL = `
SELECT r.rolname::text, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolreplication,
	ARRAY(SELECT b.rolname::text || ' (' || concat_ws(', ',
			CASE WHEN b.rolsuper THEN 'superuser' END, CASE WHEN b.rolbypassrls THEN 'BYPASSRLS' END,
			CASE WHEN b.rolcreaterole THEN 'CREATEROLE' END, CASE WHEN b.rolreplication THEN 'REPLICATION' END) || ')'
		FROM pg_catalog.pg_roles b
		WHERE b.oid <> r.oid AND (b.rolsuper OR b.rolbypassrls OR b.rolcreaterole OR b.rolreplication)
		AND pg_catalog.pg_has_role(r.oid, b.oid, 'MEMBER')
		ORDER BY 1),
	ARRAY(SELECT b.rolname::text FROM pg_catalog.pg_roles b
		WHERE b.rolname IN ('pg_execute_server_program', 'pg_read_server_files', 'pg_write_server_files')
		AND pg_catalog.pg_has_role(r.oid, b.oid, 'MEMBER')
		ORDER BY 1),
	ARRAY(SELECT DISTINCT c.oid::regclass::text FROM pg_catalog.pg_policy p
		JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
		WHERE p.polname = $1 AND pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER')
		ORDER BY 1),
	ARRAY(SELECT DISTINCT p.polrelid::regclass::text FROM pg_catalog.pg_policy p
		WHERE p.polname = $1
		AND strpos(coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), ''), quote_literal($2)) = 0
		ORDER BY 1),
	ARRAY(SELECT CASE
			WHEN s.setrole = 0 AND s.setdatabase = 0 THEN 'ALTER ROLE ALL SET '
			WHEN s.setrole = 0 THEN format('ALTER DATABASE %I SET ', d.datname)
			WHEN s.setdatabase = 0 THEN format('ALTER ROLE %I SET ', a.rolname)
			ELSE format('ALTER ROLE %I IN DATABASE %I SET ', a.rolname, d.datname)
		END || c
		FROM pg_catalog.pg_db_role_setting s
		CROSS JOIN LATERAL unnest(s.setconfig) c
		LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
		LEFT JOIN pg_catalog.pg_roles a ON a.oid = s.setrole
		WHERE s.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user))
		AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
		AND lower(split_part(c, '=', 1)) = lower($2)
		AND substr(c, strpos(c, '=') + 1) <> ''
		ORDER BY 1),
	pg_catalog.current_setting($2, true),
	EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus'),
	CASE WHEN f.oid IS NOT NULL THEN pg_catalog.format('%s.%s(%s)', f.pronamespace::pg_catalog.regnamespace,
		pg_catalog.quote_ident(f.proname), pg_catalog.oidvectortypes(f.proargtypes)) END,
	coalesce(f.pronamespace::pg_catalog.regnamespace::text, ''),
	coalesce(pg_catalog.has_function_privilege(f.oid, 'EXECUTE'), false),
	coalesce(pg_catalog.has_schema_privilege(f.pronamespace, 'USAGE'), false),
	coalesce(strpos(f.prosrc || ' ' || coalesce(array_to_string(f.proconfig, ' '), ''), 'propagate_set_commands') > 0, false)
FROM pg_catalog.pg_roles r
LEFT JOIN pg_catalog.pg_proc f ON f.oid = (SELECT p.oid FROM pg_catalog.pg_proc p
	JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
	WHERE p.proname = $4::text AND p.pronargs = 2
	AND p.proargtypes[0] = 'pg_catalog.text'::pg_catalog.regtype AND p.proargtypes[1] = 'pg_catalog.text'::pg_catalog.regtype
	AND CASE WHEN $3::text = '' THEN pg_catalog.pg_function_is_visible(p.oid) ELSE n.nspname = $3::text END)
WHERE r.rolname = current_user`

// roleFacts is what verifySQL reads.
type roleFacts struct {
	role                                   string
	super, bypass, createRole, replication bool
	bypassRoles                            []string // "name (attributes)"
	serverRoles                            []string // pg_*_server_* roles it is a member of
	ownedTables, otherSetting              []string
	defaults                               []string // "ALTER … SET name=value"
	connSetting                            *string
}

// serverRoleReach says what each predefined role gets around RLS with.
var serverRoleReach = map[string]string{
	"pg_execute_server_program": "runs programs on the database server as its operating-system user",
	"pg_read_server_files":      "reads any file the server can, table data included",
	"pg_write_server_files":     "writes any file the server can",
}

func (f roleFacts) unsafeReasons() []string {
	var reasons []string
	if f.super {
		// A superuser is a member of every role: listing them adds nothing.
		return []string{"it is a superuser"}
	}
	if f.bypass {
		reasons = append(reasons, "it has BYPASSRLS")
	}
	if f.createRole {
		reasons = append(reasons, "it has CREATEROLE (up to PostgreSQL 15 it can grant itself a BYPASSRLS role)")
	}
	if f.replication {
		reasons = append(reasons, "it has REPLICATION (a replication connection reads every tenant's rows)")
	}
	if len(f.bypassRoles) > 0 {
		reasons = append(reasons, "it is a member of (can SET ROLE to) roles that get around RLS: "+limit(f.bypassRoles))
	}
	for _, r := range f.serverRoles {
		reasons = append(reasons, fmt.Sprintf("it is a member of %s, which %s", r, serverRoleReach[r]))
	}
	if len(f.ownedTables) > 0 {
		reasons = append(reasons, "it owns (or is a member of the owner of) tables with a tenantc policy: "+limit(f.ownedTables))
	}
	return reasons
}

func (f roleFacts) tenantDefaults(setting string) []string {
	found := f.defaults
	if f.connSetting != nil && *f.connSetting != "" {
		found = append(found, fmt.Sprintf("a new connection starts with %s = %q (a default above, options=-c in the connection string, PGOPTIONS or pgx RuntimeParams)",
			setting, *f.connSetting))
	}
	return found
}

// limit lists a few names and counts the rest, keeping a start-up error
// readable in a schema of hundreds of tables.
func limit(names []string) string {
	const max = 5
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}
