package adversarial_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/orgstore"
)

// Item 1: from inside Acme's own tenant transaction, Mallory writes herself
// into Globex as an owner, then asks the store for Globex's tenant; and she
// reads every organization's members, invitations, roles and users. The
// store's tables are locked to the store's role: every write is refused,
// every read sees nothing, and the store still answers "not a member".
func TestStoreTablesUnreachableFromTenant(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, _, err := w.orgs.Invite(ctx, "bob", w.globex.ID, store.NewInvitation{Email: "carol@globex.test", Roles: []string{"member"}})
	require.NoError(t, err)
	require.NoError(t, w.orgs.CreateRole(ctx, "bob", w.globex.ID, "auditor", []orgstore.Permission{"member:update"}))

	for _, attack := range []struct {
		name, sql string
		args      []any
	}{
		{"join another organization as owner", "INSERT INTO members (organization_id, user_id, roles) VALUES ($1, 'mallory', '{owner}')", []any{string(w.globex.ID)}},
		{"promote herself", "UPDATE members SET roles = '{owner}' WHERE user_id = 'mallory'", nil},
		{"take over an invitation", "UPDATE invitations SET email = 'mallory@acme.test'", nil},
		{"delete another organization's members", "DELETE FROM members WHERE organization_id = $1", []any{string(w.globex.ID)}},
		{"grant a role every permission", "UPDATE organization_roles SET permissions = '{organization:delete}'", nil},
		{"rename an organization", "UPDATE organizations SET name = 'pwned'", nil},
		{"rewrite a user's email", "UPDATE users SET email = 'mallory@evil.test' WHERE id = 'bob'", nil},
	} {
		t.Run(attack.name, func(t *testing.T) {
			err := w.inTenant(w.acmeCtx, attack.sql, attack.args...)
			if err == nil {
				// A write that found no row to change is refused too.
				var changed bool
				require.NoError(t, w.admin.QueryRow(ctx, `SELECT
					EXISTS (SELECT FROM members WHERE user_id = 'mallory' AND 'owner' = ANY (roles))
					OR EXISTS (SELECT FROM invitations WHERE email = 'mallory@acme.test')
					OR NOT EXISTS (SELECT FROM members WHERE organization_id = $1)
					OR EXISTS (SELECT FROM organization_roles WHERE 'organization:delete' = ANY (permissions))
					OR EXISTS (SELECT FROM organizations WHERE name = 'pwned')
					OR EXISTS (SELECT FROM users WHERE email = 'mallory@evil.test')`, string(w.globex.ID)).Scan(&changed))
				assert.False(t, changed, "the write changed the store's tables")
			}
		})
	}
	_, err = w.orgs.ResolveTenant(ctx, "mallory", w.globex.ID)
	require.ErrorIs(t, err, orgstore.ErrNotMember)

	for _, table := range []string{"organizations", "members", "invitations", "organization_roles", "teams", "team_members", "users"} {
		assert.Zero(t, w.countInTenant(t, w.acmeCtx, "SELECT * FROM "+table), "%s is readable by a tenant", table)
	}
}

// Item 2: the root policy lets a tenant update its own tenants row. Mallory
// points Acme's tenant at Globex's organization (or at one with no tenant
// yet, to adopt it), and uses the foreign key error as an oracle for which
// organization ids exist. The bridge column does not change for the app role,
// and a made-up id and a real one are refused alike.
func TestBridgeImmutableForTenant(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var orphan string // an organization made by another service, no tenant yet
	require.NoError(t, w.admin.QueryRow(ctx, "INSERT INTO organizations (name, slug) VALUES ('Initech', 'initech') RETURNING id::text").Scan(&orphan))

	errReal := w.inTenant(w.acmeCtx, "UPDATE tenants SET org_id = $1", orphan)
	errMadeUp := w.inTenant(w.acmeCtx, "UPDATE tenants SET org_id = gen_random_uuid()")
	errNull := w.inTenant(w.acmeCtx, "UPDATE tenants SET org_id = NULL")
	require.Error(t, errReal, "a tenant adopted an organization")
	require.Error(t, errMadeUp)
	require.Error(t, errNull)
	assert.Equal(t, sqlstate(errReal), sqlstate(errMadeUp), "the error tells a real organization id from a made-up one: %v / %v", errReal, errMadeUp)
	errKey := w.inTenant(w.acmeCtx, "UPDATE tenants SET id = gen_random_uuid()")
	require.Error(t, errKey, "the root's key moved")

	var bridged string
	require.NoError(t, w.admin.QueryRow(ctx, "SELECT org_id::text FROM tenants WHERE id = $1", string(w.acme.TenantID)).Scan(&bridged))
	assert.Equal(t, string(w.acme.ID), bridged)

	// The store's own role still bridges an organization it did not make.
	_, err := w.admin.Exec(ctx, "INSERT INTO members (organization_id, user_id, roles) VALUES ($1, 'alice', '{owner}')", orphan)
	require.NoError(t, err)
	orgs, err := store.New(w.sys, func(c *orgstore.Config) { c.TenantDefaults = map[string]any{"name": "Initech", "plan_id": "free"} })
	require.NoError(t, err)
	tid, err := orgs.ResolveTenant(ctx, "alice", store.OrganizationID(orphan))
	require.NoError(t, err)
	require.NotEmpty(t, tid)
}

