package orgstore

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTeams(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, admin, member, outsider := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "member"), fx.user(t, "outsider")
		org := fx.org(t, s, owner)
		_, err := s.AddMember(ctx, owner, org.ID, admin, []string{RoleAdmin})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, member, nil)
		require.NoError(t, err)

		// Create: team:create.
		core, err := s.CreateTeam(ctx, admin, org.ID, "core")
		require.NoError(t, err)
		assert.NotEmpty(t, core.ID)
		assert.Equal(t, org.ID, core.OrganizationID)
		assert.Equal(t, "core", core.Name)
		assert.False(t, core.CreatedAt.IsZero())
		_, err = s.CreateTeam(ctx, member, org.ID, "mine")
		assert.ErrorIs(t, err, ErrForbidden)
		_, err = s.CreateTeam(ctx, admin, org.ID, "")
		assert.ErrorIs(t, err, ErrInvalidName)
		if flavor == flavorNative {
			_, err = s.CreateTeam(ctx, admin, org.ID, "core")
			assert.ErrorIs(t, err, ErrNameTaken, "unique (organization_id, name)")
		}
		ops, err := s.CreateTeam(ctx, owner, org.ID, "ops")
		require.NoError(t, err)

		// Update: team:update.
		renamed, err := s.UpdateTeam(ctx, admin, ops.ID, "operations")
		require.NoError(t, err)
		assert.Equal(t, "operations", renamed.Name)
		assert.Equal(t, ops.ID, renamed.ID)
		_, err = s.UpdateTeam(ctx, member, ops.ID, "mine")
		assert.ErrorIs(t, err, ErrForbidden)
		if flavor == flavorNative {
			_, err = s.UpdateTeam(ctx, admin, ops.ID, "core")
			assert.ErrorIs(t, err, ErrNameTaken)
		}

		// List: any member.
		teams, err := s.ListTeams(ctx, member, org.ID)
		require.NoError(t, err)
		require.Len(t, teams, 2)
		assert.Equal(t, []string{"core", "operations"}, []string{teams[0].Name, teams[1].Name})

		// Members of a team: members of the organization only.
		require.NoError(t, s.AddTeamMember(ctx, admin, core.ID, member))
		require.NoError(t, s.AddTeamMember(ctx, admin, core.ID, admin))
		assert.ErrorIs(t, s.AddTeamMember(ctx, admin, core.ID, member), ErrAlreadyMember)
		assert.ErrorIs(t, s.AddTeamMember(ctx, admin, core.ID, outsider), ErrNotMember)
		assert.ErrorIs(t, s.AddTeamMember(ctx, member, core.ID, owner), ErrForbidden)
		tms, err := s.ListTeamMembers(ctx, member, core.ID)
		require.NoError(t, err)
		require.Len(t, tms, 2)
		got := map[UserID]bool{}
		for _, tm := range tms {
			assert.Equal(t, core.ID, tm.TeamID)
			assert.False(t, tm.CreatedAt.IsZero())
			got[tm.UserID] = true
		}
		assert.Equal(t, map[UserID]bool{member: true, admin: true}, got)

		assert.ErrorIs(t, s.RemoveTeamMember(ctx, member, core.ID, admin), ErrForbidden)
		require.NoError(t, s.RemoveTeamMember(ctx, admin, core.ID, member))
		assert.ErrorIs(t, s.RemoveTeamMember(ctx, admin, core.ID, member), ErrNotFound)
		tms, err = s.ListTeamMembers(ctx, owner, core.ID)
		require.NoError(t, err)
		require.Len(t, tms, 1)
		assert.Equal(t, admin, tms[0].UserID)

		// Delete: team:delete; the team's memberships go with it.
		assert.ErrorIs(t, s.DeleteTeam(ctx, member, core.ID), ErrForbidden)
		require.NoError(t, s.DeleteTeam(ctx, admin, core.ID))
		tm := fx.Schema.TeamMembers
		assert.Zero(t, fx.countWhere(t, tm.Table, tm.TeamID, string(core.ID)))
		teams, err = s.ListTeams(ctx, owner, org.ID)
		require.NoError(t, err)
		require.Len(t, teams, 1)
		// A deleted team is an unknown team: ErrNotMember, as for another
		// organization's.
		_, err = s.UpdateTeam(ctx, owner, core.ID, "again")
		assert.ErrorIs(t, err, ErrNotMember)
		_, err = s.ListTeamMembers(ctx, owner, core.ID)
		assert.ErrorIs(t, err, ErrNotMember)
	})
}

// TestAddTeamMemberRace: concurrent adds of one user to one team make one
// team member, also on Better Auth's teamMember table, which has no unique
// (teamId, userId).
func TestAddTeamMemberRace(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		team, err := s.CreateTeam(ctx, owner, org.ID, "core")
		require.NoError(t, err)
		tm := fx.Schema.TeamMembers
		for i := range 20 {
			u := fx.user(t, "u")
			fx.addMembers(t, org.ID, []UserID{u})
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for j := range errs {
				wg.Go(func() { errs[j] = s.AddTeamMember(ctx, owner, team.ID, u) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				if err == nil {
					ok++
				} else {
					assert.ErrorIs(t, err, ErrAlreadyMember)
				}
			}
			require.Equal(t, 1, ok, "iteration %d", i)
			require.Equal(t, 1, fx.count(t, "SELECT count(*) FROM "+ident(tm.Table)+" WHERE "+ident(tm.UserID)+" = $1", string(u)))
		}
	})
}

// TestAddTeamMemberRemoveMemberRace: a team membership added while its user
// is removed from the organization does not survive the removal.
func TestAddTeamMemberRemoveMemberRace(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		team, err := s.CreateTeam(ctx, owner, org.ID, "core")
		require.NoError(t, err)
		tm := fx.Schema.TeamMembers
		for range 30 {
			u := fx.user(t, "u")
			fx.addMembers(t, org.ID, []UserID{u})
			var wg sync.WaitGroup
			var addErr, removeErr error
			wg.Go(func() { addErr = s.AddTeamMember(ctx, owner, team.ID, u) })
			wg.Go(func() { removeErr = s.RemoveMember(ctx, owner, org.ID, u) })
			wg.Wait()
			require.NoError(t, removeErr)
			if addErr != nil {
				require.ErrorIs(t, addErr, ErrNotMember)
			}
			require.Zero(t, fx.count(t, "SELECT count(*) FROM "+ident(tm.Table)+" WHERE "+ident(tm.UserID)+" = $1", string(u)),
				"a team member who is not a member (add: %v)", addErr)
		}
	})
}
