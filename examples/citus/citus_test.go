package citus_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/examples/citus/gen/db"
	"github.com/tenantc/tenantc/internal/citustest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	tenantA tenant.ID = "aaaaaaaa-0000-4000-8000-000000000001"
	tenantB tenant.ID = "bbbbbbbb-0000-4000-8000-000000000002"
)

// TestOnPostgres runs the Citus-mode example on plain PostgreSQL, as CI can:
// the policies without sub-selects, the tenant setter and the runtime going
// through it. PostgreSQL has no Citus, so the distribution calls of the
// migrations run over citustest.Stubs, which refuse what Citus refuses
// (order, keys, colocation) and record what they distribute; the real
// thing is TestOnCitus's to show.
func TestOnPostgres(t *testing.T) {
	d := pgtest.NewDatabase(t)
	d.Exec(t, d.OwnerURL, citustest.Stubs)
	exercise(t, d, false)
	rows, _ := pgtest.Connect(t, d.AdminURL).Query(context.Background(),
		`SELECT logicalrelid::text || ' ' || partmethod::text || coalesce(' ' || partkey, '') FROM public.pg_dist_partition ORDER BY 1`)
	layout, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Equal(t, []string{"plans n", "projects h tenant_id", "tasks h tenant_id", "tenants n"}, layout, "what the migrations distribute")
}

// TestOnCitus runs the example on a real Citus cluster (CITUS_URL): every
// migration applied through the coordinator, the repositories as the app
// role, and the plans of every generated query routed to one shard.
func TestOnCitus(t *testing.T) {
	d := citustest.NewDatabase(t)
	exercise(t, d, true)
}

