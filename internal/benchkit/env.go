// Package benchkit measures what tenantc's runtime costs: the generated
// repositories on the single-statement fast path ([tenant.DB.Scope]) and in
// [tenant.Run], against (a) plain sqlc-style code with a hand-written
// "WHERE tenant_id = $1" on a table without row level security, and (b) the
// naive pgx transaction BEGIN / set_config / query / COMMIT.
//
// [Prepare] builds a throwaway database from a superuser URL: the example
// app's schema and tenantc's generated migrations, applied as a non-superuser
// owner exactly as internal/isolation applies them, seeded data, and
// bench_plain_projects, an unprotected copy of projects for baseline (a).
// [Run] measures latency and throughput of every variant on one pool of an
// application role that row level security applies to, and counts round trips
// on the wire. [Report.Write] prints the tables. bench/ is the command and the
// Go benchmarks that use it.
package benchkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/tenant"
)

// Options size the data and the pool. Zero fields take the defaults.
type Options struct {
	Tenants  int       // tenants seeded; default 50
	Projects int       // projects per tenant; default 2000
	MaxConns int32     // MaxConns of the application pool; default 32
	PageSize int32     // LIMIT of the List calls; default 50
	Log      io.Writer // progress messages; nil for none
}

func (o Options) withDefaults() Options {
	if o.Tenants <= 0 {
		o.Tenants = 50
	}
	if o.Projects <= 0 {
		o.Projects = 2000
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 32
	}
	if o.PageSize <= 0 {
		o.PageSize = 50
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	return o
}

// Key names one seeded project: the tenant it belongs to and its id.
type Key struct {
	Tenant tenant.ID
	ID     pgtype.UUID
}

// Env is a prepared benchmark database. Close drops it.
type Env struct {
	Options Options // with defaults filled in

	Name     string // the database
	Owner    string // owns the database and the tables: NOSUPERUSER NOBYPASSRLS
	App      string // the application role: NOSUPERUSER NOBYPASSRLS, owns nothing
	AdminURL string // superuser, on the benchmark database
	AppURL   string // App, on the benchmark database

	Pool *pgxpool.Pool // App's pool, MaxConns from Options; every workload runs on it
	DB   *tenant.DB    // tenant.NewDB(Pool)

	Keys    []Key       // every seeded project, in (tenant, id) order
	Tenants []tenant.ID // every seeded tenant

	Server string // PostgreSQL's server_version
	TLS    bool   // the application pool's connections use TLS
	// Stale lists the changes "tenantc generate" would make now ("update
	// gen/db/…"): if any, the benchmark runs outdated generated code.
	Stale []string

	serverURL string // the superuser URL Prepare was given, for dropping
	created   bool   // Prepare got as far as creating something to drop
	closeOnce sync.Once
	closeErr  error
}

// Prepare creates a fresh database with an owner role and an application
// role (both LOGIN NOSUPERUSER NOBYPASSRLS) from adminURL, a superuser's
// postgres:// URL; applies, as the owner, the SQL files tenantc reads in
// repoDir (the example schema, then gen/migrations), in order; creates
// bench_plain_projects; grants the application role DML; seeds, as the
// superuser, opts.Tenants tenants with opts.Projects projects each, copies
// them into bench_plain_projects and analyzes; and opens the application
// pool. Whatever fails, nothing is left behind.
func Prepare(ctx context.Context, adminURL, repoDir string, opts Options) (_ *Env, err error) {
	opts = opts.withDefaults()
	if u, perr := url.Parse(adminURL); perr != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("benchkit: the admin URL must be a postgres:// URL")
	}
	res, err := generator.Run(ctx, generator.Options{Dir: repoDir})
	if err != nil {
		return nil, fmt.Errorf("benchkit: tenantc generate in %s: %w", repoDir, err)
	}
	changes, err := output.Diff(repoDir, res.Files, res.Prune...)
	if err != nil {
		return nil, fmt.Errorf("benchkit: compare gen/ with tenantc's output: %w", err)
	}
	var stale []string
	for _, c := range changes {
		stale = append(stale, c.String())
	}

	id := pgurl.RandomHex(6)
	e := &Env{
		Options:   opts,
		Name:      "tcbench_" + id,
		Owner:     "tcbench_" + id + "_owner",
		App:       "tcbench_" + id + "_app",
		Stale:     stale,
		serverURL: adminURL,
	}
	ownerPass, appPass := pgurl.RandomHex(16), pgurl.RandomHex(16)
	e.AdminURL = withUserDB(adminURL, nil, e.Name)
	ownerURL := withUserDB(adminURL, url.UserPassword(e.Owner, ownerPass), e.Name)
	e.AppURL = withUserDB(adminURL, url.UserPassword(e.App, appPass), e.Name)
	defer func() {
		if err != nil {
			err = errors.Join(err, e.Close())
		}
	}()

	// Roles and database, from the server's own database.
	server, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("benchkit: connect as admin: %w", err)
	}
	defer server.Close(context.WithoutCancel(ctx))
	var super bool
	if err := server.QueryRow(ctx, "SELECT rolsuper, current_setting('server_version') FROM pg_roles WHERE rolname = current_user").
		Scan(&super, &e.Server); err != nil {
		return nil, fmt.Errorf("benchkit: %w", err)
	}
	if !super {
		return nil, errors.New("benchkit: the admin URL's role is not a superuser: it must create roles and a database, and seed past the policies")
	}
	fmt.Fprintf(opts.Log, "benchkit: creating database %s, roles %s and %s\n", e.Name, e.Owner, e.App)
	const role = "CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
	e.created = true
	for _, stmt := range []string{
		fmt.Sprintf(role, e.Owner, ownerPass),
		fmt.Sprintf(role, e.App, appPass),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s TEMPLATE template0", e.Name, e.Owner),
	} {
		if _, err := server.Exec(ctx, stmt); err != nil {
			return nil, fmt.Errorf("benchkit: %s: %w", strings.SplitN(stmt, " PASSWORD", 2)[0], err)
		}
	}

	// Schema and tenantc's migrations, as the owner, as a migration tool would.
	fmt.Fprintf(opts.Log, "benchkit: applying %d SQL files from %s as %s\n", len(res.Sources), repoDir, e.Owner)
	owner, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return nil, fmt.Errorf("benchkit: connect as owner: %w", err)
	}
	defer owner.Close(context.WithoutCancel(ctx))
	for _, f := range res.Sources {
		if err := execScript(ctx, owner, f.SQL); err != nil {
			return nil, fmt.Errorf("benchkit: apply %s as %s: %w", f.Path, e.Owner, err)
		}
	}
	if err := execScript(ctx, owner, plainTableSQL); err != nil {
		return nil, fmt.Errorf("benchkit: create bench_plain_projects: %w", err)
	}
	if err := grantApp(ctx, owner, e.App); err != nil {
		return nil, err
	}

	// Data, as the superuser: it passes the policies without a tenant.
	admin, err := pgx.Connect(ctx, e.AdminURL)
	if err != nil {
		return nil, fmt.Errorf("benchkit: connect as admin: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	fmt.Fprintf(opts.Log, "benchkit: seeding %d tenants × %d projects\n", opts.Tenants, opts.Projects)
	start := time.Now()
	if _, err := admin.Exec(ctx, seedSQL, opts.Tenants, opts.Projects); err != nil {
		return nil, fmt.Errorf("benchkit: seed: %w", err)
	}
	if _, err := admin.Exec(ctx, copySQL); err != nil {
		return nil, fmt.Errorf("benchkit: copy into bench_plain_projects: %w", err)
	}
	if _, err := admin.Exec(ctx, "VACUUM (ANALYZE) plans, tenants, projects, bench_plain_projects"); err != nil {
		return nil, fmt.Errorf("benchkit: vacuum: %w", err)
	}
	fmt.Fprintf(opts.Log, "benchkit: seeded and analyzed in %v\n", time.Since(start).Round(time.Millisecond))
	if e.Keys, e.Tenants, err = loadKeys(ctx, admin, opts); err != nil {
		return nil, err
	}

	// The application pool.
	cfg, err := pgxpool.ParseConfig(e.AppURL)
	if err != nil {
		return nil, fmt.Errorf("benchkit: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	if e.Pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("benchkit: application pool: %w", err)
	}
	e.DB = tenant.NewDB(e.Pool)
	if err := tenant.Verify(ctx, e.DB); err != nil {
		return nil, fmt.Errorf("benchkit: the application role would skip row level security: %w", err)
	}
	if err := e.Pool.QueryRow(ctx, "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)").
		Scan(&e.TLS); err != nil {
		return nil, fmt.Errorf("benchkit: %w", err)
	}
	return e, nil
}

// plainTableSQL creates baseline (a)'s table as the owner: LIKE … INCLUDING
// ALL copies the columns, defaults, NOT NULLs, primary key (tenant_id, id) and
// the unique (tenant_id, name) index of projects, but not its row level
// security, policy, trigger or foreign keys. Seeding fills it with the same
// rows.
const plainTableSQL = `CREATE TABLE bench_plain_projects (LIKE projects INCLUDING ALL)`

// seedSQL seeds $1 tenants with $2 projects each. Projects are inserted round-robin over the tenants, as
// a live multi-tenant table fills, so one tenant's rows are spread over the
// heap rather than packed together; both tables get the same layout.
const seedSQL = `
WITH plan AS (
	INSERT INTO plans (id, name, monthly_price_cents, max_projects)
	VALUES ('bench', 'Benchmark', 0, $2) RETURNING id
), t AS (
	INSERT INTO tenants (name, plan_id)
	SELECT 'tenant ' || g, (SELECT id FROM plan) FROM generate_series(1, $1::int) g
	RETURNING id
)
INSERT INTO projects (tenant_id, name, description)
SELECT t.id, 'project ' || g, 'seeded by benchkit: project ' || g || ' of its tenant'
FROM generate_series(1, $2::int) g CROSS JOIN t
ORDER BY g, t.id`

// copySQL fills baseline (a)'s table with the same rows.
const copySQL = `INSERT INTO bench_plain_projects SELECT * FROM projects`

// execScript runs sql, which may hold several statements, over the simple
// protocol.
func execScript(ctx context.Context, conn *pgx.Conn, sql string) error {
	_, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	return err
}

// grantApp grants role what an application role gets, as the owner: usage of
// every non-system schema, DML on its tables, its sequences and routines.
func grantApp(ctx context.Context, owner *pgx.Conn, role string) error {
	rows, _ := owner.Query(ctx, `SELECT nspname FROM pg_namespace
		WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' ORDER BY 1`)
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("benchkit: list schemas: %w", err)
	}
	var sql strings.Builder
	for _, s := range schemas {
		s = pgx.Identifier{s}.Sanitize()
		fmt.Fprintf(&sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, role)
		fmt.Fprintf(&sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s;\n", s, role)
		fmt.Fprintf(&sql, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s;\n", s, role)
		fmt.Fprintf(&sql, "GRANT EXECUTE ON ALL ROUTINES IN SCHEMA %s TO %s;\n", s, role)
	}
	if err := execScript(ctx, owner, sql.String()); err != nil {
		return fmt.Errorf("benchkit: grant %s: %w", role, err)
	}
	return nil
}

// loadKeys reads every seeded project and tenant and checks that both tables
// hold the same rows.
func loadKeys(ctx context.Context, admin *pgx.Conn, opts Options) ([]Key, []tenant.ID, error) {
	rows, _ := admin.Query(ctx, "SELECT tenant_id::text, id FROM projects ORDER BY tenant_id, id")
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Key, error) {
		var k Key
		err := r.Scan(&k.Tenant, &k.ID)
		return k, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("benchkit: load keys: %w", err)
	}
	rows, _ = admin.Query(ctx, "SELECT id::text FROM tenants ORDER BY id")
	tenants, err := pgx.CollectRows(rows, pgx.RowTo[tenant.ID])
	if err != nil {
		return nil, nil, fmt.Errorf("benchkit: load tenants: %w", err)
	}
	var differ int64
	if err := admin.QueryRow(ctx, `SELECT count(*) FROM (
		(SELECT * FROM projects EXCEPT SELECT * FROM bench_plain_projects)
		UNION ALL
		(SELECT * FROM bench_plain_projects EXCEPT SELECT * FROM projects)) d`).Scan(&differ); err != nil {
		return nil, nil, fmt.Errorf("benchkit: compare tables: %w", err)
	}
	switch {
	case len(tenants) != opts.Tenants || len(keys) != opts.Tenants*opts.Projects:
		return nil, nil, fmt.Errorf("benchkit: seeded %d tenants and %d projects, want %d and %d",
			len(tenants), len(keys), opts.Tenants, opts.Tenants*opts.Projects)
	case differ != 0:
		return nil, nil, fmt.Errorf("benchkit: projects and bench_plain_projects differ in %d rows", differ)
	}
	return keys, tenants, nil
}

// Close closes the pool, ends every remaining connection to the database or
// of its roles, and drops the database and both roles. It uses its own
// timeout, not a caller's context, so it also cleans up after a Ctrl-C. It
// may be called more than once.
func (e *Env) Close() error {
	e.closeOnce.Do(func() {
		if e.Pool != nil {
			e.Pool.Close()
		}
		if !e.created {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, e.serverURL)
		if err != nil {
			e.closeErr = fmt.Errorf("benchkit: database %s and roles %s, %s left behind: %w", e.Name, e.Owner, e.App, err)
			return
		}
		defer conn.Close(ctx)
		var errs []error
		if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE (datname = $1 OR usename IN ($2, $3)) AND pid <> pg_backend_pid()`, e.Name, e.Owner, e.App); err != nil {
			errs = append(errs, err)
		}
		for _, stmt := range []string{
			"DROP DATABASE IF EXISTS " + e.Name + " WITH (FORCE)",
			"DROP ROLE IF EXISTS " + e.Owner + ", " + e.App,
		} {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", stmt, err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			e.closeErr = fmt.Errorf("benchkit: cleanup: %w", err)
		}
	})
	return e.closeErr
}

// withUserDB returns admin with the database replaced by db and, unless user
// is nil, the user replaced by user (admin was checked by Prepare).
func withUserDB(admin string, user *url.Userinfo, db string) string {
	u, _ := pgurl.With(admin, user, db)
	return u
}

// InExecMode returns a view of e whose Pool and DB are a new pool of the
// application role in exec mode mode, with e's MaxConns; the database, keys
// and the rest are e's. Closing the view closes its pool only; e still
// drops the database. QueryExecModeExec is what runs behind PgBouncer in
// transaction mode before 1.21: no prepared statements, every statement
// parsed and planned on each call.
func (e *Env) InExecMode(ctx context.Context, mode pgx.QueryExecMode) (*Env, error) {
	cfg, err := pgxpool.ParseConfig(e.AppURL)
	if err != nil {
		return nil, fmt.Errorf("benchkit: %w", err)
	}
	cfg.MaxConns = e.Options.MaxConns
	cfg.ConnConfig.DefaultQueryExecMode = mode
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("benchkit: application pool in exec mode %s: %w", mode, err)
	}
	return &Env{
		Options: e.Options, Name: e.Name, Owner: e.Owner, App: e.App, AdminURL: e.AdminURL, AppURL: e.AppURL,
		Pool: pool, DB: tenant.NewDB(pool), Keys: e.Keys, Tenants: e.Tenants,
		Server: e.Server, TLS: e.TLS, Stale: e.Stale,
	}, nil
}