// Item 8: the store's own rules, attacked through its API.
func TestStoreRulesHoldAgainstHostileMembers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	t.Run("cancel is no existence oracle", func(t *testing.T) {
		inv, _, err := w.orgs.Invite(ctx, "bob", w.globex.ID, store.NewInvitation{Email: "carol@globex.test", Roles: []string{"member"}})
		require.NoError(t, err)
		errOther := w.orgs.CancelInvitation(ctx, "alice", inv.ID)
		const unknown = "00000000-0000-4000-8000-000000000000"
		errUnknown := w.orgs.CancelInvitation(ctx, "alice", store.InvitationID(unknown))
		require.Error(t, errOther)
		require.Error(t, errUnknown)
		// Alike but for the id the caller passed.
		assert.Equal(t, strings.ReplaceAll(errUnknown.Error(), unknown, "<id>"), strings.ReplaceAll(errOther.Error(), string(inv.ID), "<id>"),
			"another organization's invitation answers unlike an unknown one")
		assert.NotContains(t, errOther.Error(), string(w.globex.ID), "the answer names the other organization")
	})

	t.Run("look-alike email does not accept", func(t *testing.T) {
		_, token, err := w.orgs.Invite(ctx, "alice", w.acme.ID, store.NewInvitation{Email: "kate@acme.test", Roles: []string{"member"}})
		require.NoError(t, err)
		for _, lookalike := range []string{"\u212Aate@acme.test", "\uff4bate@acme.test"} { // KELVIN SIGN, FULLWIDTH k
			_, err = w.orgs.AcceptInvitation(ctx, "mallory", lookalike, token)
			require.Error(t, err, "%q accepted kate's invitation", lookalike)
		}
		_, _, err = w.orgs.Invite(ctx, "alice", w.acme.ID, store.NewInvitation{Email: "\u017Fam@acme.test", Roles: []string{"member"}}) // LONG S
		require.Error(t, err, "an address whose case folding is not ASCII lower-casing is refused")
		_, err = w.orgs.AcceptInvitation(ctx, "kate", "Kate@ACME.test", token)
		require.NoError(t, err, "plain ASCII case differences still match")
	})

	t.Run("a deleted role cannot come back stronger", func(t *testing.T) {
		require.NoError(t, w.orgs.CreateRole(ctx, "bob", w.globex.ID, "viewer", nil))
		_, token, err := w.orgs.Invite(ctx, "bob", w.globex.ID, store.NewInvitation{Email: "mallory@acme.test", Roles: []string{"viewer"}})
		require.NoError(t, err)
		// Blocked while the invitation names it: it cannot be re-created
		// stronger under the invitee's feet.
		require.ErrorIs(t, w.orgs.DeleteRole(ctx, "bob", w.globex.ID, "viewer"), orgstore.ErrRoleInUse)
		_, err = w.orgs.AcceptInvitation(ctx, "mallory", "mallory@acme.test", token)
		require.NoError(t, err)
		_, err = w.orgs.UpdateOrganization(ctx, "mallory", w.globex.ID, orgstore.OrganizationChanges{Name: ptr("pwned")})
		require.ErrorIs(t, err, orgstore.ErrForbidden, "a viewer updates the organization")
	})
}

func ptr[T any](v T) *T { return &v }