func exercise(t *testing.T, d *pgtest.DB, citus bool) {
	ctx := context.Background()
	apply(t, d)
	// The grants a guide gives an application role, on the schema the
	// application owns (pgtest.GrantApp would also try Citus' own schemas).
	d.Exec(t, d.OwnerURL, fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %[1]s;
		GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[1]s;
		GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %[1]s;`, d.App))
	d.Exec(t, d.AdminURL, fmt.Sprintf(`INSERT INTO plans (name, max_projects) VALUES ('free', 3);
		INSERT INTO tenants (id, slug, name, plan_id) VALUES ('%s', 'a', 'A', 1), ('%s', 'b', 'B', 1);`, tenantA, tenantB))

	pool := newPool(t, d.AppURL, 4)
	tdb := tenant.NewDB(pool, tenant.WithSetterFunction(tenant.DefaultSetterFunction))
	require.NoError(t, tenant.Verify(ctx, tdb), "the app role, with the setter, must be fit to serve tenants")

	// set_config alone does not reach Citus workers: Verify must say so
	// rather than let every tenant see no rows.
	if err := tenant.Verify(ctx, tenant.NewDB(pool)); citus {
		require.ErrorIs(t, err, tenant.ErrCitusSetter)
	} else {
		require.NoError(t, err)
	}

	ctxA, ctxB := tenant.WithID(ctx, tenantA), tenant.WithID(ctx, tenantB)
	own := map[tenant.ID][]pgtype.UUID{} // each tenant's projects
	for _, c := range []context.Context{ctxA, ctxB} {
		id, _ := tenant.IDFrom(c)
		require.NoError(t, tenant.Run(c, tdb, func(ctx context.Context, s *tenant.Scope) error {
			repos := db.NewTenantRepos(s)
			for i := range 3 {
				p, err := repos.Projects.CreateProject(ctx, db.CreateProjectArgs{Name: fmt.Sprintf("%s-%d", id[:1], i)})
				if err != nil {
					return err
				}
				require.Equal(t, id, p.TenantID, "the row belongs to the transaction's tenant")
				own[id] = append(own[id], p.ID)
				if _, err := repos.Tasks.CreateTask(ctx, db.CreateTaskArgs{ProjectID: p.ID, Title: "t"}); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	// The fast path: one batch per call, the tenant from ctx.
	fast := db.NewTenantRepos(tdb.Scope())
	extra, err := fast.Projects.CreateProject(ctxA, db.CreateProjectArgs{Name: "a-fast"})
	require.NoError(t, err)
	own[tenantA] = append(own[tenantA], extra.ID)

	t.Run("reads", func(t *testing.T) {
		for _, c := range []context.Context{ctxA, ctxB} {
			id, _ := tenant.IDFrom(c)
			n, err := fast.Projects.CountProjects(c)
			require.NoError(t, err)
			require.EqualValues(t, len(own[id]), n, "count of %s", id)
			list, err := fast.Projects.ListProjects(c, 100)
			require.NoError(t, err)
			require.Len(t, list, len(own[id]))
			for _, p := range list {
				require.Equal(t, id, p.TenantID)
			}
			counts, err := fast.Projects.ProjectTaskCounts(c)
			require.NoError(t, err)
			require.Len(t, counts, len(own[id]))
		}
	})

	t.Run("hostile", func(t *testing.T) {
		victim := own[tenantB][0]
		_, err := fast.Projects.GetProject(ctxA, victim)
		require.ErrorIs(t, err, pgx.ErrNoRows, "A gets B's project by id")
		_, err = fast.Projects.UpdateProject(ctxA, db.UpdateProjectArgs{ID: victim, Name: "pwned"})
		require.ErrorIs(t, err, pgx.ErrNoRows, "A renames B's project")
		n, err := fast.Projects.DeleteProject(ctxA, victim)
		require.NoError(t, err)
		require.Zero(t, n, "A deletes B's project")
		tasks, err := fast.Tasks.ListOpenTasks(ctxA, victim)
		require.NoError(t, err)
		require.Empty(t, tasks, "A lists the tasks of B's project")
		_, err = fast.Tasks.CreateTask(ctxA, db.CreateTaskArgs{ProjectID: victim, Title: "into B"})
		require.Error(t, err, "A adds a task to B's project (the composite key points at a row A cannot have)")

		// Raw SQL in A's transaction: write into B, move a row to B.
		for what, sql := range map[string]string{
			"insert into B": fmt.Sprintf(`INSERT INTO projects (tenant_id, name) VALUES ('%s', 'evil')`, tenantB),
			"move to B":     fmt.Sprintf(`UPDATE projects SET tenant_id = '%s'`, tenantB),
		} {
			err := tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
				_, err := s.Querier().Exec(ctx, sql)
				return err
			})
			require.Error(t, err, what)
		}
		// The policy alone (no tenant predicate: every shard on Citus)
		// still shows A only its rows.
		var all int
		require.NoError(t, tdb.Scope().Querier().QueryRow(ctxA, `SELECT count(*) FROM tasks`).Scan(&all))
		require.Equal(t, 3, all)

		var victimName string
		admin := pgtest.Connect(t, d.AdminURL)
		require.NoError(t, admin.QueryRow(ctx, `SELECT name FROM projects WHERE id = $1`, victim).Scan(&victimName))
		require.Equal(t, "b-0", victimName, "B's project is untouched")
	})

	t.Run("concurrent tenants", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, id := ctxA, tenantA
				if g%2 == 1 {
					c, id = ctxB, tenantB
				}
				for range 10 {
					n, err := fast.Projects.CountProjects(c)
					if err == nil && int(n) != len(own[id]) {
						err = fmt.Errorf("tenant %s counted %d projects, has %d", id, n, len(own[id]))
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("setting ends with the transaction", func(t *testing.T) {
		conn, err := pool.Acquire(ctx)
		require.NoError(t, err)
		defer conn.Release()
		var v *string
		require.NoError(t, conn.QueryRow(ctx, `SELECT NULLIF(current_setting('app.tenant_id', true), '')`).Scan(&v))
		require.Nil(t, v)
		var n int
		require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM projects`).Scan(&n))
		require.Zero(t, n, "no tenant, no rows")
	})

	if citus {
		t.Run("routing", func(t *testing.T) { routing(t, tdb, pgtest.Connect(t, d.AdminURL)) })
	}
	t.Run("check", func(t *testing.T) { check(t, d, citus) })
}

// check runs tenantc check --probe on the database as the example's
// tenantc.yaml configures it: nothing to report (on plain PostgreSQL only
// that Citus is missing). Then, on Citus, two things made by hand that
// tenantc would never write are reported: a sub-select policy on a
// distributed table (Citus refuses one, unless DDL propagation is turned off
// and it exists on the coordinator alone) and a scoped table that is not
// colocated with the others.
func check(t *testing.T, d *pgtest.DB, citus bool) {
	ctx := context.Background()
	cfg, err := config.Load(".")
	require.NoError(t, err)
	conn := pgtest.Connect(t, d.AdminURL)
	findings := func() []string {
		res, err := audit.Check(ctx, conn, audit.Options{Config: cfg, Role: d.App, Probe: true})
		require.NoError(t, err)
		var out []string
		for _, f := range res.Diagnostics {
			if !citus && f.Object == "public.pg_dist_partition" {
				continue // the stubs' own table (citustest.Stubs), not the example's
			}
			if f.Severity >= diag.Warning {
				out = append(out, f.Rule+" "+f.String())
			}
		}
		return out
	}
	got := findings()
	if citus {
		require.Empty(t, got, "check --probe on the example's cluster")
	} else {
		require.Len(t, got, 1)
		require.True(t, strings.HasPrefix(got[0], "citus-extension-missing "), got[0])
		return
	}

	// One statement per round trip: rogue references the reference table
	// tenants, so Citus makes it a "Citus local table" at once, and then
	// refuses a multi-statement string of DDL on it ("cannot insert multiple
	// commands into a prepared statement").
	for _, stmt := range []string{
		`CREATE TABLE rogue (
			tenant_id uuid NOT NULL REFERENCES tenants (id),
			id        uuid NOT NULL DEFAULT gen_random_uuid(),
			PRIMARY KEY (tenant_id, id))`,
		`ALTER TABLE rogue ENABLE ROW LEVEL SECURITY`,
		`ALTER TABLE rogue FORCE ROW LEVEL SECURITY`,
		`CREATE POLICY tenantc_tenant_isolation ON rogue
			USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
			WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)`,
		`SELECT create_distributed_table('rogue', 'tenant_id', colocate_with => 'none')`,
		// With DDL propagation off the policy exists on the coordinator
		// only: the one way a sub-select policy gets onto a distributed table.
		`SET citus.enable_ddl_propagation = off;
		CREATE POLICY sneaky ON projects AS RESTRICTIVE
			USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`,
	} {
		d.Exec(t, d.AdminURL, stmt)
	}
	got = findings()
	joined := strings.Join(got, "\n")
	require.Contains(t, joined, "citus-not-colocated", "the table outside the tenant colocation group")
	require.Contains(t, joined, "citus-policy-subselect policy sneaky", "the coordinator-only sub-select policy")
	t.Logf("check after the hand-made changes:\n%s", joined)
}

