package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/source"
)

func write(t *testing.T, dir, name, content string) {
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
}

// schemaOnly is a project of defaults: a schema directory and no config file.
func schemaOnly(t *testing.T) string {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "schema"), 0o755))
	return dir
}

func TestDefaultsWithoutFiles(t *testing.T) {
	cfg, err := Load(schemaOnly(t))
	require.NoError(t, err)
	require.NoError(t, RequireProject(cfg))
	require.Equal(t, []string{"schema"}, cfg.Schema)
	require.Equal(t, Tenant{Table: "tenants", Column: "tenant_id", Setting: "app.tenant_id"}, cfg.Tenant)
	require.Equal(t, Migrations{Dir: "gen/migrations", Format: source.GolangMigrate}, cfg.Migrations)
	require.Empty(t, cfg.File)
}

func TestPathsFromSQLC(t *testing.T) {
	for name, content := range map[string]string{
		"sqlc.yaml": "version: '2'\nsql:\n  - engine: mysql\n    schema: other\n  - engine: postgresql\n    schema: [db/schema, db/more.sql]\n    queries: db/queries\n",
		"sqlc.json": `{"version": "1", "packages": [{"path": "db/gen", "engine": "postgresql", "schema": "db/schema", "queries": "db/q"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, name, content)
			cfg, err := Load(dir)
			require.NoError(t, err)
			require.Equal(t, "db/schema", cfg.Schema[0])
			write(t, dir, FileName, "version: 1\nschema: explicit\n")
			cfg, err = Load(dir)
			require.NoError(t, err)
			require.Equal(t, []string{"explicit"}, cfg.Schema, "tenantc.yaml wins over sqlc.yaml")
		})
	}
}

func TestErrorsAreLocated(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 2\ntenant:\n  setting: \"x'; DROP TABLE t; --\"\nrules:\n  cross-tenant-fk: sometimes\n")
	_, err := Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 3)
	require.Equal(t, "tenantc.yaml:1:10: error: version must be 1 (got 2)", list[0].String())
	require.Contains(t, list[1].String(), "tenantc.yaml:3:12: error: tenant.setting")
	require.Contains(t, list[2].String(), "tenantc.yaml:5:20: error: rules.cross-tenant-fk: unknown severity")
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 1\nglobal: [plans, '\"Odd\".x']\nrules: {key-without-tenant: off}\nmigrations: {format: goose}\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, []string{"plans", `"Odd".x`}, cfg.Global)
	require.Equal(t, source.Pos{File: FileName, Line: 2, Col: 17}, cfg.GlobalPos[1])
	require.Equal(t, diag.Off, cfg.Rules["key-without-tenant"])
	require.Equal(t, source.Goose, cfg.Migrations.Format)
}

func TestStoreDefaults(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 1\nstore: {enabled: true}\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	st := cfg.Store
	require.True(t, st.Enabled)
	require.Equal(t, FlavorNative, st.Flavor)
	require.Equal(t, "gen/store", st.Out)
	require.Equal(t, 48*time.Hour, st.InvitationTTL)
	require.Equal(t, ReinviteResend, st.Reinvite)
	require.Zero(t, st.Limits)
	require.False(t, st.UsersSet)
	require.Empty(t, st.Users.Table)

	cfg, err = Load(schemaOnly(t))
	require.NoError(t, err)
	require.False(t, cfg.Store.Enabled, "the store is off without a tenantc.yaml")
}

func TestStoreSettings(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, `version: 1
store:
  enabled: true
  flavor: better-auth
  out: internal/orgs/
  invitation_ttl: 7h30m
  reinvite: cancel
  limits: {members: 50, pending_invitations: 10, organizations_per_user: 3, members_per_team: 5}
  users: {table: accounts, email: mail}
`)
	cfg, err := Load(dir)
	require.NoError(t, err)
	st := cfg.Store
	require.Equal(t, FlavorBetterAuth, st.Flavor)
	require.Equal(t, "internal/orgs", st.Out)
	require.Equal(t, 7*time.Hour+30*time.Minute, st.InvitationTTL)
	require.Equal(t, ReinviteCancel, st.Reinvite)
	require.Equal(t, StoreLimits{Members: 50, PendingInvitations: 10, OrganizationsPerUser: 3, MembersPerTeam: 5}, st.Limits)
	require.True(t, st.UsersSet)
	require.Equal(t, StoreUsers{Table: "accounts", ID: "id", Name: "name", Email: "mail"}, st.Users)
	require.Equal(t, source.Pos{File: FileName, Line: 4, Col: 11}, st.Pos.Flavor)
}

func TestStoreErrorsAreLocated(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, `version: 1
store:
  enabled: true
  flavor: auto
  out: gen/my-store
  invitation_ttl: 2 days
  reinvite: ignore
  limits: {members: -1}
  users: {tabel: people}
`)
	_, err := Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	var got []string
	for _, d := range list {
		got = append(got, d.String())
	}
	require.Equal(t, []string{
		`tenantc.yaml:4:11: error: unknown store.flavor "auto" (want native or better-auth)`,
		`tenantc.yaml:5:8: error: store.out "gen/my-store": the package is named after the directory, and "my-store" is not a Go identifier`,
		`tenantc.yaml:6:19: error: store.invitation_ttl "2 days" is not a Go duration (e.g. 48h, 90m, 7h30m)`,
		`tenantc.yaml:7:13: error: unknown store.reinvite "ignore" (want resend, cancel, reject)`,
		`tenantc.yaml:8:21: error: store.limits.members must be 0 (no limit) or more (got -1)`,
		`tenantc.yaml:9:11: error: unknown key "store.users.tabel" in tenantc.yaml (known keys here: table, id, name, email)`,
	}, got)

	write(t, dir, FileName, "version: 1\nstore: {invitation_ttl: -5m, out: ../elsewhere}\n")
	_, err = Load(dir)
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 2)
	require.Contains(t, list[0].String(), "store.invitation_ttl must be positive")
	require.Contains(t, list[1].String(), "must be a directory inside the project")
}

// TestMembersPerTeamErrors: store.limits.members_per_team (Better Auth's
// teams.maximumMembersPerTeam) is refused where it is written when negative
// or not an integer, like the other limits.
func TestMembersPerTeamErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ value, want string }{
		{"-2", `tenantc.yaml:3:42: error: store.limits.members_per_team must be 0 (no limit) or more (got -2)`},
		{"two", `tenantc.yaml:3:42: error: store.limits.members_per_team must be a whole number, 0 for no limit (got "two")`},
		{"2.5", `tenantc.yaml:3:42: error: store.limits.members_per_team must be a whole number, 0 for no limit (got "2.5")`},
		{"[3]", `tenantc.yaml:3:42: error: store.limits.members_per_team must be a whole number, 0 for no limit (got a list or mapping)`},
	} {
		write(t, dir, FileName, "version: 1\nstore:\n  limits: {members: 1, members_per_team: "+c.value+"}\n")
		_, err := Load(dir)
		require.Error(t, err, "members_per_team: %s", c.value)
		require.Equal(t, c.want, err.Error(), "members_per_team: %s", c.value)
	}
}

// TestServiceRoles: store.service_roles keeps each name as written (the
// migration quotes it) and refuses names a policy cannot take as one role.
func TestServiceRoles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 1\nstore:\n  service_roles: [better_auth, \"Auth Svc\"]\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, []string{"better_auth", "Auth Svc"}, cfg.Store.ServiceRoles)

	write(t, dir, FileName, "version: 1\nstore:\n  service_roles: [public, pg_monitor, \"\", a, a, "+strings.Repeat("x", 64)+"]\n")
	_, err = Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	var got []string
	for _, d := range list {
		got = append(got, d.String())
	}
	require.Equal(t, []string{
		`tenantc.yaml:3:19: error: store.service_roles: "public" is not a role PostgreSQL lets a policy name (public would admit the application role)`,
		`tenantc.yaml:3:27: error: store.service_roles: "pg_monitor": roles named pg_* are PostgreSQL's own`,
		`tenantc.yaml:3:39: error: store.service_roles: a role name cannot be empty`,
		`tenantc.yaml:3:46: error: store.service_roles: "a" is listed twice`,
		`tenantc.yaml:3:49: error: store.service_roles: "` + strings.Repeat("x", 64) + `" is longer than PostgreSQL's 63-byte names`,
	}, got)
}

