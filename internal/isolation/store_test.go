package isolation_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/db"
	"github.com/tenantc/tenantc/gen/store"
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
