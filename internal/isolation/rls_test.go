package isolation_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

const (
	tenantA = "00000000-0000-4000-8000-00000000000a"
	tenantB = "00000000-0000-4000-8000-00000000000b"
)

// fixture is the example app migrated into a fresh database and seeded.
type fixture struct {
	db      *pgtest.DB
	model   *tenancy.Model
	setting string
	admin   *pgx.Conn
}

// newFixture is checktest's migrated example (schema/ and gen/migrations
// applied as the owner role, exactly the up parts tenantc itself read), where
// before the grants every generated migration is applied a second time (they
// must be re-runnable), then rolled back with its down file and applied once
// more: every isolation check runs on a database that went up, down and up
// again. Then it seeds two tenants.
func newFixture(t *testing.T) *fixture {
	res := checktest.Project(t, "../..")
	stale, err := output.Diff("../..", res.Files, res.Prune...)
	require.NoError(t, err)
	require.Empty(t, stale, "gen/ is stale: run go generate ./...")
	require.Equal(t, "uuid", res.Model.Tenant.Type, "these tests name tenants by uuid")

	mig := checktest.Migrate(t, "../..", checktest.Options{BeforeGrant: func(tb testing.TB, fx *checktest.Fixture) {
		generated := fx.Migrations()
		require.NotEmpty(tb, generated, "no generated migrations were applied")
		fx.Apply(tb, generated)
		downAndUpAgain(tb, fx, generated)
	}})
	fx := &fixture{db: mig.DB, model: res.Model, setting: res.Model.Tenant.Setting, admin: pgtest.Connect(t, mig.DB.AdminURL)}
	newSeeder(t, res.Model, fx.admin).seed([]string{tenantA, tenantB}, 2)
	return fx
}

