package isolation_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/db"
	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/source"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// TestStoreDrivesTenancy is the example app end to end: organizations made by
// the generated store get tenants through the tenants.org_id bridge, members
// reach their organization's tenant data through the repositories, and a user
// of another organization reaches none of it — not by the store, not by the
// middleware, not by the policies.
func TestStoreDrivesTenancy(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	_, err := fx.admin.Exec(ctx, `
		INSERT INTO users (id, name, email) VALUES
			('alice', 'Alice', 'alice@acme.test'), ('bob', 'Bob', 'bob@globex.test'), ('carol', 'Carol', 'carol@acme.test')`)
	require.NoError(t, err)
	var plan string
	require.NoError(t, fx.admin.QueryRow(ctx, "SELECT id FROM plans LIMIT 1").Scan(&plan))

	// The store runs on a pool that bypasses RLS (here the superuser); the
	// application's own pool stays the non-owner app role.
	sysPool, err := pgxpool.New(ctx, fx.db.AdminURL)
	require.NoError(t, err)
	t.Cleanup(sysPool.Close)
	orgs, err := store.New(tenant.NewSystemDB(sysPool))
	require.NoError(t, err)
	appPool, err := pgxpool.New(ctx, fx.db.AppURL)
	require.NoError(t, err)
	t.Cleanup(appPool.Close)
	app := tenant.NewDB(appPool)

	acme, alice, err := orgs.CreateOrganization(ctx, store.NewOrganization{
		Name: "Acme", Slug: "acme", Creator: "alice",
		Tenant: map[string]any{"name": "Acme", "plan_id": plan},
	})
	require.NoError(t, err)
	require.Equal(t, []string{orgstore.RoleOwner}, alice.Roles)
	globex, _, err := orgs.CreateOrganization(ctx, store.NewOrganization{
		Name: "Globex", Slug: "globex", Creator: "bob",
		Tenant: map[string]any{"name": "Globex", "plan_id": plan},
	})
	require.NoError(t, err)
	require.NotEqual(t, acme.TenantID, globex.TenantID)

	// Alice works in Acme's tenant through the generated repositories.
	acmeTenant, err := orgs.ResolveTenant(ctx, "alice", acme.ID)
	require.NoError(t, err)
	require.Equal(t, acme.TenantID, acmeTenant)
	project, err := db.NewProjectsRepo(app.Scope()).CreateProject(tenant.WithID(ctx, acmeTenant), db.CreateProjectArgs{Name: "Rocket"})
	require.NoError(t, err)

	// Carol joins by invitation and sees Alice's project.
	_, token, err := orgs.Invite(ctx, "alice", acme.ID, store.NewInvitation{Email: "Carol@Acme.test", Roles: []string{orgstore.RoleMember}})
	require.NoError(t, err)
	_, err = orgs.AcceptInvitation(ctx, "carol", "carol@acme.test", token)
	require.NoError(t, err)
	carolTenant, err := orgs.ResolveTenant(ctx, "carol", acme.ID)
	require.NoError(t, err)
	got, err := db.NewProjectsRepo(app.Scope()).GetProject(tenant.WithID(ctx, carolTenant), project.ID)
	require.NoError(t, err)
	require.Equal(t, "Rocket", got.Name)

	members, err := orgs.ListMembers(ctx, "carol", acme.ID, "", 10)
	require.NoError(t, err)
	require.Len(t, members, 2)
	require.Equal(t, "Alice", members[0].UserName, "names come from the users table in the same query")

	// Bob, of Globex, reaches nothing of Acme.
	_, err = orgs.ResolveTenant(ctx, "bob", acme.ID)
	require.ErrorIs(t, err, orgstore.ErrNotMember)
	_, err = orgs.ListMembers(ctx, "bob", acme.ID, "", 10)
	require.ErrorIs(t, err, orgstore.ErrNotMember)
	_, err = orgs.ListInvitations(ctx, "bob", acme.ID, "")
	require.ErrorIs(t, err, orgstore.ErrNotMember)
	n, err := db.NewProjectsRepo(app.Scope()).CountProjects(tenant.WithID(ctx, globex.TenantID))
	require.NoError(t, err)
	require.Zero(t, n, "Globex's tenant sees none of Acme's projects")

	// The middleware resolves the active organization through the store.
	mw := &tenant.Middleware{Resolvers: []tenant.Resolver{tenant.ActiveOrganization(sessions{}, store.Members(orgs))}}
	handler := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := tenant.IDFrom(r.Context())
		w.Write([]byte(id))
	}))
	for _, c := range []struct {
		user, org string
		status    int
		body      string
	}{
		{"alice", string(acme.ID), http.StatusOK, string(acmeTenant)},
		{"carol", string(acme.ID), http.StatusOK, string(acmeTenant)},
		{"bob", string(acme.ID), http.StatusForbidden, ""},
		{"", "", http.StatusUnauthorized, ""},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("X-User", c.user)
		req.Header.Set("X-Org", c.org)
		handler.ServeHTTP(rec, req)
		require.Equal(t, c.status, rec.Code, "%s in %s", c.user, c.org)
		if c.status == http.StatusOK {
			require.Equal(t, c.body, rec.Body.String())
		}
	}
}

