package store

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/catalog"
	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/internal/generator/migration"
	"github.com/tenantc/tenantc/internal/generator/parse"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/generator/tenancy"
	"github.com/tenantc/tenantc/orgstore"
)

// TestBetterAuthUsers: the users table the config assumes for Better Auth is
// the one orgstore.BetterAuth() names.
func TestBetterAuthUsers(t *testing.T) {
	u := orgstore.BetterAuth().Users
	n, err := catalog.ParseName(config.BetterAuthUsers.Table)
	require.NoError(t, err)
	require.Equal(t, []string{u.Table, u.ID, u.Name, u.Email, u.EmailVerified},
		[]string{n.Name, config.BetterAuthUsers.ID, config.BetterAuthUsers.Name, config.BetterAuthUsers.Email, config.BetterAuthUsers.EmailVerified})
}

// TestOptionalColumnsExist: the tables and columns orgstore's spec lets a
// schema lack are exactly the ones its Schema documentation names (written
// out here, not read from orgstore), each is a field of its table's type, and
// both flavors mark exactly those optional — a dropped entry fails an
// assertion instead of silently making a column required.
func TestOptionalColumnsExist(t *testing.T) {
	wantColumns := map[string][]string{
		"Organizations": {"Logo", "Metadata", "UpdatedAt"},
		"Invitations":   {"TeamID"},
		"Teams":         {"MemberCount"},
		"TeamMembers":   {"MembershipKey"},
	}
	wantTables := []string{"Teams", "TeamMembers", "Roles"}
	schema := reflect.TypeOf(orgstore.Schema{})
	for _, f := range []*flavor{native, betterAuth} {
		var optionalTables []string
		for _, tb := range f.tables {
			tf, ok := schema.FieldByName(tb.field)
			require.True(t, ok, "orgstore.Schema has no table field %s", tb.field)
			require.Equal(t, tb.typ, tf.Type.Name())
			if tb.optional {
				optionalTables = append(optionalTables, tb.field)
			}
			var optional []string
			for _, c := range tb.cols {
				_, ok := tf.Type.FieldByName(c.field)
				require.True(t, ok, "%s has no column field %s", tb.typ, c.field)
				if c.optional {
					optional = append(optional, c.field)
				}
			}
			require.Equal(t, wantColumns[tb.field], optional, "%s: optional columns of %s", f.name, tb.field)
		}
		require.Equal(t, wantTables, optionalTables, f.name)
	}
	require.Equal(t, []string{"Table", "ID", "OrganizationID"}, tenantsFields)
	require.Equal(t, []string{"Table", "ID", "Name", "Email", "EmailVerified"}, usersFields)
}

func catalogOf(t *testing.T, sql string) *catalog.Catalog {
	t.Helper()
	cat, diags := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, sql)})
	require.Empty(t, diags)
	return cat
}

func options(flavorName, root string) Options {
	return Options{
		Store: config.Store{Enabled: true, Flavor: flavorName, Out: "gen/store", InvitationTTL: 48 * time.Hour, Reinvite: config.ReinviteResend,
			Pos: config.StorePos{Flavor: source.Pos{File: "tenantc.yaml", Line: 3, Col: 11}}},
		Root:       root,
		Migrations: migration.Options{Dir: "m", Format: source.GolangMigrate, Existing: []string{"000004_x.up.sql"}},
	}
}

const tenantsSQL = "CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);\n"

func TestPlanNative(t *testing.T) {
	m, diags, err := Plan(catalogOf(t, tenantsSQL), options(config.FlavorNative, "tenants"))
	require.NoError(t, err)
	require.Empty(t, diags)
	require.Equal(t, "000005", m.Version)
	require.Equal(t, "tenantc_store", m.Name)
	require.Equal(t, []string{"000005_tenantc_store.up.sql", "000005_tenantc_store.down.sql"}, migration.Names(m.Files))
	require.Contains(t, m.Up.SQL, "ALTER TABLE public.tenants ADD COLUMN IF NOT EXISTS org_id uuid UNIQUE")
	require.Contains(t, string(m.Files[1].Content), "ALTER TABLE public.tenants DROP COLUMN IF EXISTS org_id;")

	// The schema with the migration applied needs nothing more.
	cat, ds := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, tenantsSQL), m.Up})
	require.Empty(t, ds)
	m, diags, err = Plan(cat, options(config.FlavorNative, "tenants"))
	require.NoError(t, err)
	require.Empty(t, diags)
	require.Nil(t, m)
}

