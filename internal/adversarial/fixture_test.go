package adversarial_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

const repoRoot = "../.."

// world is the migrated example with two organizations made by the store:
// Acme (owner alice, member mallory — the attacker) and Globex (owner bob),
// each with its tenant, and a project in Globex's tenant.
type world struct {
	fx      *checktest.Fixture
	admin   *pgx.Conn // superuser: sets up, never attacks
	appPool *pgxpool.Pool
	app     *tenant.DB       // the application's pool: the app role
	sys     *tenant.SystemDB // the store's pool: a BYPASSRLS role of its own
	orgs    *store.Store

	acme, globex       store.Organization
	globexProject      string // id of a project in Globex's tenant
	acmeCtx, globexCtx context.Context
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	fx := checktest.Migrated(t, repoRoot)
	w := &world{fx: fx, admin: pgtest.Connect(t, fx.DB.AdminURL)}
	// What guides tell users to run once, so tables added later are covered.
	fx.DB.Exec(t, fx.DB.OwnerURL, fmt.Sprintf(
		"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %[1]s;"+
			"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %[1]s", fx.DB.App))

	sysURL := w.bypassRole(t, fx.DB.Name+"_store")
	var err error
	w.appPool, err = pgxpool.New(ctx, fx.DB.AppURL)
	require.NoError(t, err)
	t.Cleanup(w.appPool.Close)
	w.app = tenant.NewDB(w.appPool)
	sysPool, err := pgxpool.New(ctx, sysURL)
	require.NoError(t, err)
	t.Cleanup(sysPool.Close)
	w.sys = tenant.NewSystemDB(sysPool)
	w.orgs, err = store.New(w.sys)
	require.NoError(t, err)

	_, err = w.admin.Exec(ctx, `INSERT INTO users (id, name, email) VALUES
		('alice', 'Alice', 'alice@acme.test'), ('mallory', 'Mallory', 'mallory@acme.test'), ('bob', 'Bob', 'bob@globex.test')`)
	require.NoError(t, err)
	const plan = "free"
	_, err = w.admin.Exec(ctx, "INSERT INTO plans (id, name, monthly_price_cents, max_projects) VALUES ('free', 'Free', 0, 3)")
	require.NoError(t, err)
	w.acme, _, err = w.orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Acme", Slug: "acme", Creator: "alice",
		Tenant: map[string]any{"name": "Acme", "plan_id": plan}})
	require.NoError(t, err)
	w.globex, _, err = w.orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Globex", Slug: "globex", Creator: "bob",
		Tenant: map[string]any{"name": "Globex", "plan_id": plan}})
	require.NoError(t, err)
	_, err = w.orgs.AddMember(ctx, "alice", w.acme.ID, "mallory", []string{"member"})
	require.NoError(t, err)
	w.acmeCtx = tenant.WithID(ctx, w.acme.TenantID)
	w.globexCtx = tenant.WithID(ctx, w.globex.TenantID)
	require.NoError(t, w.admin.QueryRow(ctx, "INSERT INTO projects (tenant_id, name) VALUES ($1, 'Secret') RETURNING id::text",
		string(w.globex.TenantID)).Scan(&w.globexProject))
	return w
}

// bypassRole creates a login role with BYPASSRLS and DML on every table, as
// a deployment gives the store's pool, and returns its URL.
func (w *world) bypassRole(t *testing.T, name string) string {
	t.Helper()
	db := w.fx.DB
	db.Exec(t, db.AdminURL, fmt.Sprintf("CREATE ROLE %s LOGIN BYPASSRLS", name))
	t.Cleanup(func() {
		db.Exec(t, db.AdminURL, fmt.Sprintf("DROP OWNED BY %[1]s; DROP ROLE %[1]s", name))
	})
	db.Exec(t, db.OwnerURL, fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %[1]s;
		GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;
		GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s`, name))
	u, err := url.Parse(db.AppURL)
	require.NoError(t, err)
	u.User = url.User(name)
	return u.String()
}

// inTenant runs sql as the app role inside ctx's tenant transaction — what a
// hostile tenant's (or a careless) query does — and returns its error.
func (w *world) inTenant(ctx context.Context, sql string, args ...any) error {
	return tenant.Run(ctx, w.app, func(ctx context.Context, s *tenant.Scope) error {
		_, err := s.Querier().Exec(ctx, sql, args...)
		return err
	})
}

// countInTenant counts what query returns to the app role in ctx's tenant.
func (w *world) countInTenant(t *testing.T, ctx context.Context, query string, args ...any) int {
	t.Helper()
	var n int
	err := tenant.Run(ctx, w.app, func(ctx context.Context, s *tenant.Scope) error {
		return s.Querier().QueryRow(ctx, "SELECT count(*) FROM ("+query+") q", args...).Scan(&n)
	})
	if err != nil {
		return 0 // refused: nothing seen
	}
	return n
}

// sqlstate is the SQLSTATE of a PostgreSQL error, or "" for another error.
func sqlstate(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// check runs tenantc check's logic on w's database as the superuser, judging
// the application role; probe adds the live probe.
func (w *world) check(t *testing.T, probe bool) diag.List {
	t.Helper()
	res, err := audit.Check(context.Background(), w.admin, audit.Options{Config: w.fx.Result.Config, Role: w.fx.DB.App, Probe: probe})
	require.NoError(t, err)
	return res.Diagnostics
}

// rules lists the distinct rules of diags, sorted.
func rules(diags diag.List) []string {
	var out []string
	for _, d := range diags {
		if !slices.Contains(out, d.Rule) {
			out = append(out, d.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// querier is what a tenant scope's statements go through.
type querier = tenant.Querier

// tenantRun runs fn with the querier of a Run transaction in ctx's tenant.
func tenantRun(w *world, ctx context.Context, fn func(q querier) error) error {
	return tenant.Run(ctx, w.app, func(ctx context.Context, s *tenant.Scope) error { return fn(s.Querier()) })
}

var pgtestConnect = pgtest.Connect