// sessions stands in for the app's session store: the user and active
// organization come from headers.
type sessions struct{}

func (sessions) Session(r *http.Request) (string, string, error) {
	user := r.Header.Get("X-User")
	if user == "" {
		return "", "", tenant.ErrNoMatch
	}
	return user, r.Header.Get("X-Org"), nil
}

// storeRole creates the role the store's pool connects as in production: not
// a superuser, but BYPASSRLS, with DML on the store's tables. It is dropped
// after the test (its grants first), after the pools that use it are closed.
func storeRole(t *testing.T, fx *fixture) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	role := fx.db.Name + "_store"
	_, err := fx.admin.Exec(ctx, "CREATE ROLE "+role+" LOGIN NOSUPERUSER BYPASSRLS")
	require.NoError(t, err)
	t.Cleanup(func() {
		conn := pgtest.Connect(t, fx.db.AdminURL)
		_, err := conn.Exec(context.Background(), "DROP OWNED BY "+role+"; DROP ROLE "+role)
		require.NoError(t, err)
	})
	_, err = fx.admin.Exec(ctx, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "+role)
	require.NoError(t, err)
	u, err := url.Parse(fx.db.AdminURL)
	require.NoError(t, err)
	u.User = url.User(role)
	pool, err := pgxpool.New(ctx, u.String())
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// TestStoreTablesLockedForApp is the attack of issue 8, item 1: SQL running in
// tenant A's own transaction, as the application role with the blanket grants
// guides tell users to run, tries to make its user an owner of organization
// B, to read every organization's members, invitations, roles and users, and
// to rewrite or delete them. The store's tables are locked (row level security
// forced, no policy for the application role): reads see no row, inserts are
// refused, updates and deletes touch nothing. The store, on its own BYPASSRLS
// role, still works.
func TestStoreTablesLockedForApp(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	_, err := fx.admin.Exec(ctx, `INSERT INTO users (id, name, email) VALUES ('alice', 'Alice', 'alice@acme.test'), ('bob', 'Bob', 'bob@globex.test')`)
	require.NoError(t, err)
	var plan string
	require.NoError(t, fx.admin.QueryRow(ctx, "SELECT id FROM plans LIMIT 1").Scan(&plan))
	orgs, err := store.New(tenant.NewSystemDB(storeRole(t, fx)))
	require.NoError(t, err)
	appPool, err := pgxpool.New(ctx, fx.db.AppURL)
	require.NoError(t, err)
	t.Cleanup(appPool.Close)
	app := tenant.NewDB(appPool)

	acme, _, err := orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Acme", Slug: "acme", Creator: "alice",
		Tenant: map[string]any{"name": "Acme", "plan_id": plan}})
	require.NoError(t, err)
	globex, _, err := orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Globex", Slug: "globex", Creator: "bob",
		Tenant: map[string]any{"name": "Globex", "plan_id": plan}})
	require.NoError(t, err)
	_, _, err = orgs.Invite(ctx, "bob", globex.ID, store.NewInvitation{Email: "carol@globex.test", Roles: []string{orgstore.RoleMember}})
	require.NoError(t, err)
	require.NoError(t, orgs.CreateRole(ctx, "bob", globex.ID, "auditor", []orgstore.Permission{orgstore.TeamCreate}))

	aliceCtx := tenant.WithID(ctx, acme.TenantID)
	// asAcme runs sql in Acme's tenant transaction and returns the rows it
	// affected (or counted, for a SELECT count(*)).
	asAcme := func(sql string, args ...any) (int64, error) {
		var n int64
		err := tenant.Run(aliceCtx, app, func(ctx context.Context, s *tenant.Scope) error {
			if strings.HasPrefix(sql, "SELECT") {
				return s.Querier().QueryRow(ctx, sql, args...).Scan(&n)
			}
			tag, err := s.Querier().Exec(ctx, sql, args...)
			n = tag.RowsAffected()
			return err
		})
		return n, err
	}

	_, err = asAcme(`INSERT INTO members (organization_id, user_id, roles) VALUES ($1, 'alice', '{owner}')`, string(globex.ID))
	requireSQLState(t, err, "42501", "joining another organization as its owner")
	_, err = orgs.ResolveTenant(ctx, "alice", globex.ID)
	require.ErrorIs(t, err, orgstore.ErrNotMember, "alice must not reach Globex's tenant")

	for _, table := range []string{"organizations", "members", "invitations", "organization_roles", "teams", "team_members", "users"} {
		n, err := asAcme("SELECT count(*) FROM " + table)
		require.NoError(t, err, table)
		require.Zero(t, n, "the application role reads no row of %s", table)
	}
	for _, write := range []string{
		`UPDATE invitations SET status = 'accepted'`,
		`UPDATE members SET roles = '{owner}'`,
		`UPDATE organizations SET slug = 'taken'`,
		`DELETE FROM members`,
		`DELETE FROM organization_roles`,
		`DELETE FROM users`,
	} {
		n, err := asAcme(write)
		require.NoError(t, err, write)
		require.Zero(t, n, "%s touches no row", write)
	}
	_, err = asAcme(`INSERT INTO users (id, name, email) VALUES ('mallory', 'Mallory', 'alice@acme.test')`)
	requireSQLState(t, err, "42501", "inserting a user")

	// The store is untouched and keeps working on its BYPASSRLS role.
	members, err := orgs.ListMembers(ctx, "bob", globex.ID, "", 10)
	require.NoError(t, err)
	require.Len(t, members, 1)
	require.Equal(t, "Bob", members[0].UserName)
	invs, err := orgs.ListInvitations(ctx, "bob", globex.ID, "")
	require.NoError(t, err)
	require.Len(t, invs, 1)
	require.Equal(t, orgstore.StatusPending, invs[0].Status)
}

