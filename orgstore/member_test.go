package orgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// The custom roles of Config the tests use: each grants one thing.
var testRoles = map[string][]Permission{
	"teams":  {TeamCreate},
	"people": {MemberCreate},
}

func TestAddMember(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{Roles: testRoles})
		owner, admin, member, dave := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "member"), fx.user(t, "dave")
		org := fx.org(t, s, owner)

		m, err := s.AddMember(ctx, owner, org.ID, admin, []string{RoleAdmin})
		require.NoError(t, err)
		assert.Equal(t, admin, m.UserID)
		assert.Equal(t, org.ID, m.OrganizationID)
		assert.Equal(t, []string{RoleAdmin}, m.Roles)
		assert.NotEmpty(t, m.ID)
		assert.False(t, m.CreatedAt.IsZero())

		m, err = s.AddMember(ctx, admin, org.ID, member, nil)
		require.NoError(t, err)
		assert.Equal(t, []string{RoleMember}, m.Roles, "member by default")
		if flavor == flavorBetterAuth {
			assert.Equal(t, "member", m.UserName)
			assert.Equal(t, fx.email(member), m.UserEmail)
		}

		// Duplicates are refused, whoever asks and with whatever roles.
		_, err = s.AddMember(ctx, owner, org.ID, member, []string{RoleAdmin})
		assert.ErrorIs(t, err, ErrAlreadyMember)
		assert.Equal(t, 1, fx.countWhere(t, fx.Schema.Members.Table, fx.Schema.Members.UserID, string(member)))

		// Permissions and grants.
		_, err = s.AddMember(ctx, member, org.ID, dave, nil)
		assert.ErrorIs(t, err, ErrForbidden, "member lacks member:create")
		_, err = s.AddMember(ctx, admin, org.ID, dave, []string{RoleOwner})
		assert.ErrorIs(t, err, ErrForbidden, "only an owner grants owner")
		_, err = s.AddMember(ctx, admin, org.ID, dave, []string{"no-such-role"})
		assert.ErrorIs(t, err, ErrUnknownRole)
		_, err = s.AddMember(ctx, admin, org.ID, dave, []string{"a,b"})
		assert.ErrorIs(t, err, ErrUnknownRole)
		m, err = s.AddMember(ctx, owner, org.ID, dave, []string{RoleOwner, RoleAdmin, RoleOwner})
		require.NoError(t, err)
		assert.Equal(t, []string{RoleOwner, RoleAdmin}, m.Roles, "deduplicated")

		// A holder of member:create may grant only what it holds.
		pat := fx.user(t, "pat")
		_, err = s.AddMember(ctx, owner, org.ID, pat, []string{"people"})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, pat, org.ID, fx.user(t, "x"), []string{"teams"})
		assert.ErrorIs(t, err, ErrForbidden, "pat lacks team:create")
		_, err = s.AddMember(ctx, pat, org.ID, fx.user(t, "y"), []string{"people"})
		assert.NoError(t, err)
		_, err = s.AddMember(ctx, pat, org.ID, fx.user(t, "z"), []string{RoleAdmin})
		assert.ErrorIs(t, err, ErrForbidden, "admin grants more than pat holds")

		if flavor == flavorBetterAuth {
			_, err = s.AddMember(ctx, owner, org.ID, "no-such-user", nil)
			assert.ErrorIs(t, err, ErrNotFound, "member.userId references user")
		}
	})
}

// TestPermissionsCombineRoles: a member holds what any of its roles grants —
// Better Auth checks one role at a time.
func TestPermissionsCombineRoles(t *testing.T) {
	s := &testStore{cfg: Config{Roles: testRoles}}
	assert.True(t, s.HasPermission([]string{"teams", "people"}, TeamCreate, nil))
	assert.True(t, s.HasPermission([]string{"teams", "people"}, MemberCreate, nil))
	assert.False(t, s.HasPermission([]string{"teams", "people"}, MemberDelete, nil))
	assert.True(t, s.HasPermission([]string{RoleMember, RoleAdmin}, MemberDelete, nil))
	assert.False(t, s.HasPermission([]string{RoleAdmin}, OrganizationDelete, nil))
	assert.True(t, s.HasPermission([]string{RoleOwner}, OrganizationDelete, nil))
	assert.False(t, s.HasPermission([]string{"unknown"}, TeamCreate, nil))

	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{Roles: testRoles})
		owner, both, teamsOnly := fx.user(t, "owner"), fx.user(t, "both"), fx.user(t, "teamsonly")
		org := fx.org(t, s, owner)
		_, err := s.AddMember(ctx, owner, org.ID, both, []string{"teams", "people"})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, teamsOnly, []string{"teams"})
		require.NoError(t, err)

		// Config roles: both statements, through the store's own checks.
		_, err = s.CreateTeam(ctx, both, org.ID, "t1")
		assert.NoError(t, err)
		_, err = s.AddMember(ctx, both, org.ID, fx.user(t, "new"), nil)
		assert.NoError(t, err)
		_, err = s.CreateTeam(ctx, teamsOnly, org.ID, "t2")
		assert.NoError(t, err)
		_, err = s.AddMember(ctx, teamsOnly, org.ID, fx.user(t, "new2"), nil)
		assert.ErrorIs(t, err, ErrForbidden)

		// The organization's own custom roles combine the same way.
		require.NoError(t, s.CreateRole(ctx, owner, org.ID, "deleter", []Permission{TeamDelete}))
		require.NoError(t, s.CreateRole(ctx, owner, org.ID, "renamer", []Permission{TeamUpdate}))
		custom := fx.user(t, "custom")
		_, err = s.AddMember(ctx, owner, org.ID, custom, []string{"deleter", "renamer"})
		require.NoError(t, err)
		team, err := s.CreateTeam(ctx, owner, org.ID, "t3")
		require.NoError(t, err)
		_, err = s.UpdateTeam(ctx, custom, team.ID, "t3-renamed")
		assert.NoError(t, err, "renamer grants team:update")
		assert.NoError(t, s.DeleteTeam(ctx, custom, team.ID), "deleter grants team:delete")
		_, err = s.CreateTeam(ctx, custom, org.ID, "t4")
		assert.ErrorIs(t, err, ErrForbidden, "neither grants team:create")
	})
}