func TestPlanNativeRoot(t *testing.T) {
	m, diags, err := Plan(catalogOf(t, ""), options(config.FlavorNative, "organizations"))
	require.NoError(t, err)
	require.Empty(t, diags)
	require.NotContains(t, m.Up.SQL, "org_id", "no bridge when organizations is the tenant root")
}

// TestPlanBridgeAdded: a schema that has the store but whose tenant table
// has no bridge (tenant.table changed from organizations to tenants) gets
// the bridge alone.
func TestPlanBridgeAdded(t *testing.T) {
	root, _, err := Plan(catalogOf(t, ""), options(config.FlavorNative, "organizations"))
	require.NoError(t, err)
	cat, ds := parse.Files([]*source.File{root.Up, source.NewFile("schema.sql", source.Plain, tenantsSQL)})
	require.Empty(t, ds)
	m, diags, err := Plan(cat, options(config.FlavorNative, "tenants"))
	require.NoError(t, err)
	require.Empty(t, diags)
	require.Equal(t, "tenantc_store_bridge", m.Name)
	require.Contains(t, m.Up.SQL, "ALTER TABLE public.tenants ADD COLUMN IF NOT EXISTS org_id uuid UNIQUE REFERENCES public.organizations (id) ON DELETE SET NULL;",
		"store.on_organization_delete: detach, the default")
	require.Contains(t, string(m.Files[1].Content), "ALTER TABLE public.tenants DROP COLUMN IF EXISTS org_id;")

	// The bridge in place, switching to cascade: one migration replaces its
	// foreign key, and the next run has nothing to do.
	cat, ds = parse.Files([]*source.File{root.Up, source.NewFile("schema.sql", source.Plain, tenantsSQL), m.Up})
	require.Empty(t, ds)
	opts := options(config.FlavorNative, "tenants")
	opts.Store.OnOrganizationDelete = config.OnDeleteCascade
	re, diags, err := Plan(cat, opts)
	require.NoError(t, err)
	require.Empty(t, diags)
	require.Equal(t, "tenantc_store_on_delete", re.Name)
	require.Contains(t, re.Up.SQL, "ADD CONSTRAINT tenants_org_id_fkey FOREIGN KEY (org_id) REFERENCES public.organizations (id) ON DELETE CASCADE;")
	require.Contains(t, string(re.Files[1].Content), "ON DELETE SET NULL;", "the down part restores the action")
	cat, ds = parse.Files([]*source.File{root.Up, source.NewFile("schema.sql", source.Plain, tenantsSQL), m.Up, re.Up})
	require.Empty(t, ds)
	again, _, err := Plan(cat, opts)
	require.NoError(t, err)
	require.Nil(t, again)
}

func TestPlanNativeForeignTable(t *testing.T) {
	_, diags, err := Plan(catalogOf(t, tenantsSQL+"CREATE TABLE members (id int PRIMARY KEY);"), options(config.FlavorNative, "tenants"))
	require.NoError(t, err)
	require.Len(t, diags, 1)
	require.Equal(t, `schema.sql:2:14: error: table public.members exists but organizations does not: the organization store creates organizations, members, invitations, teams, team_members and organization_roles together
	rename your table, or set store.flavor: better-auth if it is Better Auth's`, diags[0].String())
}

const betterAuthSQL = `
CREATE TABLE "user" (id text PRIMARY KEY, name text NOT NULL, email text NOT NULL);
CREATE TABLE organization (id text PRIMARY KEY, name text NOT NULL, slug text NOT NULL UNIQUE, logo text, "createdAt" timestamp NOT NULL, metadata text);
CREATE TABLE member (id text PRIMARY KEY, "organizationId" text NOT NULL REFERENCES organization (id), "userId" text NOT NULL, role text NOT NULL, "createdAt" timestamp NOT NULL);
CREATE TABLE invitation (id text PRIMARY KEY, "organizationId" text NOT NULL REFERENCES organization (id), email text NOT NULL, role text,
    status text NOT NULL, "expiresAt" timestamp NOT NULL, "createdAt" timestamp NOT NULL, "inviterId" text NOT NULL);
CREATE INDEX member_user_id_idx ON member ("userId");
`