// TestTenantCannotRewriteItsOrganization is issue 8, item 2: a tenant may
// update its own tenants row, but not its org_id — neither to adopt an
// organization that has no tenant yet nor to probe which organization ids
// exist (every refusal is the same, before the foreign key's check) — nor
// insert a tenant row naming an organization, nor change its key. The store's
// role still sets org_id when ResolveTenant adopts an organization another
// service made.
func TestTenantCannotRewriteItsOrganization(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	var plan string
	require.NoError(t, fx.admin.QueryRow(ctx, "SELECT id FROM plans LIMIT 1").Scan(&plan))
	orgs, err := store.New(tenant.NewSystemDB(storeRole(t, fx)), func(c *orgstore.Config) {
		c.TenantDefaults = map[string]any{"name": "Adopted", "plan_id": plan}
	})
	require.NoError(t, err)
	appPool, err := pgxpool.New(ctx, fx.db.AppURL)
	require.NoError(t, err)
	t.Cleanup(appPool.Close)
	app := tenant.NewDB(appPool)

	acme, _, err := orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Acme", Slug: "acme", Creator: "alice",
		Tenant: map[string]any{"name": "Acme", "plan_id": plan}})
	require.NoError(t, err)
	// An organization made by another service sharing the database: no tenant yet.
	var orphan string
	require.NoError(t, fx.admin.QueryRow(ctx, `INSERT INTO organizations (name, slug) VALUES ('Orphan', 'orphan') RETURNING id::text`).Scan(&orphan))
	_, err = fx.admin.Exec(ctx, `INSERT INTO members (organization_id, user_id, roles) VALUES ($1, 'olga', '{owner}')`, orphan)
	require.NoError(t, err)

	run := func(tid tenant.ID, sql string, args ...any) error {
		return tenant.Run(tenant.WithID(ctx, tid), app, func(ctx context.Context, s *tenant.Scope) error {
			_, err := s.Querier().Exec(ctx, sql, args...)
			return err
		})
	}
	adopt := run(acme.TenantID, `UPDATE tenants SET org_id = $1`, orphan)
	requireSQLState(t, adopt, "42501", "adopting an organization without a tenant")
	unknown := run(acme.TenantID, `UPDATE tenants SET org_id = $1`, "00000000-0000-4000-8000-0000000000ff")
	requireSQLState(t, unknown, "42501", "naming an organization that does not exist")
	require.Equal(t, adopt.Error(), unknown.Error(), "an existing and an unknown organization id are refused alike")
	requireSQLState(t, run(acme.TenantID, `UPDATE tenants SET org_id = NULL`), "42501", "unlinking the tenant")
	requireSQLState(t, run(acme.TenantID, `UPDATE tenants SET id = gen_random_uuid()`), "42501", "changing the tenant key")
	require.NoError(t, run(acme.TenantID, `UPDATE tenants SET name = 'Acme Inc', org_id = org_id`), "the rest of its row stays the tenant's")

	fresh := tenant.ID("00000000-0000-4000-8000-0000000000fe")
	requireSQLState(t, run(fresh, `INSERT INTO tenants (id, name, plan_id, org_id) VALUES ($1, 'Mine', $2, $3)`, string(fresh), plan, orphan),
		"42501", "creating a tenant for another organization")

	// The store's role adopts the organization for its member.
	tid, err := orgs.ResolveTenant(ctx, "olga", store.OrganizationID(orphan))
	require.NoError(t, err)
	var bridged string
	require.NoError(t, fx.admin.QueryRow(ctx, `SELECT org_id::text FROM tenants WHERE id = $1`, string(tid)).Scan(&bridged))
	require.Equal(t, orphan, bridged)
}