func TestCustomRoles(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{Roles: testRoles})
		owner, admin, member, stranger := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "member"), fx.user(t, "stranger")
		org := fx.org(t, s, owner)
		other := fx.org(t, s, stranger)
		_, err := s.AddMember(ctx, owner, org.ID, admin, []string{RoleAdmin})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, member, nil)
		require.NoError(t, err)

		require.NoError(t, s.CreateRole(ctx, admin, org.ID, "manager", []Permission{MemberUpdate, MemberCreate, MemberCreate}))
		roles := fx.Schema.Roles
		var stored string
		require.NoError(t, fx.Admin.QueryRow(ctx, fmt.Sprintf("SELECT %s::text FROM %s WHERE %s = $1 AND %s = 'manager'",
			ident(roles.Permissions), ident(roles.Table), ident(roles.OrganizationID), ident(roles.Role)), string(org.ID)).Scan(&stored))
		if flavor == flavorBetterAuth {
			assert.JSONEq(t, `{"member":["create","update"]}`, stored, "Better Auth's resource → actions")
		} else {
			assert.Equal(t, "{member:create,member:update}", stored)
		}

		assert.ErrorIs(t, s.CreateRole(ctx, admin, org.ID, "manager", nil), ErrNameTaken)
		assert.ErrorIs(t, s.CreateRole(ctx, admin, org.ID, "gods", []Permission{OrganizationDelete}), ErrForbidden,
			"admin does not hold organization:delete")
		for _, reserved := range []string{RoleOwner, RoleAdmin, RoleMember, "teams"} {
			assert.ErrorIs(t, s.CreateRole(ctx, owner, org.ID, reserved, nil), ErrForbidden, reserved)
		}
		assert.ErrorIs(t, s.CreateRole(ctx, owner, org.ID, "odd", []Permission{"organization:steal"}), ErrUnknownPermission)
		assert.ErrorIs(t, s.CreateRole(ctx, owner, org.ID, "a,b", nil), ErrUnknownRole)
		assert.ErrorIs(t, s.CreateRole(ctx, member, org.ID, "mine", nil), ErrForbidden)
		assert.ErrorIs(t, s.CreateRole(ctx, member, other.ID, "mine", nil), ErrNotMember)

		// A manager grants only what it holds, also into new roles.
		mgr := fx.user(t, "mgr")
		_, err = s.AddMember(ctx, owner, org.ID, mgr, []string{"manager"})
		require.NoError(t, err)
		assert.ErrorIs(t, s.CreateRole(ctx, mgr, org.ID, "builder", []Permission{TeamCreate}), ErrForbidden)
		require.NoError(t, s.CreateRole(ctx, mgr, org.ID, "recruiter", []Permission{MemberCreate}))
		_, err = s.UpdateMemberRoles(ctx, mgr, org.ID, member, []string{RoleMember, "recruiter"})
		require.NoError(t, err)
		_, err = s.UpdateMemberRoles(ctx, mgr, org.ID, member, []string{RoleAdmin})
		assert.ErrorIs(t, err, ErrForbidden)

		// The role's name is the organization's own: another organization
		// does not know it.
		_, err = s.AddMember(ctx, stranger, other.ID, fx.user(t, "r"), []string{"recruiter"})
		assert.ErrorIs(t, err, ErrUnknownRole)

		// Deleting: not while held, not unknown ones.
		assert.ErrorIs(t, s.DeleteRole(ctx, admin, org.ID, "recruiter"), ErrRoleInUse)
		assert.ErrorIs(t, s.DeleteRole(ctx, admin, org.ID, "nope"), ErrUnknownRole)
		assert.ErrorIs(t, s.DeleteRole(ctx, member, org.ID, "recruiter"), ErrForbidden)
		_, err = s.UpdateMemberRoles(ctx, admin, org.ID, member, []string{RoleMember})
		require.NoError(t, err)
		require.NoError(t, s.DeleteRole(ctx, admin, org.ID, "recruiter"))
		assert.ErrorIs(t, s.DeleteRole(ctx, admin, org.ID, "recruiter"), ErrUnknownRole)
		_, err = s.AddMember(ctx, admin, org.ID, fx.user(t, "late"), []string{"recruiter"})
		assert.ErrorIs(t, err, ErrUnknownRole)

		// Without the table.
		sc := fx.Schema
		sc.Roles = RolesTable{}
		plain := fx.store(t, Config{Schema: sc})
		assert.ErrorIs(t, plain.CreateRole(ctx, owner, org.ID, "x", nil), ErrNoCustomRoles)
	})
}

// TestOwnerRules: only an owner touches an owner or grants owner.
// TestDeleteRoleNamedByInvitation: a custom role a pending invitation names
// cannot be deleted, so it cannot be re-created with more permissions for
// the invitee to receive on accepting. Once the invitation is canceled, it
// can.
func TestDeleteRoleNamedByInvitation(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		require.NoError(t, s.CreateRole(ctx, owner, org.ID, "viewer", nil))
		inv, token := invite(t, s, owner, org.ID, "eve@example.com", "viewer")

		require.ErrorIs(t, s.DeleteRole(ctx, owner, org.ID, "viewer"), ErrRoleInUse)
		// Had the deletion gone through, this would make "viewer" an admin in all but name.
		require.ErrorIs(t, s.CreateRole(ctx, owner, org.ID, "viewer", []Permission{MemberDelete, InvitationCreate}), ErrNameTaken)
		eve, err := s.AcceptInvitation(ctx, fx.user(t, "eve"), "eve@example.com", token)
		require.NoError(t, err)
		require.Equal(t, []string{"viewer"}, eve.Roles)
		_, _, err = s.Invite(ctx, eve.UserID, org.ID, NewInvitation[TeamID]{Email: "x@example.com"})
		require.ErrorIs(t, err, ErrForbidden, "the invitee holds what the role granted when invited: nothing")

		// The invitation canceled (or accepted, and the member's role changed), the role goes.
		inv2, _ := invite(t, s, owner, org.ID, "fay@example.com", "viewer")
		require.NoError(t, s.CancelInvitation(ctx, owner, inv2.ID))
		_, err = s.UpdateMemberRoles(ctx, owner, org.ID, eve.UserID, []string{RoleMember})
		require.NoError(t, err)
		require.NoError(t, s.DeleteRole(ctx, owner, org.ID, "viewer"))
		_ = inv
	})
}

