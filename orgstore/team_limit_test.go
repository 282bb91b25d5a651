package orgstore

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTeamMembershipKey: the key is Better Auth's, byte for byte. The
// expected values are Node's: base64url(sha256(JSON.stringify([team, user]))),
// including characters where Go's encoding/json and JSON.stringify differ.
func TestTeamMembershipKey(t *testing.T) {
	for _, c := range []struct{ team, user, key string }{
		{"kYq2bT3x0s9LwVnH4cPz8RmA1dEfG6jU", "Zx9wV8uT7sR6qP5oN4mL3kJ2iH1gF0eD", "HerzYaMaSQtp7UDvi0EpyAfSGyiDDb9JDponj-JzXBE"},
		{"team<1>&", "user\u2028\"x\\", "V2_TvbPB4qZcZAHycLsx76qFJNhH-IEaWwX45lptWzU"},
		{"t\u0001\b\n", "é💡", "7DZIkkyKvgj2qgdYN8ptsZ-S5bu_Gull2DfE6VkKB6Y"},
	} {
		assert.Equal(t, c.key, teamMembershipKey(c.team, c.user), "%q %q", c.team, c.user)
	}
}

// TestMaxMembersPerTeam: Config.MaxMembersPerTeam refuses an add to a full
// team (ErrLimitReached), by AddTeamMember and by accepting an invitation
// into the team, which then stays pending; a removal frees the seat.
func TestMaxMembersPerTeam(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{MaxMembersPerTeam: 2})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		us := fx.users(t, "u", 3)
		fx.addMembers(t, org.ID, us)
		team, err := s.CreateTeam(ctx, owner, org.ID, "core")
		require.NoError(t, err)
		require.NoError(t, s.AddTeamMember(ctx, owner, team.ID, us[0]))
		require.NoError(t, s.AddTeamMember(ctx, owner, team.ID, us[1]))
		err = s.AddTeamMember(ctx, owner, team.ID, us[2])
		require.ErrorIs(t, err, ErrLimitReached)
		assert.Contains(t, err.Error(), "MaxMembersPerTeam")
		assert.ErrorIs(t, s.AddTeamMember(ctx, owner, team.ID, us[0]), ErrAlreadyMember, "a member already: not a limit error")

		// Inviting into a full team is refused, as Better Auth refuses it.
		_, _, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "late@example.com", TeamID: team.ID})
		require.ErrorIs(t, err, ErrLimitReached)

		// An invitation made while a seat was free, accepted once it is not.
		require.NoError(t, s.RemoveTeamMember(ctx, owner, team.ID, us[1]))
		invitee := fx.user(t, "invitee")
		inv, token, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(invitee), TeamID: team.ID})
		require.NoError(t, err)
		require.NoError(t, s.AddTeamMember(ctx, owner, team.ID, us[1]))
		_, err = s.AcceptInvitation(ctx, invitee, fx.email(invitee), token)
		require.ErrorIs(t, err, ErrLimitReached)
		invs, err := s.ListInvitations(ctx, owner, org.ID, StatusPending)
		require.NoError(t, err)
		require.Len(t, invs, 1)
		assert.Equal(t, inv.ID, invs[0].ID)

		require.NoError(t, s.RemoveTeamMember(ctx, owner, team.ID, us[1]))
		_, err = s.AcceptInvitation(ctx, invitee, fx.email(invitee), token)
		require.NoError(t, err)
		tms, err := s.ListTeamMembers(ctx, owner, team.ID)
		require.NoError(t, err)
		assert.Len(t, tms, 2)
		if flavor == flavorBetterAuth {
			assert.Equal(t, 2, fx.memberCount(t, team.ID))
		}
	})
}