// downAndUpAgain applies the down file of every generated migration, newest
// first, checks that no tenantc policy and no row level security is left,
// and applies the up parts again.
func downAndUpAgain(t testing.TB, fx *checktest.Fixture, generated []*source.File) {
	t.Helper()
	db := fx.DB
	for i := len(generated) - 1; i >= 0; i-- {
		down := strings.TrimSuffix(generated[i].Path, ".up.sql") + ".down.sql"
		require.NotEqual(t, generated[i].Path, down, "%s is not a golang-migrate up file", generated[i].Path)
		content, err := os.ReadFile(filepath.Join(fx.Dir, down))
		require.NoError(t, err, "every generated migration has a down file")
		db.Exec(t, db.OwnerURL, string(content))
	}
	conn := pgtest.Connect(t, db.OwnerURL)
	var policies, protected int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM pg_catalog.pg_policy WHERE polname LIKE 'tenantc%'),
		(SELECT count(*) FROM pg_catalog.pg_class WHERE relrowsecurity OR relforcerowsecurity)`).Scan(&policies, &protected))
	require.Zero(t, policies, "tenantc policies left after the down migrations")
	require.Zero(t, protected, "tables with row level security left after the down migrations")
	fx.Apply(t, generated)
}

// inTenant runs fn in a transaction whose tenant is tenant ("" sets none) and
// rolls it back, so every check starts from the seeded data.
func (fx *fixture) inTenant(t *testing.T, conn *pgx.Conn, tenant string, fn func(tx pgx.Tx) error) error {
	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	if tenant != "" {
		_, err := tx.Exec(ctx, "SELECT set_config($1, $2, true)", fx.setting, tenant)
		require.NoError(t, err)
	}
	return fn(tx)
}

func (fx *fixture) adminCount(t *testing.T, tbl *tenancy.Table, tenant string) int {
	var n int
	require.NoError(t, fx.admin.QueryRow(context.Background(),
		fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1", tbl.Name, col(tbl)), tenant).Scan(&n))
	return n
}

func col(t *tenancy.Table) string { return catalog.QuoteIdent(t.TenantColumn.Name) }

func count(tx pgx.Tx, sql string, args ...any) (int, error) {
	var n int
	err := tx.QueryRow(context.Background(), sql, args...).Scan(&n)
	return n, err
}

func exec(tx pgx.Tx, sql string, args ...any) (int64, error) {
	tag, err := tx.Exec(context.Background(), sql, args...)
	return tag.RowsAffected(), err
}

// requireDenied asserts that err is PostgreSQL refusing the statement: an RLS
// violation or the tenantc trigger (42501), or a NOT NULL violation (23502)
// when no tenant is set and the column default is NULL.
func requireDenied(t *testing.T, err error, codes ...string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "want a PostgreSQL error, got %v", err)
	if len(codes) == 0 {
		codes = []string{"42501"}
	}
	require.Contains(t, codes, pgErr.Code, "unexpected error: %v", err)
}

// TestIsolation tries every cross-tenant operation on every protected table,
// as an application role that owns nothing and again as the table owner (whom
// FORCE ROW LEVEL SECURITY subjects to the policies too).
func TestIsolation(t *testing.T) {
	fx := newFixture(t)
	roles := []struct{ name, url string }{{"app", fx.db.AppURL}, {"owner", fx.db.OwnerURL}}
	for _, role := range roles {
		conn := pgtest.Connect(t, role.url)
		for _, tbl := range fx.model.Protected() {
			t.Run(role.name+"/"+tbl.Name.String(), func(t *testing.T) {
				fx.checkTable(t, conn, tbl)
			})
		}
	}
}

func (fx *fixture) checkTable(t *testing.T, conn *pgx.Conn, tbl *tenancy.Table) {
	ctx := context.Background()
	name, c := tbl.Name.String(), col(tbl)
	ownA, ownB := fx.adminCount(t, tbl, tenantA), fx.adminCount(t, tbl, tenantB)
	// Every table and every partition has rows of both tenants: a check of an
	// empty table could not fail.
	require.Positive(t, ownA, "seeding left %s without rows of tenant A: the checks below could not fail", name)
	require.Positive(t, ownB, "seeding left %s without rows of tenant B: the checks below could not fail", name)

	t.Run("read", func(t *testing.T) {
		require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			n, err := count(tx, "SELECT count(*) FROM "+name)
			require.NoError(t, err)
			require.Equal(t, ownA, n, "tenant A sees exactly its own rows")
			n, err = count(tx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1", name, c), tenantB)
			require.NoError(t, err)
			require.Zero(t, n, "tenant A asking for B's rows by name")
			return nil
		}))
	})
	t.Run("update", func(t *testing.T) {
		require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			n, err := exec(tx, fmt.Sprintf("UPDATE %s SET %s = %s WHERE %s = $1", name, c, c, c), tenantB)
			require.NoError(t, err)
			require.Zero(t, n, "tenant A updated B's rows")
			n, err = exec(tx, fmt.Sprintf("UPDATE %s SET %s = %s", name, c, c))
			require.NoError(t, err)
			require.EqualValues(t, ownA, n, "tenant A updates exactly its own rows")
			return nil
		}))
	})
	t.Run("delete", func(t *testing.T) {
		require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			n, err := exec(tx, fmt.Sprintf("DELETE FROM %s WHERE %s = $1", name, c), tenantB)
			require.NoError(t, err)
			require.Zero(t, n, "tenant A deleted B's rows")
			n, err = exec(tx, "DELETE FROM "+name)
			require.NoError(t, err)
			require.EqualValues(t, ownA, n, "tenant A deletes exactly its own rows")
			return nil
		}))
		require.Equal(t, ownB, fx.adminCount(t, tbl, tenantB))
	})
	t.Run("insert for another tenant", func(t *testing.T) {
		if tbl.Kind == tenancy.Root {
			require.Error(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
				_, err := exec(tx, fmt.Sprintf("INSERT INTO %s (%s) VALUES (gen_random_uuid())", name, c))
				requireDenied(t, err)
				return err
			}))
			return
		}
		r := newSeeder(t, fx.model, fx.admin).rowFor(tbl, tenantB)
		err := fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			_, err := exec(tx, r.Insert(tbl.Table))
			return err
		})
		requireDenied(t, err)
	})
	t.Run("move to another tenant", func(t *testing.T) {
		target := tenantB
		if tbl.Kind == tenancy.Root {
			target = "00000000-0000-4000-8000-0000000000cc"
		}
		err := fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			_, err := exec(tx, fmt.Sprintf("UPDATE %s SET %s = $1", name, c), target)
			return err
		})
		requireDenied(t, err)
	})
	t.Run("move as a role that bypasses RLS", func(t *testing.T) {
		// The superuser ignores every policy; the trigger still refuses the move.
		target := tenantB
		if tbl.Kind == tenancy.Root {
			target = "00000000-0000-4000-8000-0000000000cc"
		}
		tx, err := fx.admin.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		_, err = exec(tx, fmt.Sprintf("UPDATE %s SET %s = $1 WHERE %s = $2", name, c, c), target, tenantA)
		requireDenied(t, err)
	})
	t.Run("no tenant", func(t *testing.T) {
		require.NoError(t, fx.inTenant(t, conn, "", func(tx pgx.Tx) error {
			n, err := count(tx, "SELECT count(*) FROM "+name)
			require.NoError(t, err)
			require.Zero(t, n, "rows visible with no tenant set")
			n64, err := exec(tx, fmt.Sprintf("UPDATE %s SET %s = %s", name, c, c))
			require.NoError(t, err)
			require.Zero(t, n64)
			return nil
		}))
		if tbl.Kind == tenancy.Scoped {
			r := newSeeder(t, fx.model, fx.admin).rowFor(tbl, tenantA)
			without := r.Without(tbl.TenantColumn.Name)
			err := fx.inTenant(t, conn, "", func(tx pgx.Tx) error {
				_, err := exec(tx, without.Insert(tbl.Table))
				return err
			})
			requireDenied(t, err, "42501", "23502")
		}
	})
	t.Run("reused connection", func(t *testing.T) {
		// A committed tenant transaction leaves the setting defined but empty on
		// the connection; the next transaction must see nothing, not an error.
		tx, err := conn.Begin(ctx)
		require.NoError(t, err)
		_, err = tx.Exec(ctx, "SELECT set_config($1, $2, true)", fx.setting, tenantA)
		require.NoError(t, err)
		require.NoError(t, tx.Commit(ctx))
		require.NoError(t, fx.inTenant(t, conn, "", func(tx pgx.Tx) error {
			n, err := count(tx, "SELECT count(*) FROM "+name)
			require.NoError(t, err)
			require.Zero(t, n)
			return nil
		}))
	})
	if tbl.Kind != tenancy.Scoped {
		return
	}
	t.Run("default tenant", func(t *testing.T) {
		sd := newSeeder(t, fx.model, fx.admin)
		r := sd.rowFor(tbl, tenantA)
		if tbl.PartitionOf != nil {
			r = sd.partitionRow(tbl, tenantA) // inside the partition's bounds
		}
		r = r.Without(tbl.TenantColumn.Name)
		require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			var got string
			err := tx.QueryRow(ctx, r.Insert(tbl.Table)+" RETURNING "+c+"::text").Scan(&got)
			require.NoError(t, err)
			require.Equal(t, tenantA, got, "the column default fills in the transaction's tenant")
			return nil
		}))
	})
	t.Run("by-id lookup uses an index", func(t *testing.T) {
		require.NotNil(t, tbl.PrimaryKey, "%s has no primary key: a lookup by id cannot use an index", name)
		var where []string
		for _, k := range tbl.PrimaryKey.Columns {
			if k != tbl.TenantColumn.Name {
				where = append(where, fmt.Sprintf("%s = (SELECT %s FROM %s LIMIT 1)", catalog.QuoteIdent(k), catalog.QuoteIdent(k), name))
			}
		}
		require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
			// A handful of rows is cheapest to scan; disabling sequential scans
			// asks whether an index can serve the query at all under the policy.
			_, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off")
			require.NoError(t, err)
			plan := explain(t, tx, fmt.Sprintf("SELECT * FROM %s WHERE %s", name, strings.Join(where, " AND ")))
			require.Contains(t, plan, "Index", "plan:\n%s", plan)
			return nil
		}))
	})
}

func explain(t *testing.T, tx pgx.Tx, sql string) string {
	rows, err := tx.Query(context.Background(), "EXPLAIN "+sql)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}

// TestChecksCanFail is the control: the same schema without tenantc's RLS
// migrations leaks, and the checks above notice it.
func TestChecksCanFail(t *testing.T) {
	mig := checktest.Migrate(t, "../..", checktest.Options{Skip: func(path string) bool { return strings.Contains(path, "_tenantc_rls_") }})
	db, res := mig.DB, mig.Result
	fx := &fixture{db: db, model: res.Model, setting: res.Model.Tenant.Setting, admin: pgtest.Connect(t, db.AdminURL)}
	newSeeder(t, res.Model, fx.admin).seed([]string{tenantA, tenantB}, 2)
	conn := pgtest.Connect(t, db.AppURL)
	require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
		n, err := count(tx, "SELECT count(*) FROM projects WHERE tenant_id = $1", tenantB)
		require.NoError(t, err)
		require.Positive(t, n, "without the migrations tenant A reads B's projects")
		return nil
	}))
}

// TestIndexServesTenantQueries checks the plan the policy gets on a table of
// realistic size, with no planner settings forced: the tenant predicate must be
// an index condition, evaluated once as an InitPlan.
func TestIndexServesTenantQueries(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	_, err := fx.admin.Exec(ctx, `
		INSERT INTO tenants (id, name, plan_id)
		SELECT gen_random_uuid(), 'bulk', (SELECT id FROM plans LIMIT 1) FROM generate_series(1, 50);
		INSERT INTO projects (tenant_id, name)
		SELECT t.id, 'p' || g FROM tenants t, generate_series(1, 400) g;
		ANALYZE tenants, projects;`)
	require.NoError(t, err)
	conn := pgtest.Connect(t, fx.db.AppURL)
	require.NoError(t, fx.inTenant(t, conn, tenantA, func(tx pgx.Tx) error {
		var id string
		require.NoError(t, tx.QueryRow(ctx, "SELECT id::text FROM projects LIMIT 1").Scan(&id))
		for _, q := range []string{
			"SELECT * FROM projects WHERE id = '" + id + "'",
			"SELECT * FROM projects ORDER BY name LIMIT 10",
			"SELECT count(*) FROM projects",
		} {
			plan := explain(t, tx, q)
			require.Contains(t, plan, "Index", "%s\n%s", q, plan)
			require.Contains(t, plan, "InitPlan", "%s\n%s", q, plan)
			require.NotContains(t, plan, "Seq Scan", "%s\n%s", q, plan)
		}
		// The generated keyset page, as a prepared statement's generic plan (what
		// a cached statement ends up with): the "after" bound must stay an index
		// condition, not a filter over every row of the tenant.
		_, err := tx.Exec(ctx, `SET LOCAL plan_cache_mode = force_generic_plan;
			PREPARE list_after(uuid, uuid, int) AS
			SELECT * FROM projects WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`)
		require.NoError(t, err)
		plan := explain(t, tx, "EXECUTE list_after('"+tenantA+"', '"+id+"', 10)")
		require.Contains(t, plan, "Index Cond: ((tenant_id = $1) AND (id > $2))", plan)
		return nil
	}))
}