// TestBuiltinRolesWin: in the Better Auth flavor another service may write an
// organizationRole row named like a built-in role; the built-in's grants
// stay (a "member" row granting organization:delete grants a member nothing).
func TestBuiltinRolesWin(t *testing.T) {
	ctx := context.Background()
	s, fx := newTestStore(t, flavorBetterAuth, Config{})
	owner, admin, plain := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "plain")
	org := fx.org(t, s, owner)
	fx.addMembers(t, org.ID, []UserID{admin}, RoleAdmin)
	fx.addMembers(t, org.ID, []UserID{plain}, RoleMember)
	for _, role := range []string{RoleMember, RoleAdmin} {
		fx.exec(t, `INSERT INTO "organizationRole" (id, "organizationId", role, permission, "createdAt") VALUES ($1, $2, $3, $4, now())`,
			newTestID(), string(org.ID), role, `{"organization":["update","delete"],"member":["create","update","delete"],"invitation":["create"]}`)
	}
	require.ErrorIs(t, s.RemoveMember(ctx, plain, org.ID, admin), ErrForbidden, "a member removes no one")
	_, _, err := s.Invite(ctx, plain, org.ID, NewInvitation[TeamID]{Email: "x@example.com"})
	require.ErrorIs(t, err, ErrForbidden, "a member invites no one")
	require.ErrorIs(t, s.DeleteOrganization(ctx, admin, org.ID), ErrForbidden, "an admin does not delete the organization")
	for _, reserved := range []string{RoleMember, RoleAdmin, RoleOwner} {
		require.ErrorIs(t, s.CreateRole(ctx, owner, org.ID, reserved, nil), ErrForbidden, reserved)
	}
}

func TestOwnerRules(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, owner2, admin, member := fx.user(t, "owner"), fx.user(t, "owner2"), fx.user(t, "admin"), fx.user(t, "member")
		org := fx.org(t, s, owner)
		_, err := s.AddMember(ctx, owner, org.ID, owner2, []string{RoleOwner})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, admin, []string{RoleAdmin})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, member, nil)
		require.NoError(t, err)

		assert.ErrorIs(t, s.RemoveMember(ctx, admin, org.ID, owner2), ErrForbidden, "admin removes an owner")
		_, err = s.UpdateMemberRoles(ctx, admin, org.ID, owner2, []string{RoleMember})
		assert.ErrorIs(t, err, ErrForbidden, "admin demotes an owner")
		_, err = s.UpdateMemberRoles(ctx, admin, org.ID, owner2, []string{RoleOwner, RoleAdmin})
		assert.ErrorIs(t, err, ErrForbidden, "admin changes an owner's roles at all")
		_, err = s.UpdateMemberRoles(ctx, admin, org.ID, member, []string{RoleOwner})
		assert.ErrorIs(t, err, ErrForbidden, "admin grants owner")
		_, err = s.UpdateMemberRoles(ctx, admin, org.ID, admin, []string{RoleOwner})
		assert.ErrorIs(t, err, ErrForbidden, "admin promotes itself")
		assert.ErrorIs(t, s.RemoveMember(ctx, member, org.ID, admin), ErrForbidden, "member lacks member:delete")
		_, err = s.UpdateMemberRoles(ctx, member, org.ID, member, []string{RoleAdmin})
		assert.ErrorIs(t, err, ErrForbidden, "member lacks member:update")

		m, err := s.UpdateMemberRoles(ctx, admin, org.ID, member, []string{RoleAdmin})
		require.NoError(t, err)
		assert.Equal(t, []string{RoleAdmin}, m.Roles)
		m, err = s.UpdateMemberRoles(ctx, owner, org.ID, member, []string{RoleOwner})
		require.NoError(t, err)
		assert.Equal(t, []string{RoleOwner}, m.Roles)
		got, err := s.GetMember(ctx, admin, org.ID, member)
		require.NoError(t, err)
		assert.Equal(t, []string{RoleOwner}, got.Roles)
		_, err = s.UpdateMemberRoles(ctx, owner, org.ID, member, nil)
		assert.ErrorIs(t, err, ErrUnknownRole, "no roles")

		require.NoError(t, s.RemoveMember(ctx, owner, org.ID, owner2), "an owner removes an owner")
		assert.ErrorIs(t, s.RemoveMember(ctx, admin, org.ID, fx.user(t, "ghost")), ErrNotFound)
		require.NoError(t, s.RemoveMember(ctx, admin, org.ID, admin), "an admin removes itself")
		_, err = s.GetMember(ctx, owner, org.ID, admin)
		assert.ErrorIs(t, err, ErrNotFound)
		assert.ErrorIs(t, s.RemoveMember(ctx, owner, org.ID, admin), ErrNotFound)
	})
}