// TestMaxMembersPerTeamRace: two adds of different users racing for a
// team's last seat: one wins, the other gets ErrLimitReached, the team never
// overshoots. On Better Auth's schema one of the two adds is Better Auth's
// own (its seat UPDATE) in half the rounds, and memberCount stays exact.
func TestMaxMembersPerTeamRace(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		const max = 3
		s, fx := newTestStore(t, flavor, Config{MaxMembersPerTeam: max})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		tm := fx.Schema.TeamMembers
		for i := range 20 {
			team, err := s.CreateTeam(ctx, owner, org.ID, "t"+strings.Repeat("x", i))
			require.NoError(t, err)
			us := fx.users(t, "u", max+1)
			fx.addMembers(t, org.ID, us)
			for _, u := range us[:max-1] {
				require.NoError(t, s.AddTeamMember(ctx, owner, team.ID, u))
			}
			withBA := flavor == flavorBetterAuth && i%2 == 1
			var wg sync.WaitGroup
			var errGo, errGo2 error
			var baAdded bool
			wg.Go(func() { errGo = s.AddTeamMember(ctx, owner, team.ID, us[max-1]) })
			if withBA {
				wg.Go(func() { baAdded = fx.baAddTeamMember(t, team.ID, us[max], max) })
			} else {
				wg.Go(func() { errGo2 = s.AddTeamMember(ctx, owner, team.ID, us[max]) })
			}
			wg.Wait()
			wins := 0
			for _, err := range []error{errGo, errGo2} {
				if err == nil {
					wins++
				} else {
					require.ErrorIs(t, err, ErrLimitReached, "round %d", i)
				}
			}
			if withBA {
				wins-- // errGo2 is nil: not an add
				if baAdded {
					wins++
				}
			}
			require.Equal(t, 1, wins, "round %d (Better Auth's add: %v)", i, withBA)
			require.Equal(t, max, fx.countWhere(t, tm.Table, tm.TeamID, string(team.ID)), "round %d", i)
			if flavor == flavorBetterAuth {
				require.Equal(t, max, fx.memberCount(t, team.ID), "round %d", i)
			}
		}
	})
}

// TestInvitationTeamIDs: on Better Auth's schema an invitation names several
// teams comma-joined, as Better Auth writes them: Go writes them so, reads
// Better Auth's so, and accepting joins every one. The native schema holds
// one team per invitation.
func TestInvitationTeamIDs(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, invitee := fx.user(t, "owner"), fx.user(t, "invitee")
		org := fx.org(t, s, owner)
		t1, err := s.CreateTeam(ctx, owner, org.ID, "one")
		require.NoError(t, err)
		t2, err := s.CreateTeam(ctx, owner, org.ID, "two")
		require.NoError(t, err)
		in := NewInvitation[TeamID]{Email: fx.email(invitee), TeamID: t1.ID, TeamIDs: []TeamID{t2.ID, t1.ID}}
		if flavor == flavorNative {
			_, _, err := s.Invite(ctx, owner, org.ID, in)
			require.ErrorIs(t, err, ErrNoInvitationTeams)
			return
		}
		inv, token, err := s.Invite(ctx, owner, org.ID, in)
		require.NoError(t, err)
		assert.Equal(t, t1.ID, inv.TeamID)
		assert.Equal(t, []TeamID{t1.ID, t2.ID}, inv.TeamIDs)
		var stored string
		require.NoError(t, fx.Admin.QueryRow(ctx, `SELECT "teamId" FROM invitation WHERE id = $1`, string(inv.ID)).Scan(&stored))
		assert.Equal(t, string(t1.ID)+","+string(t2.ID), stored, "Better Auth's comma-joined form")

		// A team id with a comma would be two ids to Better Auth.
		_, _, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "c@example.com", TeamID: t1.ID + "," + t2.ID})
		assert.ErrorIs(t, err, ErrNotFound)

		// A Better-Auth-made invitation naming both teams reads as two.
		baInv := newTestID()
		fx.exec(t, `INSERT INTO invitation (id, "organizationId", email, role, "teamId", status, "expiresAt", "inviterId")
			VALUES ($1, $2, 'ba@example.com', 'member', $3, 'pending', now() + interval '1 day', $4)`,
			baInv, string(org.ID), string(t2.ID)+","+string(t1.ID), string(owner))
		invs, err := s.ListInvitations(ctx, owner, org.ID, StatusPending)
		require.NoError(t, err)
		found := false
		for _, i := range invs {
			if string(i.ID) == baInv {
				found = true
				assert.Equal(t, []TeamID{t2.ID, t1.ID}, i.TeamIDs)
				assert.Equal(t, t2.ID, i.TeamID)
			}
		}
		assert.True(t, found)

		// Accepting joins both teams.
		_, err = s.AcceptInvitation(ctx, invitee, fx.email(invitee), token)
		require.NoError(t, err)
		for _, team := range []TeamID{t1.ID, t2.ID} {
			tms, err := s.ListTeamMembers(ctx, owner, team)
			require.NoError(t, err)
			require.Len(t, tms, 1, "team %s", team)
			assert.Equal(t, invitee, tms[0].UserID)
			assert.Equal(t, 1, fx.memberCount(t, team))
		}
	})
}
