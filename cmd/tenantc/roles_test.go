package main

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
)

// TestRolesCommands: a project with roles: end to end through the CLI —
// generate writes the roles migration (and a second run nothing), the
// migration role (CREATEROLE, no superuser) applies it after the superuser
// created the BYPASSRLS system role, and check --dir judges roles.app with
// no --role: no finding, probe included; with one grant taken away it
// reports role-grant-missing and exits 1.
func TestRolesCommands(t *testing.T) {
	id := pgurl.RandomHex(6)
	app, system := "tc_"+id+"_cliapp", "tc_"+id+"_clisys"
	dir := project(t, map[string]string{
		"tenantc.yaml": "version: 1\nglobal: [plans]\nmigrations: {dir: migrations, format: golang-migrate}\nroles: {app: " + app + ", system: " + system + "}\n",
		"schema/001.sql": `CREATE TABLE plans (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE tenants (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL);
CREATE TABLE projects (tenant_id uuid NOT NULL REFERENCES tenants (id), id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL, PRIMARY KEY (tenant_id, id));
`,
	})
	code, _, stderr := runTool(t, "generate", "--dir", dir)
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runTool(t, "generate", "--dir", dir, "--check")
	require.Equal(t, 0, code, "a second run changes nothing: %s", stderr)
	ups, err := filepath.Glob(filepath.Join(dir, "migrations", "*.up.sql"))
	require.NoError(t, err)
	sort.Strings(ups)
	require.True(t, strings.HasSuffix(ups[len(ups)-1], "_tenantc_roles.up.sql"), "the roles migration comes last: %v", ups)

	admin := pgtest.AdminURL(t)
	t.Cleanup(func() { // after the database is dropped
		_, err := pgtest.Connect(t, admin).Exec(context.Background(), "DROP ROLE IF EXISTS "+app+", "+system)
		assert.NoError(t, err)
	})
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.AdminURL, "ALTER ROLE "+db.Owner+" CREATEROLE; CREATE ROLE "+system+" LOGIN BYPASSRLS")
	schema, err := os.ReadFile(filepath.Join(dir, "schema", "001.sql"))
	require.NoError(t, err)
	db.Exec(t, db.OwnerURL, string(schema))
	for _, up := range ups {
		sql, err := os.ReadFile(up)
		require.NoError(t, err)
		db.Exec(t, db.OwnerURL, string(sql))
	}

	code, stdout, stderr := check(t, "--database-url", db.AdminURL, "--dir", dir, "--probe")
	require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Equal(t, "no findings\n", stdout)

	db.Exec(t, db.AdminURL, "REVOKE USAGE ON SEQUENCE plans_id_seq FROM "+app)
	code, stdout, _ = check(t, "--database-url", db.AdminURL, "--dir", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "sequence public.plans_id_seq: error: role "+app+" lacks USAGE on sequence public.plans_id_seq")
	assert.Contains(t, stdout, "[role-grant-missing]\n\tGRANT USAGE, SELECT ON SEQUENCE public.plans_id_seq TO "+app+";")
}