// TestLastOwner: the last owner can be neither removed, nor demoted, nor
// leave.
func TestLastOwner(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, owner2, member := fx.user(t, "owner"), fx.user(t, "owner2"), fx.user(t, "member")
		org := fx.org(t, s, owner)
		_, err := s.AddMember(ctx, owner, org.ID, member, nil)
		require.NoError(t, err)

		assert.ErrorIs(t, s.RemoveMember(ctx, owner, org.ID, owner), ErrLastOwner)
		_, err = s.UpdateMemberRoles(ctx, owner, org.ID, owner, []string{RoleAdmin})
		assert.ErrorIs(t, err, ErrLastOwner)
		assert.ErrorIs(t, s.Leave(ctx, owner, org.ID), ErrLastOwner)
		// Keeping owner among other roles is no demotion.
		m, err := s.UpdateMemberRoles(ctx, owner, org.ID, owner, []string{RoleOwner, RoleAdmin})
		require.NoError(t, err)
		assert.Equal(t, []string{RoleOwner, RoleAdmin}, m.Roles)

		// With a second owner each of these works.
		_, err = s.AddMember(ctx, owner, org.ID, owner2, []string{RoleOwner})
		require.NoError(t, err)
		_, err = s.UpdateMemberRoles(ctx, owner, org.ID, owner, []string{RoleAdmin})
		require.NoError(t, err)
		assert.ErrorIs(t, s.Leave(ctx, owner2, org.ID), ErrLastOwner, "owner2 is the last one now")
		require.NoError(t, s.Leave(ctx, owner, org.ID), "an admin leaves")
		require.NoError(t, s.Leave(ctx, member, org.ID))
		assert.ErrorIs(t, s.Leave(ctx, member, org.ID), ErrNotMember)
		list, err := s.ListMembers(ctx, owner2, org.ID, "", 0)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, owner2, list[0].UserID)
	})
}

// TestLastTwoOwnersRace: two owners remove each other (or themselves, or
// demote each other) at the same moment. Exactly one request wins and one
// owner remains. A before hook sleeps inside each transaction, after the
// owners were counted, so that without the organization's lock both would
// count two owners and both would succeed.
func TestLastTwoOwnersRace(t *testing.T) {
	const iterations = 50
	type op func(ctx context.Context, s *testStore, org OrgID, me, other UserID) error
	// lose lists what the losing request may return: the last owner, or,
	// when the winner removed or demoted the loser first, that the loser is
	// no longer a member or no longer an owner.
	variants := []struct {
		name string
		lose []error
		op   op
	}{
		{"remove each other", []error{ErrLastOwner, ErrNotMember}, func(ctx context.Context, s *testStore, org OrgID, me, other UserID) error {
			return s.RemoveMember(ctx, me, org, other)
		}},
		{"remove themselves", []error{ErrLastOwner}, func(ctx context.Context, s *testStore, org OrgID, me, other UserID) error {
			return s.RemoveMember(ctx, me, org, me)
		}},
		{"leave", []error{ErrLastOwner}, func(ctx context.Context, s *testStore, org OrgID, me, other UserID) error {
			return s.Leave(ctx, me, org)
		}},
		{"demote each other", []error{ErrLastOwner, ErrForbidden}, func(ctx context.Context, s *testStore, org OrgID, me, other UserID) error {
			_, err := s.UpdateMemberRoles(ctx, me, org, other, []string{RoleAdmin})
			return err
		}},
		{"demote themselves", []error{ErrLastOwner}, func(ctx context.Context, s *testStore, org OrgID, me, other UserID) error {
			_, err := s.UpdateMemberRoles(ctx, me, org, me, []string{RoleMember})
			return err
		}},
	}
	forEachFlavor(t, func(t *testing.T, flavor string) {
		slow := Hooks{Before: []Hook{func(ctx context.Context, e *Event) error {
			switch e.Op {
			case OpRemoveMember, OpLeave, OpUpdateMemberRoles:
				time.Sleep(2 * time.Millisecond)
			}
			return nil
		}}}
		s, fx := newTestStore(t, flavor, Config{Hooks: slow})
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				ctx := context.Background()
				for i := range iterations {
					a, b := fx.user(t, "a"), fx.user(t, "b")
					org := fx.org(t, s, a)
					_, err := s.AddMember(ctx, a, org.ID, b, []string{RoleOwner})
					require.NoError(t, err)

					start := make(chan struct{})
					var wg sync.WaitGroup
					errs := make([]error, 2)
					for j, pair := range [][2]UserID{{a, b}, {b, a}} {
						wg.Go(func() {
							<-start
							errs[j] = v.op(ctx, s, org.ID, pair[0], pair[1])
						})
					}
					close(start)
					wg.Wait()

					var wins int
					for _, err := range errs {
						if err == nil {
							wins++
							continue
						}
						if !slices.ContainsFunc(v.lose, func(e error) bool { return errors.Is(err, e) }) {
							t.Errorf("iteration %d: unexpected error %v", i, err)
						}
					}
					owners := fx.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s",
						ident(fx.Schema.Members.Table), ident(fx.Schema.Members.OrganizationID), ownerPredicate(fx.Schema, "")), string(org.ID))
					if wins != 1 || owners != 1 {
						t.Fatalf("iteration %d: %d requests won (want 1), %d owners remain (want 1); errors %v", i, wins, owners, errs)
					}
				}
			})
		}
	})
}

