package orgstore

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memberCount is Better Auth's team."memberCount" of team.
func (fx *fixture) memberCount(t testing.TB, team TeamID) int {
	t.Helper()
	return fx.count(t, `SELECT "memberCount" FROM team WHERE id = $1`, string(team))
}

// baAddTeamMember adds user to team with the SQL Better Auth 1.7.25's
// organization plugin runs (adapter.mjs: addTeamMemberWithLimit with max >
// 0, findOrCreateTeamMember without), in one transaction, and reports
// whether the user is in the team afterwards (false: TEAM_MEMBER_LIMIT_REACHED).
func (fx *fixture) baAddTeamMember(t testing.TB, team TeamID, user UserID, max int) bool {
	t.Helper()
	ctx := context.Background()
	key := teamMembershipKey(string(team), string(user))
	var added bool
	err := pgx.BeginFunc(ctx, fx.Admin, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM "teamMember" WHERE "membershipKey" = $1 OR ("teamId" = $2 AND "userId" = $3)`,
			key, string(team), string(user)).Scan(&n); err != nil || n > 0 {
			added = n > 0
			return err
		}
		// syncTeamMemberCount
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM "teamMember" WHERE "teamId" = $1`, string(team)).Scan(&n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE team SET "memberCount" = $2 WHERE id = $1 AND "memberCount" < $2`, string(team), n); err != nil {
			return err
		}
		if max > 0 { // reserveTeamSeat
			tag, err := tx.Exec(ctx, `UPDATE team SET "memberCount" = "memberCount" + 1 WHERE id = $1 AND "memberCount" < $2`, string(team), max)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO "teamMember" (id, "teamId", "userId", "membershipKey", "createdAt") VALUES ($1, $2, $3, $4, now())`,
			newTestID(), string(team), string(user), key); err != nil {
			return err
		}
		if max <= 0 { // incrementTeamMemberCount
			if _, err := tx.Exec(ctx, `UPDATE team SET "memberCount" = "memberCount" + 1 WHERE id = $1`, string(team)); err != nil {
				return err
			}
		}
		added = true
		return nil
	})
	require.NoError(t, err)
	return added
}

// TestTeamsBetterAuthColumns: on Better Auth 1.7.25's real schema the Go
// store writes team."memberCount" (NOT NULL, no default) and
// teamMember."membershipKey" as Better Auth does, and reads the NULL
// "updatedAt" of the default team Better Auth makes with an organization.
func TestTeamsBetterAuthColumns(t *testing.T) {
	ctx := context.Background()
	s, fx := newTestStore(t, flavorBetterAuth, Config{})
	owner, a, b := fx.user(t, "owner"), fx.user(t, "a"), fx.user(t, "b")
	org := fx.org(t, s, owner)
	fx.addMembers(t, org.ID, []UserID{a, b})

	// CreateTeam: memberCount 0, as Better Auth's createTeam writes.
	core, err := s.CreateTeam(ctx, owner, org.ID, "core")
	require.NoError(t, err)
	assert.Equal(t, 0, fx.memberCount(t, core.ID))

	// The default team Better Auth makes with an organization: updatedAt NULL.
	def := TeamID(newTestID())
	fx.exec(t, `INSERT INTO team (id, name, "memberCount", "organizationId", "createdAt") VALUES ($1, $2, 0, $3, now())`,
		string(def), "Org default", string(org.ID))
	teams, err := s.ListTeams(ctx, owner, org.ID)
	require.NoError(t, err)
	require.Len(t, teams, 2)
	for _, tm := range teams {
		if tm.ID == def {
			assert.Equal(t, tm.CreatedAt, tm.UpdatedAt, "a NULL updatedAt reads as createdAt")
		}
	}

	// Adds count seats and write the membership key.
	require.NoError(t, s.AddTeamMember(ctx, owner, core.ID, a))
	require.NoError(t, s.AddTeamMember(ctx, owner, core.ID, b))
	assert.Equal(t, 2, fx.memberCount(t, core.ID))
	for _, u := range []UserID{a, b} {
		var key *string
		require.NoError(t, fx.Admin.QueryRow(ctx, `SELECT "membershipKey" FROM "teamMember" WHERE "teamId" = $1 AND "userId" = $2`,
			string(core.ID), string(u)).Scan(&key))
		require.NotNil(t, key, "membershipKey NULL")
		assert.Equal(t, teamMembershipKey(string(core.ID), string(u)), *key)
	}
	// Better Auth sees the Go-made member as one (its membershipKey lookup).
	assert.True(t, fx.baAddTeamMember(t, core.ID, a, 2))
	assert.Equal(t, 1, fx.count(t, `SELECT count(*) FROM "teamMember" WHERE "teamId" = $1 AND "userId" = $2`, string(core.ID), string(a)))

	// A remove gives the seat back: Better Auth's add with
	// maximumMembersPerTeam 2 then has a seat for owner.
	require.NoError(t, s.RemoveTeamMember(ctx, owner, core.ID, b))
	assert.Equal(t, 1, fx.memberCount(t, core.ID))
	assert.True(t, fx.baAddTeamMember(t, core.ID, owner, 2), "TEAM_MEMBER_LIMIT_REACHED on a team of 1 with 2 seats")
	assert.Equal(t, 2, fx.memberCount(t, core.ID))
	assert.False(t, fx.baAddTeamMember(t, core.ID, b, 2), "the team is full")

	// Removing a member from the organization gives back its team seats.
	require.NoError(t, s.RemoveMember(ctx, owner, org.ID, a))
	assert.Equal(t, 1, fx.memberCount(t, core.ID))
	assert.True(t, fx.baAddTeamMember(t, core.ID, b, 2))

	// A counter below the team's size (a Better Auth write that crashed
	// between its insert and its increment) is raised before a seat is
	// taken, as Better Auth's syncTeamMemberCount does.
	fx.exec(t, `UPDATE team SET "memberCount" = 0 WHERE id = $1`, string(core.ID))
	require.NoError(t, s.RemoveTeamMember(ctx, owner, core.ID, b))
	assert.Equal(t, 0, fx.memberCount(t, core.ID), "never below zero")
	require.NoError(t, s.AddTeamMember(ctx, owner, core.ID, b))
	assert.Equal(t, 2, fx.memberCount(t, core.ID))

	// A Better-Auth-made team: Go adds to it and lists it.
	require.NoError(t, s.AddTeamMember(ctx, owner, def, b))
	assert.Equal(t, 1, fx.memberCount(t, def))
	tms, err := s.ListTeamMembers(ctx, b, def)
	require.NoError(t, err)
	require.Len(t, tms, 1)
}