func TestPlanBetterAuth(t *testing.T) {
	opts := options(config.FlavorBetterAuth, "tenants")
	m, diags, err := Plan(catalogOf(t, betterAuthSQL+tenantsSQL), opts)
	require.NoError(t, err)
	require.Empty(t, diags)
	require.Equal(t, "tenantc_store_better_auth", m.Name)
	require.Contains(t, m.Up.SQL, `ADD COLUMN IF NOT EXISTS "tokenHash"`)
	require.Contains(t, m.Up.SQL, "org_id text UNIQUE REFERENCES organization (id)")
	down := string(m.Files[1].Content)
	require.NotContains(t, down, "DROP INDEX IF EXISTS member_user_id_idx;", "the schema had that index: the migration did not create it")
	require.Contains(t, down, "DROP INDEX IF EXISTS member_organization_user_key;")

	cat, ds := parse.Files([]*source.File{source.NewFile("schema.sql", source.Plain, betterAuthSQL+tenantsSQL), m.Up})
	require.Empty(t, ds)
	m, _, err = Plan(cat, opts)
	require.NoError(t, err)
	require.Nil(t, m)

	// Resolve: the optional tables and column the schema lacks are cleared.
	model, tds := tenancy.Analyze(cat, tenancy.Config{Root: "tenants", Column: "tenant_id", Setting: "app.tenant_id", Store: Tables(config.FlavorBetterAuth)})
	require.Empty(t, tds)
	p, rds := Resolve(model, opts)
	require.Empty(t, rds)
	file, err := Generate(p)
	require.NoError(t, err)
	code := string(file.Content)
	for _, want := range []string{
		"s.Teams = orgstore.TeamsTable{}",
		"s.TeamMembers = orgstore.TeamMembersTable{}",
		"s.Roles = orgstore.RolesTable{}",
		`s.Invitations.TeamID = ""`,
		`s.Users = orgstore.UsersTable{Table: "user", ID: "id", Name: "name", Email: "email"}`,
	} {
		require.Contains(t, code, want)
	}
	require.Equal(t, "gen/store/store.go", file.Path)
}

func TestPlanBetterAuthMissing(t *testing.T) {
	_, diags, err := Plan(catalogOf(t, tenantsSQL+`CREATE TABLE organization (id text PRIMARY KEY);`), options(config.FlavorBetterAuth, "tenants"))
	require.NoError(t, err)
	require.Len(t, diags, 1)
	require.True(t, strings.HasPrefix(diags[0].String(), `tenantc.yaml:3:11: error: store.flavor is better-auth but Better Auth's member, invitation tables are missing from the schema`), diags[0].String())
}

// resolveOf analyses sql (the store's tables included) and resolves the store.
func resolveOf(t *testing.T, sql string, opts Options) []string {
	t.Helper()
	model, _ := tenancy.Analyze(catalogOf(t, sql), tenancy.Config{Root: opts.Root, Column: "tenant_id", Setting: "app.tenant_id", Store: Tables(opts.Store.Flavor)})
	_, diags := Resolve(model, opts)
	var out []string
	for _, d := range diags {
		out = append(out, d.String())
	}
	return out
}