// TestMaxMembers: members plus pending, unexpired invitations count against
// the limit, also under concurrent adds.
func TestMaxMembers(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		now := time.Now()
		s, fx := newTestStore(t, flavor, Config{MaxMembers: 4, Now: func() time.Time { return now }})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		seats := func() int {
			t.Helper()
			var n int
			require.NoError(t, tenant.System(ctx, fx.System, func(ctx context.Context, sc *tenant.Scope) error {
				var err error
				n, err = s.seatsUsed(ctx, sc.Querier(), string(org.ID))
				return err
			}))
			return n
		}
		assert.Equal(t, 1, seats())

		// A pending invitation takes a seat; expired, rejected or accepted
		// ones do not.
		invite := func(email string, status InvitationStatus, expires time.Time) {
			fx.insertInvitation(t, org.ID, owner, email, status, expires)
		}
		invite("pending@example.com", StatusPending, now.Add(time.Hour))
		invite("expired@example.com", StatusPending, now.Add(-time.Minute))
		invite("rejected@example.com", StatusRejected, now.Add(time.Hour))
		invite("accepted@example.com", StatusAccepted, now.Add(time.Hour))
		assert.Equal(t, 2, seats())

		_, err := s.AddMember(ctx, owner, org.ID, fx.user(t, "m1"), nil)
		require.NoError(t, err)
		m2 := fx.user(t, "m2")
		_, err = s.AddMember(ctx, owner, org.ID, m2, nil)
		require.NoError(t, err)
		assert.Equal(t, 4, seats())
		_, err = s.AddMember(ctx, owner, org.ID, fx.user(t, "m3"), nil)
		assert.ErrorIs(t, err, ErrLimitReached)
		// An existing member is reported as such, not as over the limit.
		_, err = s.AddMember(ctx, owner, org.ID, m2, nil)
		assert.ErrorIs(t, err, ErrAlreadyMember)

		// Accepting an invitation changes its status first, so its seat
		// becomes the member's: addMemberTx then fits in the limit.
		fx.exec(t, fmt.Sprintf("UPDATE %s SET %s = 'accepted' WHERE %s = 'pending@example.com'",
			ident(fx.Schema.Invitations.Table), ident(fx.Schema.Invitations.Status), ident(fx.Schema.Invitations.Email)))
		assert.Equal(t, 3, seats())
		invitee := fx.user(t, "invitee")
		err = tenant.System(ctx, fx.System, func(ctx context.Context, sc *tenant.Scope) error {
			m, inserted, err := s.addMemberTx(ctx, sc.Querier(), string(invitee), string(org.ID), string(invitee), []string{RoleMember})
			assert.True(t, inserted)
			assert.Equal(t, invitee, m.UserID)
			return err
		})
		require.NoError(t, err)
		assert.Equal(t, 4, seats())

		// Concurrent adds to an organization with room for 3 more.
		big := fx.org(t, fx.store(t, Config{}), owner)
		limited := fx.store(t, Config{MaxMembers: 4})
		users := fx.users(t, "c", 12)
		var wg sync.WaitGroup
		errs := make([]error, len(users))
		for i, u := range users {
			wg.Go(func() { _, errs[i] = limited.AddMember(ctx, owner, big.ID, u, nil) })
		}
		wg.Wait()
		var ok int
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, ErrLimitReached)
			}
		}
		assert.Equal(t, 3, ok)
		assert.Equal(t, 4, fx.countWhere(t, fx.Schema.Members.Table, fx.Schema.Members.OrganizationID, string(big.ID)))
	})
}

// insertInvitation writes an invitation row directly, as the superuser.
func (fx *fixture) insertInvitation(t testing.TB, org OrgID, inviter UserID, email string, status InvitationStatus, expires time.Time) {
	t.Helper()
	i := fx.Schema.Invitations
	hash := make([]byte, 32)
	copy(hash, newTestID())
	cols := []string{i.OrganizationID, i.Email, i.Status, i.TokenHash, i.InviterID, i.ExpiresAt}
	vals := []any{string(org), email, string(status), hash, string(inviter), expires.UTC()}
	if fx.Flavor == flavorBetterAuth {
		cols = append(cols, i.ID, i.Role)
		vals = append(vals, newTestID(), RoleMember)
	}
	quoted := make([]string, len(cols))
	params := make([]string, len(cols))
	for n, c := range cols {
		quoted[n] = ident(c)
		params[n] = fmt.Sprintf("$%d", n+1)
	}
	fx.exec(t, fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", ident(i.Table), strings.Join(quoted, ", "), strings.Join(params, ", ")), vals...)
}

// TestAddMemberTx: the internal every new membership goes through.
func TestAddMemberTx(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Hooks: rec.hooks()})
		owner, bob := fx.user(t, "owner"), fx.user(t, "bob")
		org := fx.org(t, s, owner)
		rec.take()

		add := func() (Member[OrgID, UserID, MemberID], bool, error) {
			var m Member[OrgID, UserID, MemberID]
			var inserted bool
			err := tenant.System(ctx, fx.System, func(ctx context.Context, sc *tenant.Scope) error {
				var err error
				m, inserted, err = s.addMemberTx(ctx, sc.Querier(), "system", string(org.ID), string(bob), []string{RoleAdmin})
				return err
			})
			return m, inserted, err
		}
		m, inserted, err := add()
		require.NoError(t, err)
		assert.True(t, inserted)
		assert.Equal(t, []string{RoleAdmin}, m.Roles)
		assert.Equal(t, []string{"before member.add", "after member.add"}, rec.take())

		again, inserted, err := add()
		require.NoError(t, err)
		assert.False(t, inserted)
		assert.Equal(t, m.ID, again.ID, "the existing membership")
		assert.Empty(t, rec.take(), "nothing added, no hooks")

		// Two concurrent adds of one user make one member.
		for range 10 {
			carol := fx.user(t, "carol")
			var wg sync.WaitGroup
			results := make([]bool, 4)
			for i := range results {
				wg.Go(func() {
					err := tenant.System(ctx, fx.System, func(ctx context.Context, sc *tenant.Scope) error {
						var err error
						_, results[i], err = s.addMemberTx(ctx, sc.Querier(), "system", string(org.ID), string(carol), nil)
						return err
					})
					assert.NoError(t, err)
				})
			}
			wg.Wait()
			assert.Equal(t, 1, count(results, true))
			assert.Equal(t, 1, fx.countWhere(t, fx.Schema.Members.Table, fx.Schema.Members.UserID, string(carol)))
		}
	})
}