// routing EXPLAINs every query sqlc generated for the example (the standard
// queries and the user's) as tenant A and requires one Citus task each: the
// explicit tenant predicate routes it to the tenant's shard.
func routing(t *testing.T, tdb *tenant.DB, describe *pgx.Conn) {
	queries := generatedQueries(t)
	require.NotEmpty(t, queries)
	ctxA := tenant.WithID(context.Background(), tenantA)
	taskCount := regexp.MustCompile(`Task Count: (\d+)`)
	for _, q := range queries {
		t.Run(q.name, func(t *testing.T) {
			require.NoError(t, tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
				// EXPLAIN plans the query with values of its parameters'
				// types, and runs nothing.
				args := exampleArgs(t, describe, q.sql)
				rows, err := s.Querier().Query(ctx, "EXPLAIN "+q.sql, args...)
				if err != nil {
					return err
				}
				plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
				if err != nil {
					return err
				}
				text := strings.Join(plan, "\n")
				m := taskCount.FindAllStringSubmatch(text, -1)
				require.NotEmpty(t, m, "a Citus plan:\n%s", text)
				for _, c := range m {
					require.Equal(t, "1", c[1], "one shard:\n%s", text)
				}
				t.Logf("%s: Task Count: 1", q.name)
				return nil
			}))
		})
	}
}

type query struct{ name, sql string }

var queryConst = regexp.MustCompile("(?s)const \\w+ = `-- name: (\\w+) :\\w+\n(.*?)`")

// generatedQueries reads the SQL sqlc wrote into gen/db.
func generatedQueries(t *testing.T) []query {
	files, err := filepath.Glob("gen/db/*.sql.go")
	require.NoError(t, err)
	var out []query
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range queryConst.FindAllStringSubmatch(string(src), -1) {
			out = append(out, query{name: m[1], sql: m[2]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// exampleArgs gives each parameter of sql a value of its type, as the
// server describes it on conn: A's id for every uuid (the tenant's, and ids
// that find nothing), a number, a text, a time.
func exampleArgs(t *testing.T, conn *pgx.Conn, sql string) []any {
	desc, err := conn.Prepare(context.Background(), "", sql)
	require.NoError(t, err)
	args := make([]any, len(desc.ParamOIDs))
	for i, oid := range desc.ParamOIDs {
		switch oid {
		case pgtype.UUIDOID:
			args[i] = string(tenantA)
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			args[i] = 1
		case pgtype.BoolOID:
			args[i] = false
		case pgtype.TimestamptzOID, pgtype.TimestampOID:
			args[i] = time.Now()
		case pgtype.TextOID, pgtype.VarcharOID:
			args[i] = "x"
		default:
			t.Fatalf("no example value for parameter $%d (type oid %d) of\n%s", i+1, oid, sql)
		}
	}
	return args
}

func apply(t *testing.T, d *pgtest.DB) {
	var files []string
	for _, glob := range []string{"schema/*.sql", "gen/migrations/*.up.sql"} {
		m, err := filepath.Glob(glob)
		require.NoError(t, err)
		sort.Strings(m)
		files = append(files, m...)
	}
	for _, f := range files {
		sql, err := os.ReadFile(f)
		require.NoError(t, err)
		d.Exec(t, d.OwnerURL, string(sql))
	}
}

func newPool(t *testing.T, url string, size int32) *pgxpool.Pool {
	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.MaxConns = size
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}