// TestNoProjectHere: run from a subdirectory (a //go:generate line in
// cmd/x/main.go) or with a bad --dir, tenantc used to say "schema path does
// not exist". It says that no config is there and how to reach the root.
func TestNoProjectHere(t *testing.T) {
	root := t.TempDir()
	write(t, root, "sqlc.yaml", "version: \"2\"\nsql: [{engine: postgresql, schema: schema, queries: queries}]\n")
	sub := filepath.Join(root, "cmd", "x")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	cfg, err := Load(sub)
	require.NoError(t, err, "check may run anywhere")
	err = RequireProject(cfg)
	require.ErrorContains(t, err, "no tenantc.yaml or sqlc.yaml found in "+sub)
	require.ErrorContains(t, err, "it is ../..: pass --dir ../.. (in a //go:generate line: //go:generate go tool tenantc generate --dir ../..)")

	cfg, err = Load(t.TempDir())
	require.NoError(t, err)
	err = RequireProject(cfg)
	require.ErrorContains(t, err, "no tenantc.yaml or sqlc.yaml found in ")
	require.ErrorContains(t, err, "--dir ../..")

	_, err = Load(filepath.Join(root, "nope"))
	require.ErrorContains(t, err, "project directory "+filepath.Join(root, "nope")+" does not exist")
}

