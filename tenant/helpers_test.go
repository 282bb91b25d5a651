package tenant_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/roundtrip"
	"github.com/tenantc/tenantc/tenant"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// modes are pgx's five query exec modes; tests of the two scoped paths run
// under each, as pgx's own tests do with pgxtest.RunWithQueryExecModes.
var modes = []pgx.QueryExecMode{
	pgx.QueryExecModeCacheStatement,
	pgx.QueryExecModeCacheDescribe,
	pgx.QueryExecModeDescribeExec,
	pgx.QueryExecModeExec,
	pgx.QueryExecModeSimpleProtocol,
}

func forEachMode(t *testing.T, f func(t *testing.T, mode pgx.QueryExecMode)) {
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) { f(t, mode) })
	}
}

// The tenants, by position. uuid keys, as in the example schema.
var (
	tenantA = tenant.ID("aaaaaaaa-0000-4000-8000-000000000001")
	tenantB = tenant.ID("bbbbbbbb-0000-4000-8000-000000000002")
	tenantC = tenant.ID("cccccccc-0000-4000-8000-000000000003")
	tenantD = tenant.ID("dddddddd-0000-4000-8000-000000000004")
	tenants = []tenant.ID{tenantA, tenantB, tenantC, tenantD}
)

// policy is the exact form tenantc generates.
const policy = `(SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid)`

// schema is created as the test database's Owner: the tenant root and one
// scoped table protected exactly as tenantc's migrations protect them, and
// plain_items, an unprotected copy for the benchmark baseline.
const schema = `
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (
	tenant_id uuid NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), '')::uuid REFERENCES tenants (id),
	id        bigint GENERATED ALWAYS AS IDENTITY,
	body      text NOT NULL,
	PRIMARY KEY (tenant_id, id)
);
CREATE TABLE plain_items (tenant_id uuid NOT NULL, id bigint NOT NULL, body text NOT NULL, PRIMARY KEY (tenant_id, id));

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON tenants AS PERMISSIVE FOR ALL
	USING (id = ` + policy + `) WITH CHECK (id = ` + policy + `);
ALTER TABLE items ENABLE ROW LEVEL SECURITY;
ALTER TABLE items FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON items AS PERMISSIVE FOR ALL
	USING (tenant_id = ` + policy + `) WITH CHECK (tenant_id = ` + policy + `);
`

// itemsPerTenant rows are seeded for each tenant.
const itemsPerTenant = 3

// newDatabase creates a fresh database with the schema, granted to App and
// seeded (as the superuser, which bypasses RLS) with itemsPerTenant items for
// each tenant, bodies "<tenant>#<n>".
func newDatabase(t testing.TB) *pgtest.DB {
	t.Helper()
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, schema)
	db.GrantApp(t)
	var seed strings.Builder
	for _, id := range tenants {
		fmt.Fprintf(&seed, "INSERT INTO tenants VALUES ('%s', 'tenant %s');\n", id, id[:8])
		for n := range itemsPerTenant {
			fmt.Fprintf(&seed, "INSERT INTO items (tenant_id, body) VALUES ('%s', '%s#%d');\n", id, id, n)
			fmt.Fprintf(&seed, "INSERT INTO plain_items VALUES ('%s', %d, '%s#%d');\n", id, n, id, n)
		}
	}
	db.Exec(t, db.AdminURL, seed.String())
	return db
}

// counters observe a pool from the client side.
type counters struct {
	trips      roundtrip.Counter // round trips on the socket
	statements atomic.Int64      // queries and batches pgx started, see tracer
}

func (c *counters) reset() { c.trips.Reset(); c.statements.Store(0) }

// tracer counts every query and batch pgx starts to send.
type tracer struct{ c *counters }

func (tr tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	tr.c.statements.Add(1)
	return ctx
}
func (tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (tr tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	tr.c.statements.Add(1)
	return ctx
}
func (tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// newPool opens a pool on connURL in mode with at most maxConns connections;
// c, if not nil, counts its round trips and statements.
func newPool(t testing.TB, connURL string, mode pgx.QueryExecMode, maxConns int32, c *counters) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(connURL)
	require.NoError(t, err)
	cfg.MaxConns = maxConns
	cfg.ConnConfig.DefaultQueryExecMode = mode
	if c != nil {
		cfg.ConnConfig.Tracer = tracer{c}
		cfg.ConnConfig.DialFunc = c.trips.Dial
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// bodies runs the query of items through q and returns the bodies, failing
// the test if any row belongs to another tenant than want.
func bodies(t testing.TB, ctx context.Context, q tenant.Querier, want tenant.ID) []string {
	t.Helper()
	rows, err := q.Query(ctx, "SELECT tenant_id::text, body FROM items ORDER BY id")
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var tid, body string
		require.NoError(t, rows.Scan(&tid, &body))
		require.Equal(t, string(want), tid, "a row of another tenant")
		out = append(out, body)
	}
	require.NoError(t, rows.Err())
	return out
}

// setting returns app.tenant_id as a fresh statement on pool sees it
// ("" for NULL too): what the next user of the connection would inherit.
func setting(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	var s *string
	require.NoError(t, pool.QueryRow(context.Background(), "SELECT current_setting('app.tenant_id', true)").Scan(&s))
	if s == nil {
		return ""
	}
	return *s
}

// newRole creates a login role with attrs (e.g. "BYPASSRLS"), allowed to use
// the test database's tables, and returns its URL. It is dropped when the
// test ends, after the pools opened later are closed.
func newRole(t testing.TB, db *pgtest.DB, suffix, attrs string) string {
	t.Helper()
	name := db.Name + "_" + suffix
	db.Exec(t, db.AdminURL, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD 'pw' %s;
		GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;
		GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s;`, name, attrs))
	t.Cleanup(func() {
		db.Exec(t, db.AdminURL, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '%s';
			DROP OWNED BY %[1]s; DROP ROLE %[1]s;`, name))
	})
	u, err := url.Parse(db.AppURL)
	require.NoError(t, err)
	u.User = url.UserPassword(name, "pw")
	return u.String()
}