func count[V comparable](s []V, v V) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// TestListMembers pages through 1 000 members with the keyset: each member
// once, in order, with the user's name and email where the schema has
// users.
func TestListMembers(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, stranger := fx.user(t, "owner"), fx.user(t, "stranger")
		org := fx.org(t, s, owner)
		users := fx.users(t, "u", 1000)
		fx.addMembers(t, org.ID, users)
		fx.exec(t, "ANALYZE")

		want := map[UserID]bool{owner: true}
		for _, u := range users {
			want[u] = true
		}
		seen := map[UserID]bool{}
		var after UserID
		var last string
		pages := 0
		for {
			page, err := s.ListMembers(ctx, users[500], org.ID, after, 37)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			pages++
			require.LessOrEqual(t, len(page), 37)
			for _, m := range page {
				require.False(t, seen[m.UserID], "%s listed twice", m.UserID)
				seen[m.UserID] = true
				require.Equal(t, org.ID, m.OrganizationID)
				if last != "" {
					var ordered bool
					require.NoError(t, fx.Admin.QueryRow(ctx, "SELECT $1::text < $2::text COLLATE \"default\"", last, string(m.UserID)).Scan(&ordered))
					require.True(t, ordered, "%s after %s", m.UserID, last)
				}
				last = string(m.UserID)
				if flavor == flavorBetterAuth {
					require.NotEmpty(t, m.UserName)
					require.Equal(t, fx.email(m.UserID), m.UserEmail)
				}
			}
			after = page[len(page)-1].UserID
		}
		assert.Equal(t, want, seen)
		assert.Equal(t, 28, pages) // ceil(1001 / 37)

		// The defaults and the cap.
		page, err := s.ListMembers(ctx, owner, org.ID, "", 0)
		require.NoError(t, err)
		assert.Len(t, page, DefaultPageSize)
		page, err = s.ListMembers(ctx, owner, org.ID, "", 5000)
		require.NoError(t, err)
		assert.Len(t, page, MaxPageSize)

		// Non-members are refused on every page, the last one included.
		for _, a := range []UserID{"", after} {
			_, err = s.ListMembers(ctx, stranger, org.ID, a, 10)
			assert.ErrorIs(t, err, ErrNotMember)
		}
		_, err = s.ListMembers(ctx, stranger, unknownOrg(flavor), "", 10)
		assert.ErrorIs(t, err, ErrNotMember)
		_, err = s.ListMembers(ctx, stranger, "garbage", "", 10)
		assert.ErrorIs(t, err, ErrNotMember)
	})
}

// TestListMembersPlan: both statements read the (organization, user) index
// in order, also as generic plans (what a prepared statement ends up with),
// with no sort and no sequential scan of the members.
func TestListMembersPlan(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner := fx.user(t, "owner")
		var last OrgID
		for range 20 {
			org := fx.org(t, s, owner)
			fx.addMembers(t, org.ID, fx.users(t, "u", 500))
			last = org.ID
		}
		fx.exec(t, "ANALYZE")
		conn, err := fx.Admin.Acquire(ctx)
		require.NoError(t, err)
		defer conn.Release()
		_, err = conn.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
		require.NoError(t, err)
		defer conn.Exec(ctx, "RESET plan_cache_mode") //nolint:errcheck
		for name, stmt := range map[string]struct {
			sql  string
			args string
		}{
			"first": {s.sql.member.listFirst, fmt.Sprintf("'%s', '%s', 100", last, owner)},
			"after": {s.sql.member.listAfter, fmt.Sprintf("'%s', '%s', 'u', 100", last, owner)},
		} {
			_, err := conn.Exec(ctx, "PREPARE p_"+name+" AS "+stmt.sql)
			require.NoError(t, err)
			rows, err := conn.Query(ctx, "EXPLAIN EXECUTE p_"+name+"("+stmt.args+")")
			require.NoError(t, err)
			var plan []string
			for rows.Next() {
				var line string
				require.NoError(t, rows.Scan(&line))
				plan = append(plan, line)
			}
			require.NoError(t, rows.Err())
			text := strings.Join(plan, "\n")
			t.Logf("%s, generic plan:\n%s", name, text)
			assert.Contains(t, text, "Index", name)
			assert.NotContains(t, text, "Sort", name)
			assert.False(t, slices.ContainsFunc(plan, func(l string) bool {
				return strings.Contains(l, "Seq Scan on "+fx.Schema.Members.Table)
			}), "%s:\n%s", name, text)
			assert.Contains(t, text, "One-Time Filter", "%s: the membership check runs once:\n%s", name, text)
			if name == "after" {
				assert.Regexp(t, `Index Cond: \(\(.*(organization_id|organizationId).* = \$1\) AND \(.*(user_id|userId).* > \$3\)\)`, text)
				if fx.Schema.Users.Table != "" {
					// The users' key is bounded too, or a deep page reads
					// the users from the first id (docs/BENCHMARKS.md).
					assert.GreaterOrEqual(t, strings.Count(text, "> $3"), 2, "users scan bounded by the cursor:\n%s", text)
				}
			}
		}
	})
}

// TestRemoveMemberLeavesTeams: a removed member leaves the organization's
// teams too, and only those.
func TestRemoveMemberLeavesTeams(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, bob := fx.user(t, "owner"), fx.user(t, "bob")
		a, b := fx.org(t, s, owner), fx.org(t, s, owner)
		var teams []TeamID
		for _, org := range []OrgID{a.ID, b.ID} {
			_, err := s.AddMember(ctx, owner, org, bob, nil)
			require.NoError(t, err)
			team, err := s.CreateTeam(ctx, owner, org, "core")
			require.NoError(t, err)
			require.NoError(t, s.AddTeamMember(ctx, owner, team.ID, bob))
			teams = append(teams, team.ID)
		}
		require.NoError(t, s.RemoveMember(ctx, owner, a.ID, bob))
		tm := fx.Schema.TeamMembers
		assert.Zero(t, fx.countWhere(t, tm.Table, tm.TeamID, string(teams[0])))
		assert.Equal(t, 1, fx.countWhere(t, tm.Table, tm.TeamID, string(teams[1])), "the other organization's team keeps bob")
		require.NoError(t, s.Leave(ctx, bob, b.ID))
		assert.Zero(t, fx.countWhere(t, tm.Table, tm.TeamID, string(teams[1])))
	})
}

