package audit_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/rule"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

const repoRoot = "../../.."

// check runs tenantc check's logic on fx's database, connected as the
// superuser and judging the application role.
func check(t *testing.T, fx *checktest.Fixture, probe bool) *audit.Result {
	t.Helper()
	conn := pgtest.Connect(t, fx.DB.AdminURL)
	res, err := audit.Check(context.Background(), conn, audit.Options{Config: fx.Result.Config, Role: fx.DB.App, Probe: probe})
	require.NoError(t, err)
	return res
}

func codes(l diag.List) []string {
	var out []string
	for _, d := range l {
		if !slices.Contains(out, d.Rule) {
			out = append(out, d.Rule)
		}
	}
	slices.Sort(out)
	return out
}

func TestCleanDatabase(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	res := check(t, fx, false)
	require.Empty(t, res.Diagnostics, "%v", res.Diagnostics)
	assert.Equal(t, fx.DB.App, res.Role)

	// Connected as the application role itself, with no role named.
	conn := pgtest.Connect(t, fx.DB.AppURL)
	res, err := audit.Check(context.Background(), conn, audit.Options{Config: fx.Result.Config})
	require.NoError(t, err)
	assert.Empty(t, res.Diagnostics)
	assert.Equal(t, fx.DB.App, res.Role)

	// The owner is not an application role: judged as one, it owns every
	// protected table.
	res, err = audit.Check(context.Background(), conn, audit.Options{Config: fx.Result.Config, Role: fx.DB.Owner})
	require.NoError(t, err)
	assert.Contains(t, codes(res.Diagnostics), rule.AppOwnsTable.Name)

	_, err = audit.Check(context.Background(), conn, audit.Options{Config: fx.Result.Config, Role: "no_such_role"})
	require.ErrorIs(t, err, audit.ErrUnknownRole)
}

// TestUnknownRuleOverride: check refuses an override of a rule that does not
// exist, located in tenantc.yaml as generate and vet report it, before it
// touches the database (conn is nil here).
func TestUnknownRuleOverride(t *testing.T) {
	cfg := config.Default()
	cfg.File = config.FileName
	cfg.Rules = map[string]diag.Severity{"nope": diag.Off, "tenant-root": diag.Warning}
	cfg.RulePos = map[string]source.Pos{"nope": {File: config.FileName, Line: 4, Col: 3}}
	_, err := audit.Check(t.Context(), nil, audit.Options{Config: cfg})
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	require.Equal(t, `tenantc.yaml:4:3: error: unknown rule "nope"; 'tenantc rules' lists the rules`, err.Error())
}

// tableCounts counts the rows of every table, as the superuser.
func tableCounts(t *testing.T, conn *pgx.Conn) map[string]int64 {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT c.oid::regclass::text FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm') ORDER BY 1`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM "+n).Scan(&c))
		out[n] = c
	}
	return out
}

// TestProbeClean: on the example app the probe tries every protected table,
// finds nothing, and leaves nothing behind.
func TestProbeClean(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	admin := pgtest.Connect(t, fx.DB.AdminURL)
	before := tableCounts(t, admin)
	res := check(t, fx, true)
	require.Empty(t, res.Diagnostics, "%v", res.Diagnostics)
	assert.Equal(t, before, tableCounts(t, admin), "the probe left rows behind")

	// As the application role itself, with nothing else in the database.
	conn := pgtest.Connect(t, fx.DB.AppURL)
	diags, err := audit.Probe(context.Background(), conn, res.Model, audit.ProbeOptions{})
	require.NoError(t, err)
	assert.Empty(t, diags)
	assert.Equal(t, before, tableCounts(t, admin))
	assert.Equal(t, byte('I'), conn.PgConn().TxStatus(), "the probe's transaction is over")

	// The owner cannot become the application role.
	owner := pgtest.Connect(t, fx.DB.OwnerURL)
	_, err = audit.Probe(context.Background(), owner, res.Model, audit.ProbeOptions{Role: fx.DB.App})
	require.ErrorIs(t, err, audit.ErrCannotBecome)
}

