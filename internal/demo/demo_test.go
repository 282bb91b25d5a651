package demo

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc"
	"github.com/tenantc/tenantc/internal/golden"
	"github.com/tenantc/tenantc/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const readmePath = "../../README.md"

// demoRun runs the demo with opts' hooks, recording what it created, and
// checks afterwards that none of it is left (unless Keep).
func demoRun(t *testing.T, opts Options) (string, error) {
	t.Helper()
	var out bytes.Buffer
	var db string
	var roles []string
	opts.AdminURL = pgtest.AdminURL(t)
	opts.Out = &out
	opts.created = func(d string, r, _ []string) { db, roles = d, r }
	err := Run(context.Background(), opts)
	if db != "" {
		requireGone(t, opts.AdminURL, db, roles)
	}
	return out.String(), err
}

// requireGone checks pg_database and pg_roles for what a run created.
func requireGone(t *testing.T, admin, db string, roles []string) {
	t.Helper()
	require.Len(t, roles, 3, "the run created its three roles")
	conn := pgtest.Connect(t, admin)
	var dbs, rs int
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM pg_catalog.pg_database WHERE datname = $1),
		(SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = ANY($2))`, db, roles).Scan(&dbs, &rs))
	assert.Zero(t, dbs, "database %s left behind", db)
	assert.Zero(t, rs, "roles %v left behind", roles)
}

// TestTranscript runs the demo end to end: every line is what isolation
// requires, the transcript is the golden one and the README's, and the
// database and roles are gone afterwards.
func TestTranscript(t *testing.T) {
	out, err := demoRun(t, Options{})
	require.NoError(t, err, out)
	assert.Contains(t, out, "11 of 11 attempts to cross tenants were refused")
	assert.NotContains(t, out, "  FAIL ")
	assert.True(t, strings.HasSuffix(out, "\nThe scratch database and its three roles were dropped.\n"), out)
	golden.File(t, "testdata/transcript.txt", []byte(out))

	readme, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)(<!-- demo-output -->\n```text\n)(.*?)(```\n<!-- /demo-output -->)")
	m := block.FindSubmatchIndex(readme)
	require.NotNil(t, m, "README has no <!-- demo-output --> block")
	if golden.Update() {
		updated := append(append(append([]byte{}, readme[:m[3]]...), out...), readme[m[6]:]...)
		require.NoError(t, os.WriteFile(readmePath, updated, 0o644))
		readme = updated
		m = block.FindSubmatchIndex(readme)
	}
	assert.Equal(t, out, string(readme[m[4]:m[5]]), "README's demo output differs from the demo's (run go test ./internal/demo/ -run TestTranscript -update)")
}

// TestBrokenIsolationIsReported breaks isolation on purpose — projects'
// row level security turned off after the migrations — and the transcript
// must say so from what happened: the attacks that now succeed are FAIL
// lines with what they saw, and Run returns ErrIsolation (exit 1).
func TestBrokenIsolationIsReported(t *testing.T) {
	out, err := demoRun(t, Options{afterMigrate: func(ctx context.Context, admin *pgx.Conn) error {
		_, err := admin.Exec(ctx, "ALTER TABLE projects NO FORCE ROW LEVEL SECURITY; ALTER TABLE projects DISABLE ROW LEVEL SECURITY")
		return err
	}})
	require.ErrorIs(t, err, ErrIsolation, out)
	for _, line := range []string{
		// The user's own query has no tenant condition: every tenant's rows.
		"  FAIL alice@acme   GET /projects → 3 projects: Billing (0 tasks), Mobile app (0 tasks), Website (1 task) (want 2 projects: Mobile app (0 tasks), Website (1 task))\n",
		// tasks keeps its policy: Globex sees Acme's project, not its task.
		"  FAIL bob@globex   GET /projects → 3 projects: Billing (0 tasks), Mobile app (0 tasks), Website (0 tasks) (want 1 project: Billing (0 tasks))\n",
		"  FAIL app role     SELECT * FROM projects, no tenant set → 3 rows (want 0 rows)\n",
		"  FAIL bob@globex   UPDATE projects … WHERE id = Acme's Website → 1 row updated (want 0 rows updated)\n",
		"  FAIL bob@globex   INSERT INTO projects with Acme's tenant_id → inserted (want refused by the policy (SQLSTATE 42501))\n",
		// The UPDATE and the INSERT went through.
		"  FAIL alice@acme   GET /projects → 4 projects: Billing (0 tasks), Hacked (1 task), Injected (0 tasks), Mobile app (0 tasks) (want 2 projects: Mobile app (0 tasks), Website (1 task))\n",
		"\nISOLATION BROKEN: 7 of 25 lines above are not what isolation requires.\n",
	} {
		assert.Contains(t, out, line)
	}
	// What other layers still stop is still reported as refused: the
	// middleware's membership check, the standard queries' tenant condition,
	// the composite foreign key, the other tables' policies.
	for _, line := range []string{
		"  ✗ alice        GET /projects naming Globex → 403 Forbidden (not a member)\n",
		"  ✗ bob@globex   GET /projects/{Acme's Website} → 404 Not Found\n",
		"  ✗ bob@globex   POST /projects/{Acme's Website}/tasks → 404 Not Found\n",
		"  ✗ bob@globex   DELETE FROM tasks (no WHERE) → 0 rows deleted\n",
	} {
		assert.Contains(t, out, line)
	}
	assert.NotContains(t, out, "attempts to cross tenants were refused")
	assert.True(t, strings.HasSuffix(out, "\nThe scratch database and its three roles were dropped.\n"), out)
}

// TestCancelMidwayDropsEverything: a run whose context ends between steps
// (SIGINT) returns the context's error and still drops what it created.
func TestCancelMidwayDropsEverything(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	var db string
	var roles []string
	admin := pgtest.AdminURL(t)
	err := Run(ctx, Options{AdminURL: admin, Out: &out,
		created: func(d string, r, _ []string) { db, roles = d, r },
		step: func(name string) {
			if name == "requests" {
				cancel()
			}
		},
	})
	require.ErrorIs(t, err, context.Canceled)
	require.NotEmpty(t, db)
	requireGone(t, admin, db, roles)
	assert.Contains(t, out.String(), "Organizations, through the generated store", "the run got as far as the organizations")
	assert.NotContains(t, out.String(), "Requests, through")
	assert.True(t, strings.HasSuffix(out.String(), "\nThe scratch database and its three roles were dropped.\n"), out.String())
}

// TestFailedStepDropsEverything: a step that fails (here the hook after the
// migrations) ends the run with its error, and what was created is gone.
func TestFailedStepDropsEverything(t *testing.T) {
	boom := errors.New("boom")
	out, err := demoRun(t, Options{afterMigrate: func(context.Context, *pgx.Conn) error { return boom }})
	require.ErrorIs(t, err, boom)
	assert.True(t, strings.HasSuffix(out, "\nThe scratch database and its three roles were dropped.\n"), out)
}

// TestAdminWithoutRights: a URL whose role can create neither databases
// nor roles is refused before anything is created, and the error says what
// the role lacks.
func TestAdminWithoutRights(t *testing.T) {
	db := pgtest.NewDatabase(t) // its owner: NOSUPERUSER NOCREATEDB NOCREATEROLE
	called := false
	var out bytes.Buffer
	err := Run(context.Background(), Options{AdminURL: db.OwnerURL, Out: &out,
		created: func(string, []string, []string) { called = true }})
	require.Error(t, err)
	assert.False(t, called, "nothing may be created")
	assert.Empty(t, out.String())
	assert.Contains(t, err.Error(), `role "`+db.Owner+`" `)
	var version int
	require.NoError(t, pgtest.Connect(t, db.AdminURL).QueryRow(context.Background(), "SELECT current_setting('server_version_num')::int").Scan(&version))
	if version < 160000 {
		assert.Contains(t, err.Error(), "is not a superuser")
		assert.Contains(t, err.Error(), "only a superuser can create a BYPASSRLS role")
	} else {
		assert.Contains(t, err.Error(), "lacks CREATEDB, CREATEROLE, BYPASSRLS")
	}
}

// TestGrantsAreTheReadmes: the demo's grants are README's block, so the
// demo sets its roles up as the README tells users to.
func TestGrantsAreTheReadmes(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(readme), "### The database roles\n")
	require.True(t, ok)
	section, _, _ = strings.Cut(section, "\n### ")
	blocks := regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(section, -1)
	require.Len(t, blocks, 2, "the roles block, then the grants")
	assert.Equal(t, blocks[1][1], grantsSQL)
}

// TestExampleFiles: the demo applies exactly the repository's schema/*.sql
// and then gen/migrations/*.up.sql, each in name order, byte for byte as on
// disk (the embedded files are the repository's, not copies).
func TestExampleFiles(t *testing.T) {
	files, err := exampleFiles(tenantc.ExampleSQL)
	require.NoError(t, err)
	var want []string
	for _, pattern := range []string{"../../schema/*.sql", "../../gen/migrations/*.up.sql"} {
		m, err := filepath.Glob(pattern)
		require.NoError(t, err)
		require.NotEmpty(t, m, pattern)
		for _, f := range m {
			want = append(want, strings.TrimPrefix(filepath.ToSlash(f), "../../"))
		}
	}
	require.Equal(t, want, files)
	for _, f := range files {
		embedded, err := fs.ReadFile(tenantc.ExampleSQL, f)
		require.NoError(t, err)
		onDisk, err := os.ReadFile("../../" + f)
		require.NoError(t, err)
		assert.Equal(t, string(onDisk), string(embedded), f)
	}
}

// TestKeepLeavesTheDatabase: --keep leaves the database and roles, prints
// how to reach and drop them and no password; the printed DROP statements
// remove them.
func TestKeepLeavesTheDatabase(t *testing.T) {
	var out bytes.Buffer
	var db string
	var roles []string
	var passwords []string
	admin := pgtest.AdminURL(t)
	err := Run(context.Background(), Options{AdminURL: admin, Keep: true, Out: &out,
		created: func(d string, r, p []string) { db, roles, passwords = d, r, p },
	})
	require.NoError(t, err, out.String())
	require.NotEmpty(t, db)
	conn := pgtest.Connect(t, admin)
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
		_, _ = conn.Exec(context.Background(), "DROP ROLE IF EXISTS "+strings.Join(roles, ", "))
	})
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_catalog.pg_database WHERE datname = $1", db).Scan(&n))
	require.Equal(t, 1, n, "--keep keeps the database")
	text := out.String()
	assert.Contains(t, text, "Kept the scratch database "+db)
	assert.NotContains(t, text, "were dropped")
	require.Len(t, passwords, 3)
	for _, p := range passwords {
		require.Len(t, p, 32)
		assert.NotContains(t, text, p, "a role's password was printed")
	}

	// Run the printed DROP statements, as the admin.
	var drops []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "DROP ") {
			drops = append(drops, l)
		}
	}
	require.Len(t, drops, 2, text)
	for _, d := range drops {
		_, err := conn.Exec(context.Background(), d)
		require.NoError(t, err, d)
	}
	requireGone(t, admin, db, roles)
}

// TestDropReconnects: a context that ends while the
// roles are being created (pgx then closes the admin connection) still
// leaves nothing behind: drop connects again.
func TestDropReconnects(t *testing.T) {
	admin := pgtest.AdminURL(t)
	s, err := openScratch(context.Background(), admin)
	require.NoError(t, err)
	require.NoError(t, s.create(context.Background()))
	roles := append([]string(nil), s.createdRoles...)
	require.NoError(t, s.admin.Close(context.Background()), "as pgx does when a query's context ends")
	require.NoError(t, s.drop(context.Background()))
	requireGone(t, admin, s.name, roles)
}