// TestHooks: every operation fires its before and after hooks, inside its
// transaction, with what it is about; a veto from either rolls it back.
func TestHooks(t *testing.T) {
	type hookRun struct {
		run     func() error
		applied func() bool
		want    Event // Op, Actor, OrganizationID, UserID, TeamID are compared
		events  []string
	}
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Hooks: rec.hooks()})
		owner := fx.user(t, "owner")
		mem := fx.Schema.Members
		isMember := func(org OrgID, u UserID) bool {
			return fx.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s = $2",
				ident(mem.Table), ident(mem.OrganizationID), ident(mem.UserID)), string(org), string(u)) == 1
		}
		teamName := func(team TeamID) string {
			var name string
			tt := fx.Schema.Teams
			err := fx.Admin.QueryRow(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1", ident(tt.Name), ident(tt.Table), ident(tt.ID)), string(team)).Scan(&name)
			if err != nil {
				return ""
			}
			return name
		}
		inTeam := func(team TeamID, u UserID) bool {
			tm := fx.Schema.TeamMembers
			return fx.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s = $2",
				ident(tm.Table), ident(tm.TeamID), ident(tm.UserID)), string(team), string(u)) == 1
		}
		withMember := func(roles ...string) (Organization[OrgID], UserID) {
			org := fx.org(t, s, owner)
			u := fx.user(t, "u")
			_, err := s.AddMember(ctx, owner, org.ID, u, roles)
			require.NoError(t, err)
			return org, u
		}
		withTeam := func() (Organization[OrgID], Team[OrgID, TeamID], UserID) {
			org, u := withMember()
			team, err := s.CreateTeam(ctx, owner, org.ID, "core")
			require.NoError(t, err)
			return org, team, u
		}
		pair := func(op Operation) []string { return []string{"before " + string(op), "after " + string(op)} }

		cases := map[Operation]func() hookRun{
			OpCreateOrganization: func() hookRun {
				slug := "h-" + newTestID()[:8]
				slug = strings.ToLower(slug)
				orgs := fx.Schema.Organizations
				return hookRun{
					run: func() error {
						_, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "H", Slug: slug, Creator: owner})
						return err
					},
					applied: func() bool { return fx.countWhere(t, orgs.Table, orgs.Slug, slug) == 1 },
					want:    Event{Op: OpCreateOrganization, Actor: string(owner)},
					events:  []string{"before organization.create", "before member.add", "after member.add", "after organization.create"},
				}
			},
			OpUpdateOrganization: func() hookRun {
				org := fx.org(t, s, owner)
				return hookRun{
					run: func() error {
						_, err := s.UpdateOrganization(ctx, owner, org.ID, OrganizationChanges{Name: ptr("Renamed")})
						return err
					},
					applied: func() bool {
						o, err := s.GetOrganizationBySlug(ctx, owner, org.Slug)
						require.NoError(t, err)
						return o.Name == "Renamed"
					},
					want: Event{Op: OpUpdateOrganization, Actor: string(owner), OrganizationID: string(org.ID)},
				}
			},
			OpDeleteOrganization: func() hookRun {
				org := fx.org(t, s, owner)
				return hookRun{
					run:     func() error { return s.DeleteOrganization(ctx, owner, org.ID) },
					applied: func() bool { return !isMember(org.ID, owner) },
					want:    Event{Op: OpDeleteOrganization, Actor: string(owner), OrganizationID: string(org.ID)},
				}
			},
			OpAddMember: func() hookRun {
				org := fx.org(t, s, owner)
				u := fx.user(t, "u")
				return hookRun{
					run: func() error {
						_, err := s.AddMember(ctx, owner, org.ID, u, nil)
						return err
					},
					applied: func() bool { return isMember(org.ID, u) },
					want:    Event{Op: OpAddMember, Actor: string(owner), OrganizationID: string(org.ID), UserID: string(u)},
				}
			},
			OpRemoveMember: func() hookRun {
				org, u := withMember()
				return hookRun{
					run:     func() error { return s.RemoveMember(ctx, owner, org.ID, u) },
					applied: func() bool { return !isMember(org.ID, u) },
					want:    Event{Op: OpRemoveMember, Actor: string(owner), OrganizationID: string(org.ID), UserID: string(u)},
				}
			},
			OpUpdateMemberRoles: func() hookRun {
				org, u := withMember()
				return hookRun{
					run: func() error {
						_, err := s.UpdateMemberRoles(ctx, owner, org.ID, u, []string{RoleAdmin})
						return err
					},
					applied: func() bool {
						m, err := s.GetMember(ctx, owner, org.ID, u)
						require.NoError(t, err)
						return slices.Equal(m.Roles, []string{RoleAdmin})
					},
					want: Event{Op: OpUpdateMemberRoles, Actor: string(owner), OrganizationID: string(org.ID), UserID: string(u)},
				}
			},
			OpLeave: func() hookRun {
				org, u := withMember()
				return hookRun{
					run:     func() error { return s.Leave(ctx, u, org.ID) },
					applied: func() bool { return !isMember(org.ID, u) },
					want:    Event{Op: OpLeave, Actor: string(u), OrganizationID: string(org.ID), UserID: string(u)},
				}
			},
			OpCreateTeam: func() hookRun {
				org := fx.org(t, s, owner)
				return hookRun{
					run: func() error {
						_, err := s.CreateTeam(ctx, owner, org.ID, "new")
						return err
					},
					applied: func() bool {
						teams, err := s.ListTeams(ctx, owner, org.ID)
						require.NoError(t, err)
						return len(teams) == 1
					},
					want: Event{Op: OpCreateTeam, Actor: string(owner), OrganizationID: string(org.ID)},
				}
			},
			OpUpdateTeam: func() hookRun {
				org, team, _ := withTeam()
				return hookRun{
					run: func() error {
						_, err := s.UpdateTeam(ctx, owner, team.ID, "renamed")
						return err
					},
					applied: func() bool { return teamName(team.ID) == "renamed" },
					want:    Event{Op: OpUpdateTeam, Actor: string(owner), OrganizationID: string(org.ID), TeamID: string(team.ID)},
				}
			},
			OpDeleteTeam: func() hookRun {
				org, team, _ := withTeam()
				return hookRun{
					run:     func() error { return s.DeleteTeam(ctx, owner, team.ID) },
					applied: func() bool { return teamName(team.ID) == "" },
					want:    Event{Op: OpDeleteTeam, Actor: string(owner), OrganizationID: string(org.ID), TeamID: string(team.ID)},
				}
			},
			OpAddTeamMember: func() hookRun {
				org, team, u := withTeam()
				return hookRun{
					run:     func() error { return s.AddTeamMember(ctx, owner, team.ID, u) },
					applied: func() bool { return inTeam(team.ID, u) },
					want:    Event{Op: OpAddTeamMember, Actor: string(owner), OrganizationID: string(org.ID), TeamID: string(team.ID), UserID: string(u)},
				}
			},
			OpRemoveTeamMember: func() hookRun {
				org, team, u := withTeam()
				require.NoError(t, s.AddTeamMember(ctx, owner, team.ID, u))
				return hookRun{
					run:     func() error { return s.RemoveTeamMember(ctx, owner, team.ID, u) },
					applied: func() bool { return !inTeam(team.ID, u) },
					want:    Event{Op: OpRemoveTeamMember, Actor: string(owner), OrganizationID: string(org.ID), TeamID: string(team.ID), UserID: string(u)},
				}
			},
			OpCreateRole: func() hookRun {
				org := fx.org(t, s, owner)
				return hookRun{
					run: func() error { return s.CreateRole(ctx, owner, org.ID, "auditor", []Permission{TeamCreate}) },
					applied: func() bool {
						return s.CreateRole(ctx, owner, org.ID, "auditor", nil) != nil // ErrNameTaken once it exists
					},
					want: Event{Op: OpCreateRole, Actor: string(owner), OrganizationID: string(org.ID)},
				}
			},
			OpDeleteRole: func() hookRun {
				org := fx.org(t, s, owner)
				require.NoError(t, s.CreateRole(ctx, owner, org.ID, "auditor", nil))
				return hookRun{
					run: func() error { return s.DeleteRole(ctx, owner, org.ID, "auditor") },
					applied: func() bool {
						_, err := s.AddMember(ctx, owner, org.ID, fx.user(t, "x"), []string{"auditor"})
						return errors.Is(err, ErrUnknownRole)
					},
					want: Event{Op: OpDeleteRole, Actor: string(owner), OrganizationID: string(org.ID)},
				}
			},
		}
		ops := make([]Operation, 0, len(cases))
		for op := range cases {
			ops = append(ops, op)
		}
		slices.Sort(ops)
		boom := errors.New("boom")
		for _, op := range ops {
			t.Run(string(op), func(t *testing.T) {
				for _, phase := range []string{"before", "after", ""} {
					rec.setVeto(nil)
					h := cases[op]()
					if h.events == nil {
						h.events = pair(op)
					}
					var seen []Event
					rec.take()
					rec.setVeto(func(p string, e *Event) error {
						if e.Op != op {
							return nil
						}
						seen = append(seen, *e)
						if p == phase {
							// Inside the operation's transaction.
							var one int
							if err := e.Tx.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
								return err
							}
							return boom
						}
						return nil
					})
					err := h.run()
					rec.setVeto(nil)
					events := rec.take()
					if phase == "" {
						require.NoError(t, err)
						assert.Equal(t, h.events, events)
						assert.True(t, h.applied(), "applied")
						require.Len(t, seen, 2)
						for i, e := range seen {
							assert.Equal(t, h.want.Op, e.Op)
							assert.Equal(t, h.want.Actor, e.Actor)
							assert.Equal(t, h.want.UserID, e.UserID)
							// A creation's after hooks see the new id.
							if i == 0 || h.want.OrganizationID != "" {
								assert.Equal(t, h.want.OrganizationID, e.OrganizationID)
							}
							if i == 0 || h.want.TeamID != "" || op != OpCreateTeam {
								assert.Equal(t, h.want.TeamID, e.TeamID)
							}
						}
						if op == OpCreateOrganization {
							assert.NotEmpty(t, seen[1].OrganizationID, "after hooks see the new id")
						}
						if op == OpCreateTeam {
							assert.NotEmpty(t, seen[1].TeamID, "after hooks see the new id")
						}
						continue
					}
					assert.ErrorIs(t, err, ErrVetoed, "veto %s", phase)
					assert.ErrorIs(t, err, boom, "veto %s", phase)
					assert.False(t, h.applied(), "vetoed %s, yet applied", phase)
					assert.Contains(t, events, phase+" "+string(op))
				}
			})
		}
		// Every operation of this part of the store (invitations are
		// invite_test.go's).
		assert.ElementsMatch(t, []Operation{
			OpCreateOrganization, OpUpdateOrganization, OpDeleteOrganization,
			OpAddMember, OpRemoveMember, OpUpdateMemberRoles, OpLeave,
			OpCreateTeam, OpUpdateTeam, OpDeleteTeam, OpAddTeamMember, OpRemoveTeamMember,
			OpCreateRole, OpDeleteRole,
		}, ops)
	})
}