// TestMigrationsDefaultToTheUsersDirectory: without migrations.dir, tenantc's
// migrations go into the one directory of the user's own migrations the
// schema paths hold, in its tool's format, so generate, vet and check agree.
func TestMigrationsDefaultToTheUsersDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "db", "migrations"), 0o755))
	write(t, dir, "sqlc.yaml", "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: db/migrations\n    queries: db/queries\n")
	write(t, dir, "db/migrations/20240101120000_init.sql", "-- +goose Up\nCREATE TABLE t (id int);\n-- +goose Down\nDROP TABLE t;\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, "db/migrations", cfg.Migrations.Dir)
	require.Equal(t, source.Goose, cfg.Migrations.Format)
	require.Equal(t, []UserMigrationDir{{Dir: "db/migrations", Tool: source.Goose, Versions: []string{"20240101120000"},
		Pos: source.Pos{File: "sqlc.yaml", Line: 4, Col: 13}}}, cfg.UserMigrations)

	write(t, dir, FileName, "version: 1\nmigrations: {dir: gen/migrations, format: goose}\n")
	cfg, err = Load(dir)
	require.NoError(t, err)
	require.Equal(t, "gen/migrations", cfg.Migrations.Dir, "an explicit directory is kept (and judged by generate)")
}

// TestUserMigrationsOfEveryTool: each tool's directory is found by its files'
// markers and names, also through a glob schema path, which stands for the
// directory of the files it matches.
func TestUserMigrationsOfEveryTool(t *testing.T) {
	for _, c := range []struct {
		name, schema, file, content string
		tool                        source.Format
		versions                    []string
	}{
		{"sql-migrate", "db/migrations", "20240101120000-init.sql", "-- +migrate Up\nCREATE TABLE t (id int);\n-- +migrate Down\nDROP TABLE t;\n",
			source.SQLMigrate, []string{"20240101120000"}},
		{"sql-migrate unnumbered", "db/migrations", "init.sql", "-- +migrate Up\nCREATE TABLE t (id int);\n", source.SQLMigrate, nil},
		{"tern", "db/migrations", "001_init.sql", "CREATE TABLE t (id int);\n---- create above / drop below ----\nDROP TABLE t;\n",
			source.Tern, []string{"001"}},
		{"glob", "db/migrations/*.sql", "20240101120000_init.sql", "-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n",
			source.Dbmate, []string{"20240101120000"}},
		{"glob of directories", "db/*", "1_init.up.sql", "CREATE TABLE t (id int);\n", source.GolangMigrate, []string{"1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "db", "migrations"), 0o755))
			write(t, dir, "sqlc.yaml", "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: \""+c.schema+"\"\n    queries: db/queries\n")
			write(t, dir, "db/migrations/"+c.file, c.content)
			write(t, dir, "db/migrations/README.md", "not SQL\n")
			cfg, err := Load(dir)
			require.NoError(t, err)
			want := UserMigrationDir{Dir: "db/migrations", Tool: c.tool, Versions: c.versions, Pos: source.Pos{File: "sqlc.yaml", Line: 4, Col: 13}}
			if c.versions == nil {
				want.Unnumbered = []string{c.file}
			}
			require.Equal(t, []UserMigrationDir{want}, cfg.UserMigrations)
			require.Equal(t, "db/migrations", cfg.Migrations.Dir)
			require.Equal(t, c.tool, cfg.Migrations.Format)
		})
	}
	t.Run("tern without down parts", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "db", "migrations"), 0o755))
		write(t, dir, FileName, "version: 1\nschema: [db/migrations]\n")
		write(t, dir, "db/migrations/001_init.sql", "CREATE TABLE t (id int);\n")
		write(t, dir, "db/migrations/002_more.sql", "CREATE TABLE u (id int);\n---- create above / drop below ----\nDROP TABLE u;\n")
		cfg, err := Load(dir)
		require.NoError(t, err)
		require.Equal(t, []string{"001", "002"}, cfg.UserMigrations[0].Versions, "in a tern directory, every NNN_name.sql is tern's")
		require.NoError(t, os.Remove(filepath.Join(dir, "db/migrations/002_more.sql")))
		cfg, err = Load(dir)
		require.NoError(t, err)
		require.Empty(t, cfg.UserMigrations)
		write(t, dir, "db/migrations/tern.conf", "[database]\n")
		cfg, err = Load(dir)
		require.NoError(t, err)
		require.Equal(t, []UserMigrationDir{{Dir: "db/migrations", Tool: source.Tern, Versions: []string{"001"},
			Pos: source.Pos{File: FileName, Line: 2, Col: 10}}}, cfg.UserMigrations, "tern init's tern.conf marks the directory")
		require.Equal(t, source.Tern, cfg.Migrations.Format)
	})
	t.Run("glob matching no migration", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.MkdirAll(filepath.Join(dir, "db", "migrations"), 0o755))
		write(t, dir, "sqlc.yaml", "version: \"2\"\nsql:\n  - engine: postgresql\n    schema: \"db/migrations/*_init.sql\"\n    queries: db/queries\n")
		write(t, dir, "db/migrations/1_a.sql", "-- +goose Up\nCREATE TABLE t (id int);\n")
		cfg, err := Load(dir)
		require.NoError(t, err)
		require.Empty(t, cfg.UserMigrations, "only the files the pattern matches are the user's")
		require.Equal(t, "gen/migrations", cfg.Migrations.Dir)
	})
}