// requireSQLState asserts err is a server error with that SQLSTATE.
func requireSQLState(t *testing.T, err error, code, what string) {
	t.Helper()
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe, what)
	require.Equal(t, code, pe.Code, "%s: %v", what, err)
}

// TestBetterAuthServiceRoleKeepsAccess: in the Better Auth flavor the tables
// are shared with Better Auth's Node service, which connects as an ordinary
// role. Named in store.service_roles, that role still reads and writes every
// table the store locks (Better Auth's user, session, account and
// verification included); the application role, with the same blanket
// grants, reads no row of them and writes none.
func TestBetterAuthServiceRoleKeepsAccess(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("../generator/testdata/store-better-auth/input")))
	db := pgtest.NewDatabase(t)
	service := db.Name + "_better_auth"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), []byte(
		"version: 1\nstore:\n  enabled: true\n  flavor: better-auth\n  service_roles: ["+service+"]\n"), 0o644))
	res, err := generator.Run(t.Context(), generator.Options{Dir: dir})
	require.NoError(t, err)

	admin := pgtest.Connect(t, db.AdminURL)
	_, err = admin.Exec(ctx, "CREATE ROLE "+service+" LOGIN NOSUPERUSER NOBYPASSRLS")
	require.NoError(t, err)
	t.Cleanup(func() {
		conn := pgtest.Connect(t, db.AdminURL)
		_, err := conn.Exec(context.Background(), "DROP OWNED BY "+service+"; DROP ROLE "+service)
		require.NoError(t, err)
	})
	for _, f := range res.Sources {
		db.Exec(t, db.OwnerURL, f.SQL)
	}
	for _, f := range res.Files {
		if strings.HasPrefix(f.Path, res.Config.Migrations.Dir+"/") && !strings.HasSuffix(f.Path, ".down.sql") {
			db.Exec(t, db.OwnerURL, source.Parse(f.Path, f.Content).SQL)
		}
	}
	db.GrantApp(t)
	db.Exec(t, db.OwnerURL, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "+service)

	u, err := url.Parse(db.AdminURL)
	require.NoError(t, err)
	u.User = url.User(service)
	ba := pgtest.Connect(t, u.String())
	for _, sql := range []string{
		`INSERT INTO "user" (id, name, email, "emailVerified") VALUES ('u1', 'Ann', 'ann@acme.test', true)`,
		`INSERT INTO session (id, "expiresAt", token, "updatedAt", "userId") VALUES ('s1', now() + interval '1 day', 't1', now(), 'u1')`,
		`INSERT INTO organization (id, name, slug, "createdAt") VALUES ('o1', 'Acme', 'acme', now())`,
		`INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ('m1', 'o1', 'u1', 'owner', now())`,
		`INSERT INTO invitation (id, "organizationId", email, role, status, "expiresAt", "inviterId") VALUES ('i1', 'o1', 'bo@acme.test', 'member', 'pending', now() + interval '2 days', 'u1')`,
		`UPDATE invitation SET status = 'canceled' WHERE id = 'i1'`,
	} {
		_, err := ba.Exec(ctx, sql)
		require.NoError(t, err, "Better Auth's service: %s", sql)
	}
	var n int
	require.NoError(t, ba.QueryRow(ctx, `SELECT count(*) FROM member`).Scan(&n))
	require.Equal(t, 1, n, "Better Auth's service reads the members")

	appConn := pgtest.Connect(t, db.AppURL)
	inTenant := func(sql string) (int64, error) {
		tx, err := appConn.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx)
		_, err = tx.Exec(ctx, "SELECT set_config('app.tenant_id', gen_random_uuid()::text, true)")
		require.NoError(t, err)
		if strings.HasPrefix(sql, "SELECT") {
			var n int64
			return n, tx.QueryRow(ctx, sql).Scan(&n)
		}
		tag, err := tx.Exec(ctx, sql)
		return tag.RowsAffected(), err
	}
	for _, table := range []string{`"user"`, "session", "account", "verification", "organization", "member", "invitation", "team", `"teamMember"`, `"organizationRole"`} {
		n, err := inTenant("SELECT count(*) FROM " + table)
		require.NoError(t, err, table)
		require.Zero(t, n, "the application role reads no row of %s", table)
	}
	n64, err := inTenant(`UPDATE member SET role = 'owner'`)
	require.NoError(t, err)
	require.Zero(t, n64)
	_, err = inTenant(`INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ('m2', 'o1', 'u2', 'owner', now())`)
	requireSQLState(t, err, "42501", "joining an organization as the application role")
}

