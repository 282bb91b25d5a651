package main

import (
	"context"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/checktest"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/roles"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
)

// TestReadmeRoles runs README's "The database roles" as written, under
// names of its own: the roles and database as a superuser, the grants as the
// migration role before any table exists (so the default privileges do the
// work), then the example's migrations as that role. check then finds
// nothing as the application role, probe included, and the system role has
// BYPASSRLS and its grants.
func TestReadmeRoles(t *testing.T) {
	blocks := readmeSQL(t, "### The database roles")
	require.Len(t, blocks, 2, "README's roles section: the superuser block, then the grants")
	id := pgurl.RandomHex(6)
	rename := strings.NewReplacer("app_owner", "tc_"+id+"_rowner", "app_user", "tc_"+id+"_ruser",
		"app_system", "tc_"+id+"_rsystem", "DATABASE app ", "DATABASE tc_"+id+"_readme ")
	dbName := "tc_" + id + "_readme"
	owner, user, system := "tc_"+id+"_rowner", "tc_"+id+"_ruser", "tc_"+id+"_rsystem"

	admin := pgtest.AdminURL(t)
	adminConn := pgtest.Connect(t, admin)
	ctx := context.Background()
	t.Cleanup(func() {
		conn := pgtest.Connect(t, admin)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
		_, _ = conn.Exec(ctx, "DROP ROLE IF EXISTS "+owner+", "+user+", "+system)
	})
	// One statement at a time: CREATE DATABASE refuses a transaction block.
	for _, stmt := range statements(rename.Replace(blocks[0])) {
		_, err := adminConn.Exec(ctx, stmt)
		require.NoError(t, err, stmt)
	}
	at := func(role string) string {
		u, err := pgurl.With(admin, url.UserPassword(role, "change-me"), dbName)
		require.NoError(t, err)
		return u
	}
	ownerConn := pgtest.Connect(t, at(owner))
	_, err := ownerConn.PgConn().Exec(ctx, rename.Replace(blocks[1])).ReadAll()
	require.NoError(t, err, "the grants, as the migration role")
	for _, f := range checktest.Project(t, repoRoot).Sources {
		_, err := ownerConn.PgConn().Exec(ctx, f.SQL).ReadAll()
		require.NoError(t, err, "migrate %s as the migration role", f.Path)
	}

	adminURL, err := pgurl.With(admin, nil, dbName)
	require.NoError(t, err)
	code, stdout, stderr := check(t, "--database-url", adminURL, "--role", user, "--dir", repoRoot, "--probe")
	assert.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, "no findings\n", stdout)

	code, stdout, _ = check(t, "--database-url", at(user), "--dir", repoRoot, "--probe")
	assert.Equal(t, 0, code, "connected as the application role itself:\n%s", stdout)

	// The system role bypasses RLS: with no tenant set it creates a tenant
	// and sees it; the application role, under the policies, sees none.
	sys := pgtest.Connect(t, at(system))
	_, err = sys.Exec(ctx, `INSERT INTO plans (id, name, monthly_price_cents, max_projects) VALUES ('readme', 'Readme', 0, 1);
		INSERT INTO tenants (name, plan_id) VALUES ('readme', 'readme')`)
	require.NoError(t, err, "the system role writes across tenants through the grants")
	var seen int
	require.NoError(t, sys.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&seen))
	assert.Equal(t, 1, seen)
	require.NoError(t, pgtest.Connect(t, at(user)).QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&seen))
	assert.Equal(t, 0, seen, "the application role with no tenant set sees no tenant")

	// The same setup judged as a project with roles: (its matrix included)
	// has no finding; nor has it once the generated roles migration ran on it
	// (the roles exist: the migration checks them and grants).
	project := checktest.Project(t, repoRoot)
	cfg := *project.Config
	cfg.Roles = config.Roles{Enabled: true, App: user, System: system, Create: true}
	matrix := func(when string) {
		t.Helper()
		res, err := audit.Check(ctx, pgtest.Connect(t, adminURL), audit.Options{Config: &cfg, Probe: true})
		require.NoError(t, err)
		assert.Equal(t, user, res.Role, "roles.app is judged")
		assert.Empty(t, res.Diagnostics, "%s", when)
	}
	matrix("README's blocks, judged with roles:")
	planned, err := roles.Plan(project.Model, roles.Options{Roles: cfg.Roles, Migrations: migration.Options{Dir: "m", Format: source.GolangMigrate}})
	require.NoError(t, err)
	require.Len(t, planned, 1)
	require.Len(t, planned[0].Files, 2)
	_, err = ownerConn.PgConn().Exec(ctx, string(planned[0].Files[0].Content)).ReadAll()
	require.NoError(t, err, "the roles migration, as the migration role")
	matrix("README's blocks and the roles migration")
}

// TestReadmeCheckShowsRole: the README's check example names the
// application role; without it a superuser connection judges itself.
func TestReadmeCheckShowsRole(t *testing.T) {
	doc, err := os.ReadFile(repoRoot + "/README.md")
	require.NoError(t, err)
	lines := regexp.MustCompile(`(?m)^tenantc check .*$`).FindAllString(string(doc), -1)
	require.NotEmpty(t, lines)
	for _, l := range lines {
		assert.Regexp(t, `(^| )--role [a-z_]+ `, l, "README's check example must pass --role: %s", l)
	}
}

// readmeSQL returns the ```sql blocks of README's section under heading, up
// to the next heading of the same level.
func readmeSQL(t *testing.T, heading string) []string {
	doc, err := os.ReadFile(repoRoot + "/README.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(doc), heading+"\n")
	require.True(t, ok, "README has no %q", heading)
	if end := strings.Index(section, "\n### "); end >= 0 {
		section = section[:end]
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllStringSubmatch(section, -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// statements splits SQL without literals holding ';' into its statements.
func statements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
