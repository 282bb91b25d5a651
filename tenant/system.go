package tenant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

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

// Verify checks, for a service's start-up, that db's role is one row level
// security applies to. It returns an error matching [ErrUnsafeRole] that
// names every reason found:
//
//   - the role is a superuser, or has BYPASSRLS: policies are skipped, even
//     with FORCE ROW LEVEL SECURITY;
//   - it is a member of such a role: SET ROLE gets around them;
//   - it owns, or is a member of the owner of, a table with a tenantc policy:
//     the owner may ALTER the table to disable RLS or drop the policy.
//
// It also reports tenantc policies that do not read db's setting (a
// WithSetting that differs from tenantc.yaml): those would show every
// scoped query zero rows.
func Verify(ctx context.Context, db *DB) error {
	if err := db.check(); err != nil {
		return err
	}
	var (
		role                     string
		super, bypass            bool
		bypassRoles, ownedTables []string
		otherSetting             []string
	)
	// pg_has_role(…, 'MEMBER') is true for the role itself and for every
	// role it can SET ROLE to, directly or through other roles.
	err := db.pool.QueryRow(ctx, `
SELECT r.rolname::text, r.rolsuper, r.rolbypassrls,
	ARRAY(SELECT b.rolname::text FROM pg_catalog.pg_roles b
		WHERE b.oid <> r.oid AND (b.rolsuper OR b.rolbypassrls) AND pg_catalog.pg_has_role(r.oid, b.oid, 'MEMBER')
		ORDER BY 1),
	ARRAY(SELECT DISTINCT c.oid::regclass::text FROM pg_catalog.pg_policy p
		JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
		WHERE p.polname = $1 AND pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER')
		ORDER BY 1),
	ARRAY(SELECT DISTINCT p.polrelid::regclass::text FROM pg_catalog.pg_policy p
		WHERE p.polname = $1
		AND strpos(coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), ''), quote_literal($2)) = 0
		ORDER BY 1)
FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`, PolicyName, db.setting).
		Scan(&role, &super, &bypass, &bypassRoles, &ownedTables, &otherSetting)
	if err != nil {
		return fmt.Errorf("tenant: verify: %w", err)
	}
	var reasons []string
	if super {
		reasons = append(reasons, "it is a superuser")
	}
	if bypass {
		reasons = append(reasons, "it has BYPASSRLS")
	}
	if len(bypassRoles) > 0 {
		reasons = append(reasons, "it is a member of superuser or BYPASSRLS roles: "+strings.Join(bypassRoles, ", "))
	}
	if len(ownedTables) > 0 {
		reasons = append(reasons, "it owns (or is a member of the owner of) tables with a tenantc policy: "+limit(ownedTables))
	}
	var errs []error
	if len(reasons) > 0 {
		errs = append(errs, fmt.Errorf("%w: role %q: %s", ErrUnsafeRole, role, strings.Join(reasons, "; ")))
	}
	if len(otherSetting) > 0 {
		errs = append(errs, fmt.Errorf("tenant: the tenantc policies of %s do not read setting %q (check WithSetting against tenantc.yaml)",
			limit(otherSetting), db.setting))
	}
	return errors.Join(errs...)
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