// TestTableRules: a rule can be given a severity for some tables only, and
// every mistake in that form is located.
func TestTableRules(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, FileName, "version: 1\nrules:\n  scoped-serial-column: off\n  key-without-tenant:\n    severity: off\n    tables: [api_keys, billing.tokens]\n")
	cfg, err := Load(dir)
	require.NoError(t, err)
	require.Equal(t, map[string]diag.Severity{"scoped-serial-column": diag.Off}, cfg.Rules)
	require.Equal(t, []TableRule{
		{Rule: "key-without-tenant", Table: "api_keys", Severity: diag.Off, Pos: source.Pos{File: FileName, Line: 6, Col: 14}},
		{Rule: "key-without-tenant", Table: "billing.tokens", Severity: diag.Off, Pos: source.Pos{File: FileName, Line: 6, Col: 24}},
	}, cfg.TableRules)

	write(t, dir, FileName, "version: 1\nrules:\n  a: {severity: off, table: [x]}\n  b: {tables: [x]}\n  c: {severity: never, tables: [x]}\n  d: {severity: warning, tables: x}\n  e: [off]\n")
	_, err = Load(dir)
	var list diag.ErrorList
	require.ErrorAs(t, err, &list)
	var got []string
	for _, d := range list {
		got = append(got, d.String())
	}
	require.Equal(t, []string{
		`tenantc.yaml:3:22: error: unknown key "table" in rules.a (known keys here: severity, tables)`,
		`tenantc.yaml:4:6: error: rules.b: severity is missing (error, warning or off)`,
		`tenantc.yaml:5:17: error: rules.c.severity: unknown severity "never" (want error, warning or off)`,
		`tenantc.yaml:6:34: error: rules.d.tables: want a list of table names, e.g. [api_keys]`,
		`tenantc.yaml:7:6: error: rules.e: want a severity (error, warning or off) or {severity: SEVERITY, tables: [TABLE, …]}`,
	}, got)
}
