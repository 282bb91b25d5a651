package generator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

// TestGoldenOnPostgres applies every successful golden case to PostgreSQL: its
// input schema, then the migrations the generator wrote (up parts, as the
// case's migration tool would run them) twice, then their down parts, newest
// first, and the up parts again. A golden file that PostgreSQL rejects — a
// badly quoted name, say — is a bug the text diff cannot show; a down
// migration must leave the database as it found it (catalogSnapshot), and
// after the second up the isolation must hold again (tenantc check --probe
// as the application role finds nothing).
func TestGoldenOnPostgres(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, c := range cases {
		root := filepath.Join("testdata", c.Name())
		if _, err := os.Stat(filepath.Join(root, "output")); err != nil {
			continue // a failing case writes nothing
		}
		t.Run(c.Name(), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
			res, err := generator.Run(t.Context(), goldenOptions(root, dir))
			require.NoError(t, err)
			if res.Model.Tenant.Key == "" {
				return // no tenant table: a plain sqlc project, with nothing to migrate
			}
			if res.Config.Citus() {
				return // its distribution calls need Citus: TestCitusGoldenOnPostgres
			}
			if res.Config.Roles.Enabled {
				return // its roles are cluster-wide and need CREATEROLE: internal/generator/roles's tests
			}
			createServiceRoles(t, res.Config.Store.ServiceRoles)
			db := pgtest.NewDatabase(t)
			for _, f := range res.Sources {
				db.Exec(t, db.OwnerURL, f.SQL)
			}
			conn := pgtest.Connect(t, db.OwnerURL)
			before := catalogSnapshot(t, conn)
			ups, downs := migrationParts(res)
			require.NotEmpty(t, ups, "the case generates no migration")
			for range 2 {
				for _, up := range ups {
					db.Exec(t, db.OwnerURL, up)
				}
			}
			if res.Config.Migrations.Format == source.Plain {
				return // plain migrations have no down part
			}
			require.Len(t, downs, len(ups), "every migration has a down part")
			for i := len(downs) - 1; i >= 0; i-- {
				db.Exec(t, db.OwnerURL, downs[i])
			}
			if gap, known := knownDownGaps[c.Name()]; known {
				require.NotEqual(t, before, catalogSnapshot(t, conn), "fixed? remove the case from knownDownGaps: %s", gap)
			} else {
				require.Equal(t, before, catalogSnapshot(t, conn), "the down migrations leave the database as the up migrations found it")
			}
			for _, up := range ups {
				db.Exec(t, db.OwnerURL, up)
			}
			db.GrantApp(t)
			admin := pgtest.Connect(t, db.AdminURL)
			checked, err := audit.Check(context.Background(), admin, audit.Options{Config: res.Config, Role: db.App, Probe: true})
			require.NoError(t, err)
			var errs []string
			for _, d := range checked.Diagnostics {
				if d.Severity == diag.Error && d.Rule != knownCheckGaps[c.Name()] {
					errs = append(errs, d.String())
				}
			}
			require.Empty(t, errs, "after down and up again")
		})
	}
}

// knownDownGaps are the cases whose down migrations do not restore the
// database yet, and why; the test fails once one does, so the list stays true.
var knownDownGaps = map[string]string{}

// knownCheckGaps are rules tenantc check reports wrongly on a case after its
// migrations ran, to be fixed in check; the test fails once one is not
// reported any more, so the list stays true.
var knownCheckGaps = map[string]string{}

// migrationParts returns the up and the down SQL of each migration res
// wrote, in the order they apply: golang-migrate's .up.sql/.down.sql pairs,
// or the up and down parts of goose, dbmate, sql-migrate and tern files, as
// source reads them.
func migrationParts(res *generator.Result) (ups, downs []string) {
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
			if down := strings.TrimSpace(source.Down(f.Path, f.Content)); down != "" {
				downs = append(downs, down)
			}
		}
	}
	return ups, downs
}

// catalogSnapshot lists what a tenantc migration can change in the database
// conn is connected to: relations with their RLS flags and grants, policies,
// triggers, functions, column defaults and constraints.
func catalogSnapshot(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
WITH rel AS (
	SELECT c.oid, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
)
SELECT x FROM (
	SELECT format('relation %s %s rls=%s force=%s acl=%s', oid::regclass, relkind, relrowsecurity, relforcerowsecurity, relacl) FROM rel
	UNION ALL SELECT format('policy %s %s', polrelid::regclass, polname) FROM pg_catalog.pg_policy
	UNION ALL SELECT format('trigger %s %s', tgrelid::regclass, tgname) FROM pg_catalog.pg_trigger WHERE NOT tgisinternal
	UNION ALL SELECT format('function %s', p.oid::regprocedure) FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
	UNION ALL SELECT format('default %s.%s %s', adrelid::regclass, adnum, pg_catalog.pg_get_expr(adbin, adrelid)) FROM pg_catalog.pg_attrdef
	UNION ALL SELECT format('constraint %s %s %s', conrelid::regclass, conname, pg_catalog.pg_get_constraintdef(oid)) FROM pg_catalog.pg_constraint WHERE conrelid IN (SELECT oid FROM rel)
) s(x) ORDER BY x`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

// createServiceRoles creates the store's service roles a case names, which
// its migration's policies refer to, and drops them after the case's database
// (registered before it, so cleaned up after it). Each case names roles of its
// own: roles are cluster-wide.
func createServiceRoles(t *testing.T, roles []string) {
	if len(roles) == 0 {
		return
	}
	admin := pgtest.Connect(t, pgtest.AdminURL(t))
	for _, r := range roles {
		_, err := admin.Exec(context.Background(), "CREATE ROLE "+pgx.Identifier{r}.Sanitize()+" NOLOGIN")
		require.NoError(t, err)
		t.Cleanup(func() {
			conn := pgtest.Connect(t, pgtest.AdminURL(t))
			_, err := conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize())
			require.NoError(t, err)
		})
	}
}