// TestProbeFindsLeaks: the probe finds, by trying, what the catalog rules
// find by reading — and leaves nothing behind either way.
func TestProbeFindsLeaks(t *testing.T) {
	cases := []struct {
		name  string
		sql   string // as the owner
		table string
		want  []string
	}{
		{"rls disabled", "ALTER TABLE projects DISABLE ROW LEVEL SECURITY", "public.projects",
			[]string{"probe-cross-tenant-delete", "probe-cross-tenant-insert", "probe-cross-tenant-read", "probe-cross-tenant-update"}},
		{"always-true policy", "CREATE POLICY everyone ON documents USING (true) WITH CHECK (true)", "public.documents",
			[]string{"probe-cross-tenant-delete", "probe-cross-tenant-insert", "probe-cross-tenant-read", "probe-cross-tenant-update"}},
		{"read-only leak", "CREATE POLICY peek ON tasks FOR SELECT USING (true)", "public.tasks",
			[]string{"probe-cross-tenant-read"}},
		{"move allowed", `DROP TRIGGER tenantc_tenant_immutable ON activity_events;
			ALTER POLICY tenantc_tenant_isolation ON activity_events WITH CHECK (true)`, "public.activity_events",
			[]string{"probe-cross-tenant-insert", "probe-cross-tenant-move"}},
		{"no tenant reads all", `ALTER POLICY tenantc_tenant_isolation ON attachments
			USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid) OR current_setting('app.tenant_id', true) = '')`,
			"public.attachments", []string{"probe-cross-tenant-read"}},
		{"app may not insert", "REVOKE INSERT ON comments FROM {app}", "public.comments", []string{"probe-incomplete"}},
		{"partition without policy", "DROP POLICY tenantc_tenant_isolation ON activity_events_default", "public.activity_events_default",
			nil}, // no policy, RLS on: nothing visible, nothing writable
		{"partition without rls", `ALTER TABLE activity_events_default DISABLE ROW LEVEL SECURITY;
			ALTER TABLE activity_events_2026 DISABLE ROW LEVEL SECURITY`, "public.activity_events_2026 public.activity_events_default",
			[]string{"probe-cross-tenant-delete", "probe-cross-tenant-read", "probe-cross-tenant-update"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fx := checktest.Migrated(t, repoRoot)
			fx.DB.Exec(t, fx.DB.OwnerURL, strings.ReplaceAll(c.sql, "{app}", fx.DB.App))
			admin := pgtest.Connect(t, fx.DB.AdminURL)
			before := tableCounts(t, admin)
			conn := pgtest.Connect(t, fx.DB.AdminURL)
			res, err := audit.Check(context.Background(), conn, audit.Options{Config: fx.Result.Config, Role: fx.DB.App})
			require.NoError(t, err)
			diags, err := audit.Probe(context.Background(), conn, res.Model, audit.ProbeOptions{Role: fx.DB.App})
			require.NoError(t, err)
			var got []string
			for _, d := range diags {
				require.Contains(t, strings.Fields(c.table), d.Object, "%v", d)
				if !slices.Contains(got, d.Rule) {
					got = append(got, d.Rule)
				}
			}
			slices.Sort(got)
			assert.Equal(t, c.want, got, "%v", diags)
			assert.Equal(t, before, tableCounts(t, admin), "the probe left rows behind")
		})
	}
}

// TestTableRuleOverride: tenantc check honours a per-table override of
// tenantc.yaml. An api_keys-like unique key on projects is reported until
// the config marks projects, and then only for the tables not marked.
func TestTableRuleOverride(t *testing.T) {
	fx := checktest.Migrated(t, repoRoot)
	fx.DB.Exec(t, fx.DB.OwnerURL, `ALTER TABLE projects ADD COLUMN key_hash text UNIQUE;
ALTER TABLE tasks ADD COLUMN token text UNIQUE;`)
	tablesOf := func(res *audit.Result) []string {
		var out []string
		for _, d := range res.Diagnostics {
			if d.Rule == rule.KeyWithoutTenant.Name {
				out = append(out, d.Table)
			}
		}
		slices.Sort(out)
		return out
	}
	require.Equal(t, []string{"public.projects", "public.tasks"}, tablesOf(check(t, fx, false)))

	cfg := *fx.Result.Config
	cfg.TableRules = []config.TableRule{{Rule: rule.KeyWithoutTenant.Name, Table: "projects", Severity: diag.Off}}
	conn := pgtest.Connect(t, fx.DB.AdminURL)
	res, err := audit.Check(context.Background(), conn, audit.Options{Config: &cfg, Role: fx.DB.App})
	require.NoError(t, err)
	require.Equal(t, []string{"public.tasks"}, tablesOf(res))

	cfg.TableRules = []config.TableRule{{Rule: rule.KeyWithoutTenant.Name, Table: "project", Severity: diag.Off, Pos: source.Pos{File: "tenantc.yaml", Line: 5, Col: 14}}}
	res, err = audit.Check(context.Background(), conn, audit.Options{Config: &cfg, Role: fx.DB.App})
	require.NoError(t, err)
	var unknown []string
	for _, d := range res.Diagnostics {
		if d.Rule == "" {
			unknown = append(unknown, d.String())
		}
	}
	require.Equal(t, []string{"tenantc.yaml:5:14: error: rules.key-without-tenant.tables: table public.project is not in the schema"}, unknown)
}