func TestResolveProblems(t *testing.T) {
	m, _, err := Plan(catalogOf(t, ""), options(config.FlavorNative, "organizations"))
	require.NoError(t, err)
	store := m.Up.SQL

	opts := options(config.FlavorNative, "tenants")
	require.Equal(t, []string{"schema.sql:1:14: error: tenant table public.tenants has no org_id column bridging it to the organization store"},
		resolveOf(t, "CREATE TABLE tenants (id uuid PRIMARY KEY);"+store, opts))
	require.Equal(t, []string{
		"schema.sql:1:44: error: bridge column public.tenants.org_id is text but the native store's organization ids are uuid\n\tALTER TABLE public.tenants ALTER COLUMN org_id TYPE uuid USING org_id::uuid;",
		"schema.sql:1:44: error: bridge column public.tenants.org_id is not unique: an organization has one tenant\n\tALTER TABLE public.tenants ADD UNIQUE (org_id);",
	}, resolveOf(t, "CREATE TABLE tenants (id uuid PRIMARY KEY, org_id text);"+store, opts))

	opts = options(config.FlavorNative, "members")
	require.Equal(t, []string{"tenantc.yaml: error: tenant.table public.members is a table of the organization store; the tenant root is either its organizations table (public.organizations) or a table of your own\n\tset tenant.table: organizations, or a tenants table that the store bridges to through its org_id column"},
		resolveOf(t, store, opts))

	opts = options(config.FlavorNative, "organizations")
	opts.Store.UsersSet, opts.Store.Users = true, config.StoreUsers{Table: "people", ID: "id", Name: "name", Email: "mail"}
	opts.Store.Pos.Users = source.Pos{File: "tenantc.yaml", Line: 5, Col: 10}
	require.Equal(t, []string{"tenantc.yaml:5:10: error: store.users: table public.people is not in the schema\n\tname your users table, or remove store.users: ListMembers then returns user ids only"},
		resolveOf(t, store, opts))
	require.Equal(t, []string{`tenantc.yaml:5:10: error: store.users: table public.people has no column mail (store.users.email)`},
		resolveOf(t, "CREATE TABLE people (id uuid PRIMARY KEY, name text, email text);"+store, opts))

	// store.users.email_verified must name a column; without one (or
	// without a users table) require_email_verification_on_invitation
	// cannot be checked, and says so where it is set.
	people := "CREATE TABLE people (id text PRIMARY KEY, name text, mail text, ok boolean);" + store
	opts.Store.Users.EmailVerified = "verified"
	require.Equal(t, []string{`tenantc.yaml:5:10: error: store.users: table public.people has no column verified (store.users.email_verified)`},
		resolveOf(t, people, opts))
	opts.Store.Users.EmailVerified = "ok"
	require.Empty(t, resolveOf(t, people, opts))
	opts.Store.RequireEmailVerificationOnInvitation = true
	opts.Store.Pos.RequireEmailVerification = source.Pos{File: "tenantc.yaml", Line: 9, Col: 45}
	require.Empty(t, resolveOf(t, people, opts))
	needsColumn := []string{"tenantc.yaml:9:45: error: store.require_email_verification_on_invitation needs a users table with an email-verified column, which the store reads to check it\n\tname it in store.users.email_verified (Better Auth's \"user\" has \"emailVerified\"), or turn the option off"}
	opts.Store.Users.EmailVerified = ""
	require.Equal(t, needsColumn, resolveOf(t, people, opts))
	opts.Store.UsersSet = false
	require.Equal(t, needsColumn, resolveOf(t, store, opts), "no users table")
	opts.Store.RequireEmailVerificationOnInvitation = false

	require.Equal(t, []string{`schema.sql:1:14: error: table public.organizations has no column slug, which the native store reads`},
		resolveOf(t, "CREATE TABLE organizations (id uuid PRIMARY KEY, name text, created_at timestamptz);"+strings.ReplaceAll(store, "CREATE TABLE IF NOT EXISTS organizations", "CREATE TABLE IF NOT EXISTS ignored"), opts))
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		48 * time.Hour:                    "48 * time.Hour",
		7*time.Hour + 30*time.Minute:      "7*time.Hour + 30*time.Minute",
		90 * time.Second:                  "1*time.Minute + 30*time.Second",
		time.Second + time.Nanosecond:     "1*time.Second + 1*time.Nanosecond",
		1500 * time.Millisecond:           "1*time.Second + 500*time.Millisecond",
		24*time.Hour + 2*time.Microsecond: "24*time.Hour + 2*time.Microsecond",
	} {
		require.Equal(t, want, duration(d), "%s", d)
	}
}