// TestSubdomainResolvesMembers is issue 8, item 9: tenant.Subdomain passes
// the subdomain's label, a slug. With store.MembersBySlug a member of
// acme gets acme's tenant on acme.example.com; a non-member and an unknown
// slug get 403 alike. (store.Members, which takes organization ids, answered
// 403 to the member.)
func TestSubdomainResolvesMembers(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	var plan string
	require.NoError(t, fx.admin.QueryRow(ctx, "SELECT id FROM plans LIMIT 1").Scan(&plan))
	orgs, err := store.New(tenant.NewSystemDB(storeRole(t, fx)))
	require.NoError(t, err)
	acme, _, err := orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Acme", Slug: "acme", Creator: "alice",
		Tenant: map[string]any{"name": "Acme", "plan_id": plan}})
	require.NoError(t, err)
	_, _, err = orgs.CreateOrganization(ctx, store.NewOrganization{Name: "Globex", Slug: "globex", Creator: "bob",
		Tenant: map[string]any{"name": "Globex", "plan_id": plan}})
	require.NoError(t, err)

	mw := &tenant.Middleware{Resolvers: []tenant.Resolver{tenant.Subdomain("example.com", sessions{}, store.MembersBySlug(orgs))}}
	handler := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := tenant.IDFrom(r.Context())
		w.Write([]byte(id))
	}))
	for _, c := range []struct {
		user, host string
		status     int
	}{
		{"alice", "acme.example.com", http.StatusOK},
		{"alice", "ACME.example.com:8443", http.StatusOK},
		{"bob", "acme.example.com", http.StatusForbidden},
		{"alice", "globex.example.com", http.StatusForbidden},
		{"alice", "nope.example.com", http.StatusForbidden},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "http://"+c.host+"/", nil)
		req.Header.Set("X-User", c.user)
		handler.ServeHTTP(rec, req)
		require.Equal(t, c.status, rec.Code, "%s at %s", c.user, c.host)
		if c.status == http.StatusOK {
			require.Equal(t, string(acme.TenantID), rec.Body.String())
		}
	}
}