// TestTeamsHostileTenant: a member, even the owner, of organization A can
// neither see nor change the teams of organization B through the store, and
// B's owner cannot put a non-member of B in B's teams.
func TestTeamsHostileTenant(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		ownerA, ownerB, memberB, memberA := fx.user(t, "ownerA"), fx.user(t, "ownerB"), fx.user(t, "memberB"), fx.user(t, "memberA")
		orgA, orgB := fx.org(t, s, ownerA), fx.org(t, s, ownerB)
		fx.addMembers(t, orgA.ID, []UserID{memberA})
		fx.addMembers(t, orgB.ID, []UserID{memberB})
		teamB, err := s.CreateTeam(ctx, ownerB, orgB.ID, "b-core")
		require.NoError(t, err)
		require.NoError(t, s.AddTeamMember(ctx, ownerB, teamB.ID, memberB))

		for _, attacker := range []UserID{ownerA, memberA} {
			_, err := s.ListTeamMembers(ctx, attacker, teamB.ID)
			assert.ErrorIs(t, err, ErrNotMember)
			assert.ErrorIs(t, s.AddTeamMember(ctx, attacker, teamB.ID, attacker), ErrNotMember)
			assert.ErrorIs(t, s.AddTeamMember(ctx, attacker, teamB.ID, memberB), ErrNotMember)
			assert.ErrorIs(t, s.RemoveTeamMember(ctx, attacker, teamB.ID, memberB), ErrNotMember)
			_, err = s.UpdateTeam(ctx, attacker, teamB.ID, "pwned")
			assert.ErrorIs(t, err, ErrNotMember)
			assert.ErrorIs(t, s.DeleteTeam(ctx, attacker, teamB.ID), ErrNotMember)
			_, err = s.ListTeams(ctx, attacker, orgB.ID)
			assert.ErrorIs(t, err, ErrNotMember)
			_, err = s.CreateTeam(ctx, attacker, orgB.ID, "mine")
			assert.ErrorIs(t, err, ErrNotMember)
		}
		// An invitation of A cannot name B's team.
		_, _, err = s.Invite(ctx, ownerA, orgA.ID, NewInvitation[TeamID]{Email: "x@example.com", TeamID: teamB.ID})
		assert.ErrorIs(t, err, ErrNotFound)
		// B's owner cannot pull A's member into B's team.
		assert.ErrorIs(t, s.AddTeamMember(ctx, ownerB, teamB.ID, memberA), ErrNotMember)

		// B's team is as it was.
		tms, err := s.ListTeamMembers(ctx, ownerB, teamB.ID)
		require.NoError(t, err)
		require.Len(t, tms, 1)
		assert.Equal(t, memberB, tms[0].UserID)
		teams, err := s.ListTeams(ctx, memberB, orgB.ID)
		require.NoError(t, err)
		require.Len(t, teams, 1)
		assert.Equal(t, "b-core", teams[0].Name)
		if flavor == flavorBetterAuth {
			assert.Equal(t, 1, fx.memberCount(t, teamB.ID))
		}
	})
}