// TestPlanLockdown plans like the RLS planner: a schema that has the store
// but not its lockdown gets a tenantc_store_lockdown migration with only
// what it lacks; once applied, nothing; a changed store.service_roles
// replaces the service policy; removed, drops it.
func TestPlanLockdown(t *testing.T) {
	opts := options(config.FlavorNative, "tenants")
	first, _, err := Plan(catalogOf(t, tenantsSQL), opts)
	require.NoError(t, err)
	require.Equal(t, "tenantc_store", first.Name)
	require.Contains(t, first.Up.SQL, "ALTER TABLE public.members FORCE ROW LEVEL SECURITY;")
	require.Contains(t, first.Up.SQL, "CREATE TRIGGER tenantc_bridge_immutable BEFORE INSERT OR UPDATE OF org_id ON public.tenants")
	// The store as tenantc wrote it before the lockdown existed.
	unlocked := tenantsSQL + first.Up.SQL[:strings.Index(first.Up.SQL, "-- The store's tables are the store's alone")]

	plan := func(sql string, roles ...string) *Migration {
		t.Helper()
		o := opts
		o.Store.ServiceRoles = roles
		m, diags, err := Plan(catalogOf(t, sql), o)
		require.NoError(t, err)
		require.Empty(t, diags)
		return m
	}
	unlocked += "ALTER TABLE members ENABLE ROW LEVEL SECURITY;\n"
	m := plan(unlocked)
	require.Equal(t, "tenantc_store_lockdown", m.Name)
	require.Equal(t, "000005", m.Version)
	require.NotContains(t, m.Up.SQL, "ALTER TABLE public.members ENABLE", "members has RLS enabled already")
	require.Contains(t, m.Up.SQL, "ALTER TABLE public.members FORCE ROW LEVEL SECURITY;")
	require.Contains(t, m.Up.SQL, "ALTER TABLE public.invitations ENABLE ROW LEVEL SECURITY;")
	require.Contains(t, m.Up.SQL, "tenantc_bridge_immutable")
	require.NotContains(t, m.Up.SQL, "POLICY", "no service roles, no policy")
	locked := unlocked + m.Up.SQL
	require.Nil(t, plan(locked), "a locked store gets nothing")

	m = plan(locked, "better_auth", `Auth "Svc"`)
	require.Equal(t, "tenantc_store_lockdown", m.Name)
	require.Contains(t, m.Up.SQL, `CREATE POLICY tenantc_store_service ON public.members AS PERMISSIVE FOR ALL TO "better_auth", "Auth ""Svc""" USING (true) WITH CHECK (true);`)
	require.NotContains(t, m.Up.SQL, "ROW LEVEL SECURITY;")
	withRoles := locked + m.Up.SQL
	require.Nil(t, plan(withRoles, `Auth "Svc"`, "better_auth"), "the same roles in another order need nothing")

	m = plan(withRoles, "better_auth")
	require.Contains(t, m.Up.SQL, "DROP POLICY IF EXISTS tenantc_store_service ON public.members;\nCREATE POLICY tenantc_store_service ON public.members AS PERMISSIVE FOR ALL TO \"better_auth\" USING")
	m = plan(withRoles)
	require.Contains(t, m.Up.SQL, "DROP POLICY IF EXISTS tenantc_store_service ON public.members;")
	require.NotContains(t, m.Up.SQL, "CREATE POLICY")
}

// TestLocked: every table the store owns, the users table included, less the
// tenant root, which its tenant policy protects.
func TestLocked(t *testing.T) {
	cfg := &config.Config{Tenant: config.Tenant{Table: "tenants"}, Store: config.Store{Flavor: config.FlavorNative,
		UsersSet: true, Users: config.StoreUsers{Table: "users"}, ServiceRoles: []string{"svc"}}}
	names := func(ns []catalog.Name) (out []string) {
		for _, n := range ns {
			out = append(out, n.String())
		}
		return out
	}
	require.Equal(t, []string{"public.organizations", "public.members", "public.invitations", "public.teams", "public.team_members", "public.organization_roles", "public.users"}, names(Locked(cfg)))
	require.Equal(t, []string{"svc"}, ServiceRoles(cfg))
	cfg.Tenant.Table = "organizations"
	require.NotContains(t, names(Locked(cfg)), "public.organizations")
	require.Contains(t, names(Owned(cfg)), "public.organizations")

	cfg = &config.Config{Tenant: config.Tenant{Table: "tenants"}, Store: config.Store{Flavor: config.FlavorBetterAuth}}
	require.Equal(t, []string{"public.organization", "public.member", "public.invitation", "public.team", `public."teamMember"`, `public."organizationRole"`,
		`public."user"`, "public.session", "public.account", "public.verification"}, names(Locked(cfg)))
}

// TestServiceRolesNeedABridge: with the organizations table as the tenant
// root, a service role would see none of its rows; refused with a fix.
func TestServiceRolesNeedABridge(t *testing.T) {
	opts := options(config.FlavorNative, "organizations")
	opts.Store.ServiceRoles = []string{"svc"}
	_, diags, err := Plan(catalogOf(t, ""), opts)
	require.NoError(t, err)
	require.Len(t, diags, 1)
	require.Contains(t, diags[0].String(), "error: store.service_roles needs a tenant table of your own")
}
