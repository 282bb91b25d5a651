package orgstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// baInvitation inserts an invitation as Better Auth's createInvitation
// writes it: its own random id, lower-cased email, comma-joined roles and
// teams, and no "tokenHash" (Better Auth knows nothing of tokens).
func baInvitation(t testing.TB, fx *fixture, org OrgID, inviter UserID, email, roles, teams string, expires time.Time) InviteID {
	t.Helper()
	id := InviteID(newTestID())
	var team any
	if teams != "" {
		team = teams
	}
	fx.exec(t, `INSERT INTO invitation (id, "organizationId", email, role, "teamId", status, "expiresAt", "createdAt", "inviterId")
		VALUES ($1, $2, lower($3), $4, $5, 'pending', $6, now(), $7)`,
		string(id), string(org), email, roles, team, expires, string(inviter))
	return id
}

// verify sets the user's "emailVerified" behind the store.
func verify(t testing.TB, fx *fixture, u UserID, verified bool) {
	t.Helper()
	fx.exec(t, `UPDATE "user" SET "emailVerified" = $2 WHERE id = $1`, string(u), verified)
}

// TestAcceptInvitationByID: on Better Auth's tables the store accepts an
// invitation by id for the user whose email (read from "user") it names:
// Go's own invitations and Better Auth's, which have no token.
func TestAcceptInvitationByID(t *testing.T) {
	ctx := context.Background()
	clock := newInvClock()
	rec := &recorder{}
	s, fx := newTestStore(t, flavorBetterAuth, Config{Now: clock.Now, Hooks: rec.hooks()})
	owner, bob, carol := fx.user(t, "owner"), fx.user(t, "bob"), fx.user(t, "carol")
	org := fx.org(t, s, owner)

	t.Run("Go's invitation", func(t *testing.T) {
		inv, _ := invite(t, s, owner, org.ID, fx.email(bob), RoleAdmin)
		// Carol is signed in, but the invitation is Bob's.
		_, err := s.AcceptInvitationByID(ctx, carol, inv.ID)
		require.ErrorIs(t, err, ErrEmailMismatch)
		assert.Equal(t, StatusPending, invStatus(t, fx, inv.ID), "a refused accept changes nothing")
		assert.Zero(t, membersOf(t, fx, org.ID, carol))

		rec.take()
		m, err := s.AcceptInvitationByID(ctx, bob, inv.ID)
		require.NoError(t, err)
		assert.Equal(t, []string{RoleAdmin}, m.Roles)
		assert.Equal(t, bob, m.UserID)
		assert.Equal(t, StatusAccepted, invStatus(t, fx, inv.ID))
		assert.Equal(t, []string{"before invitation.accept", "before member.add", "after member.add", "after invitation.accept"}, rec.take())

		again, err := s.AcceptInvitationByID(ctx, bob, inv.ID)
		require.NoError(t, err, "a retried accept is harmless")
		assert.Equal(t, m.ID, again.ID)
		assert.Empty(t, rec.take(), "and fires nothing")
		_, err = s.AcceptInvitationByID(ctx, carol, inv.ID)
		require.ErrorIs(t, err, ErrEmailMismatch, "an accepted invitation is still not Carol's")
	})

	t.Run("Better Auth's invitation with two teams", func(t *testing.T) {
		dave := fx.user(t, "dave")
		eng, err := s.CreateTeam(ctx, owner, org.ID, "eng")
		require.NoError(t, err)
		ops, err := s.CreateTeam(ctx, owner, org.ID, "ops")
		require.NoError(t, err)
		// Better Auth writes the email as given, lower-cased; the user
		// signed up with capitals.
		fx.exec(t, `UPDATE "user" SET email = upper(email) WHERE id = $1`, string(dave))
		id := baInvitation(t, fx, org.ID, owner, fx.email(dave), "member,admin", string(eng.ID)+","+string(ops.ID), clock.Now().Add(time.Hour))
		m, err := s.AcceptInvitationByID(ctx, dave, id)
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{RoleMember, RoleAdmin}, m.Roles)
		for _, team := range []TeamID{eng.ID, ops.ID} {
			tms, err := s.ListTeamMembers(ctx, owner, team)
			require.NoError(t, err)
			require.Len(t, tms, 1, "team %s", team)
			assert.Equal(t, dave, tms[0].UserID)
		}
	})

	t.Run("refusals", func(t *testing.T) {
		erin := fx.user(t, "erin")
		_, err := s.AcceptInvitationByID(ctx, erin, InviteID(newTestID()))
		require.ErrorIs(t, err, ErrNotFound, "an unknown id")
		_, err = s.AcceptInvitationByID(ctx, "nobody", InviteID(newTestID()))
		require.ErrorIs(t, err, ErrNotFound, "a user the users table lacks")

		expired := baInvitation(t, fx, org.ID, owner, fx.email(erin), "member", "", clock.Now().Add(time.Hour))
		clock.Advance(2 * time.Hour)
		_, err = s.AcceptInvitationByID(ctx, erin, expired)
		require.ErrorIs(t, err, ErrInvitationExpired)
		assert.Equal(t, StatusExpired, invStatus(t, fx, expired), "marked expired")
		_, err = s.AcceptInvitationByID(ctx, erin, expired)
		require.ErrorIs(t, err, ErrInvitationExpired, "and stays so")

		canceled, _ := invite(t, s, owner, org.ID, fx.email(erin))
		require.NoError(t, s.CancelInvitation(ctx, owner, canceled.ID))
		_, err = s.AcceptInvitationByID(ctx, erin, canceled.ID)
		require.ErrorIs(t, err, ErrInvitationNotPending)
		assert.Zero(t, membersOf(t, fx, org.ID, erin))

		// A user whose stored address folds into the invited one only
		// under Unicode case mapping (U+212A KELVIN SIGN) is not its
		// recipient.
		kate := fx.user(t, "kate")
		kinv, _ := invite(t, s, owner, org.ID, "kate@acme.test")
		fx.exec(t, `UPDATE "user" SET email = $2 WHERE id = $1`, string(kate), "\u212Aate@acme.test")
		_, err = s.AcceptInvitationByID(ctx, kate, kinv.ID)
		require.ErrorIs(t, err, ErrInvalidEmail)
		assert.Equal(t, StatusPending, invStatus(t, fx, kinv.ID))
	})

	t.Run("full team refuses, invitation stays pending", func(t *testing.T) {
		limited := fx.store(t, Config{Now: clock.Now, MaxMembersPerTeam: 1})
		team, err := limited.CreateTeam(ctx, owner, org.ID, "solo")
		require.NoError(t, err)
		require.NoError(t, limited.AddTeamMember(ctx, owner, team.ID, owner))
		frank := fx.user(t, "frank")
		id := baInvitation(t, fx, org.ID, owner, fx.email(frank), "member", string(team.ID), clock.Now().Add(time.Hour))
		_, err = limited.AcceptInvitationByID(ctx, frank, id)
		require.ErrorIs(t, err, ErrLimitReached)
		assert.Equal(t, StatusPending, invStatus(t, fx, id))
		assert.Zero(t, membersOf(t, fx, org.ID, frank), "all or nothing")
	})
}

// TestRejectInvitationByID: only the recipient rejects, once, while pending.
func TestRejectInvitationByID(t *testing.T) {
	ctx := context.Background()
	clock := newInvClock()
	rec := &recorder{}
	s, fx := newTestStore(t, flavorBetterAuth, Config{Now: clock.Now, Hooks: rec.hooks()})
	owner, bob, carol := fx.user(t, "owner"), fx.user(t, "bob"), fx.user(t, "carol")
	org := fx.org(t, s, owner)

	id := baInvitation(t, fx, org.ID, owner, fx.email(bob), "member", "", clock.Now().Add(time.Hour))
	require.ErrorIs(t, s.RejectInvitationByID(ctx, carol, id), ErrEmailMismatch)
	assert.Equal(t, StatusPending, invStatus(t, fx, id))
	rec.take()
	require.NoError(t, s.RejectInvitationByID(ctx, bob, id))
	assert.Equal(t, StatusRejected, invStatus(t, fx, id))
	assert.Equal(t, []string{"before invitation.reject", "after invitation.reject"}, rec.take())
	require.ErrorIs(t, s.RejectInvitationByID(ctx, bob, id), ErrInvitationNotPending)
	_, err := s.AcceptInvitationByID(ctx, bob, id)
	require.ErrorIs(t, err, ErrInvitationNotPending, "a rejected invitation cannot be accepted")
	assert.Zero(t, membersOf(t, fx, org.ID, bob))

	expired := baInvitation(t, fx, org.ID, owner, fx.email(carol), "member", "", clock.Now().Add(time.Hour))
	clock.Advance(2 * time.Hour)
	require.ErrorIs(t, s.RejectInvitationByID(ctx, carol, expired), ErrInvitationExpired)
	assert.Equal(t, StatusExpired, invStatus(t, fx, expired))
	require.ErrorIs(t, s.RejectInvitationByID(ctx, carol, InviteID("no such id")), ErrNotFound)
}

// TestRequireEmailVerificationOnInvitation is the reviewer's attack with
// the option on: an account signed up with the invited owner's address but
// never verified cannot take the invitation by its id.
func TestRequireEmailVerificationOnInvitation(t *testing.T) {
	ctx := context.Background()
	s, fx := newTestStore(t, flavorBetterAuth, Config{RequireEmailVerificationOnInvitation: true})
	owner, mallory := fx.user(t, "owner"), fx.user(t, "mallory")
	org := fx.org(t, s, owner)
	inv, _ := invite(t, s, owner, org.ID, fx.email(mallory), RoleOwner)

	_, err := s.AcceptInvitationByID(ctx, mallory, inv.ID)
	require.ErrorIs(t, err, ErrEmailNotVerified)
	require.ErrorIs(t, s.RejectInvitationByID(ctx, mallory, inv.ID), ErrEmailNotVerified)
	assert.Equal(t, StatusPending, invStatus(t, fx, inv.ID))
	assert.Zero(t, membersOf(t, fx, org.ID, mallory))

	// The same account once it proved the address.
	verify(t, fx, mallory, true)
	m, err := s.AcceptInvitationByID(ctx, mallory, inv.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{RoleOwner}, m.Roles)

	// Off (Better Auth's default for its own ids), the unverified account is
	// accepted: what the option is for.
	off := fx.store(t, Config{})
	eve := fx.user(t, "eve")
	inv, _ = invite(t, s, owner, org.ID, fx.email(eve))
	_, err = off.AcceptInvitationByID(ctx, eve, inv.ID)
	require.NoError(t, err)

	// The option needs a column to read.
	sc := BetterAuth()
	sc.Users.EmailVerified = ""
	_, err = New[OrgID, UserID, MemberID, InviteID, TeamID](fx.System, Config{Schema: sc, RequireEmailVerificationOnInvitation: true})
	require.ErrorContains(t, err, "RequireEmailVerificationOnInvitation needs Schema.Users")
	sc.Users = UsersTable{}
	_, err = New[OrgID, UserID, MemberID, InviteID, TeamID](fx.System, Config{Schema: sc, RequireEmailVerificationOnInvitation: true})
	require.Error(t, err)
}

// TestByIDNeedsUsers: without a users table the store cannot know the
// signed-in user's email, and says so instead of guessing.
func TestByIDNeedsUsers(t *testing.T) {
	ctx := context.Background()
	s, fx := newTestStore(t, flavorNative, Config{})
	owner, bob := fx.user(t, "owner"), fx.user(t, "bob")
	org := fx.org(t, s, owner)
	inv, _ := invite(t, s, owner, org.ID, fx.email(bob))
	_, err := s.AcceptInvitationByID(ctx, bob, inv.ID)
	require.ErrorIs(t, err, ErrNoUsers)
	require.ErrorIs(t, err, ErrUnsupported)
	require.ErrorIs(t, s.RejectInvitationByID(ctx, bob, inv.ID), ErrNoUsers)
	assert.Equal(t, StatusPending, invStatus(t, fx, inv.ID))
}

// TestByIDOnNativeUsers: the native flavor with an application users table
// (a verified column of its own name, nullable) accepts by id too.
func TestByIDOnNativeUsers(t *testing.T) {
	ctx := context.Background()
	fx := newFixture(t, flavorNative)
	fx.exec(t, `CREATE TABLE app_users (id text PRIMARY KEY, name text, email text NOT NULL, verified boolean);
GRANT SELECT ON app_users TO `+fx.DB.Name+`_store`)
	sc := Native()
	sc.Users = UsersTable{Table: "app_users", ID: "id", Name: "name", Email: "email", EmailVerified: "verified"}
	s := fx.store(t, Config{Schema: sc, RequireEmailVerificationOnInvitation: true})
	owner := fx.user(t, "owner")
	org := fx.org(t, s, owner)
	const bob = UserID("bob-1")
	fx.exec(t, `INSERT INTO app_users (id, name, email) VALUES ($1, 'Bob', 'Bob@Example.com')`, string(bob))
	inv, _ := invite(t, s, owner, org.ID, "bob@example.com")
	_, err := s.AcceptInvitationByID(ctx, "nobody", inv.ID)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.AcceptInvitationByID(ctx, bob, "not-a-uuid")
	require.ErrorIs(t, err, ErrNotFound, "an id the uuid column cannot hold")
	_, err = s.AcceptInvitationByID(ctx, bob, inv.ID)
	require.ErrorIs(t, err, ErrEmailNotVerified, "NULL is not verified")
	fx.exec(t, `UPDATE app_users SET verified = true WHERE id = $1`, string(bob))
	_, err = s.AcceptInvitationByID(ctx, bob, inv.ID)
	require.NoError(t, err)
}

// TestConcurrentAcceptByID: two accepts of one invitation at once, by id or
// one by id and one by token, make one member and fire the hooks once.
func TestConcurrentAcceptByID(t *testing.T) {
	const rounds = 25
	ctx := context.Background()
	rec := &recorder{}
	s, fx := newTestStore(t, flavorBetterAuth, Config{Hooks: rec.hooks(), MaxMembers: 1000})
	owner := fx.user(t, "owner")
	org := fx.org(t, s, owner)
	team, err := s.CreateTeam(ctx, owner, org.ID, "eng")
	require.NoError(t, err)
	users := fx.users(t, "bob", rounds)
	for round, bob := range users {
		inv, token, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(bob), TeamID: team.ID})
		require.NoError(t, err)
		rec.take()
		accept := []func() (Member[OrgID, UserID, MemberID], error){
			func() (Member[OrgID, UserID, MemberID], error) { return s.AcceptInvitationByID(ctx, bob, inv.ID) },
			func() (Member[OrgID, UserID, MemberID], error) {
				if round%2 == 0 {
					return s.AcceptInvitationByID(ctx, bob, inv.ID)
				}
				return s.AcceptInvitation(ctx, bob, fx.email(bob), token)
			},
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		var got [2]Member[OrgID, UserID, MemberID]
		var errs [2]error
		for i := range 2 {
			wg.Go(func() {
				<-start
				got[i], errs[i] = accept[i]()
			})
		}
		close(start)
		wg.Wait()
		require.NoError(t, errs[0], "round %d", round)
		require.NoError(t, errs[1], "round %d", round)
		require.Equal(t, got[0].ID, got[1].ID, "round %d: the same member", round)
		require.Equal(t, 1, membersOf(t, fx, org.ID, bob), "round %d: one member", round)
		require.Equal(t, 1, fx.count(t, `SELECT count(*) FROM "teamMember" WHERE "teamId" = $1 AND "userId" = $2`, string(team.ID), string(bob)),
			"round %d: one team member", round)
		fired := map[string]int{}
		for _, e := range rec.take() {
			fired[e]++
		}
		require.Equal(t, 1, fired["after invitation.accept"], "round %d: accepted once: %v", round, fired)
		require.Equal(t, 1, fired["after member.add"], "round %d", round)
	}
}

// TestListInvitationsNeedsInvitationCreate: listing hands out ids, which
// accept invitations (AcceptInvitationByID, Better Auth's accept): only a
// member who may invite sees them, and only an owner sees owner invitations.
func TestListInvitationsNeedsInvitationCreate(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, admin, plain, canceler, recruiter, outsider := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "plain"),
			fx.user(t, "canceler"), fx.user(t, "recruiter"), fx.user(t, "outsider")
		org := fx.org(t, s, owner)
		require.NoError(t, s.CreateRole(ctx, owner, org.ID, "canceler", []Permission{InvitationCancel}))
		require.NoError(t, s.CreateRole(ctx, owner, org.ID, "recruiter", []Permission{InvitationCreate}))
		fx.addMembers(t, org.ID, []UserID{admin}, RoleAdmin)
		fx.addMembers(t, org.ID, []UserID{plain}, RoleMember)
		fx.addMembers(t, org.ID, []UserID{canceler}, "canceler")
		fx.addMembers(t, org.ID, []UserID{recruiter}, "recruiter")
		ownerInv, _ := invite(t, s, owner, org.ID, "next-owner@example.com", RoleOwner)
		coOwnerInv, _ := invite(t, s, owner, org.ID, "co-owner@example.com", RoleAdmin, RoleOwner)
		adminInv, _ := invite(t, s, owner, org.ID, "admin@example.com", RoleAdmin)
		memberInv, _ := invite(t, s, owner, org.ID, "member@example.com")

		ids := func(actor UserID) []InviteID {
			list, err := s.ListInvitations(ctx, actor, org.ID, "")
			require.NoError(t, err)
			out := []InviteID{}
			for _, inv := range list {
				out = append(out, inv.ID)
			}
			return out
		}
		assert.Equal(t, []InviteID{ownerInv.ID, coOwnerInv.ID, adminInv.ID, memberInv.ID}, ids(owner))
		assert.Equal(t, []InviteID{adminInv.ID, memberInv.ID}, ids(admin), "an admin sees no invitation naming owner")
		assert.Equal(t, []InviteID{adminInv.ID, memberInv.ID}, ids(recruiter), "a custom role with invitation:create lists")

		for _, u := range []UserID{plain, canceler} {
			list, err := s.ListInvitations(ctx, u, org.ID, StatusPending)
			require.ErrorIs(t, err, ErrForbidden, "%s", u)
			assert.Nil(t, list)
		}
		_, err := s.ListInvitations(ctx, outsider, org.ID, "")
		require.ErrorIs(t, err, ErrNotMember, "not ErrForbidden: no hint that the organization exists")
		_, err = s.ListInvitations(ctx, outsider, OrgID(newTestID()), "")
		require.ErrorIs(t, err, ErrNotMember)

		// An owner with several roles still sees owner invitations.
		co := fx.user(t, "co")
		fx.addMembers(t, org.ID, []UserID{co}, RoleAdmin, RoleOwner)
		assert.Len(t, ids(co), 4)
	})
}

// TestListInvitationsForUser: a user's own invitations come from the users
// table's address, and only once it is verified (Better Auth's
// listUserInvitations), since their ids accept them.
func TestListInvitationsForUser(t *testing.T) {
	ctx := context.Background()
	clock := newInvClock()
	s, fx := newTestStore(t, flavorBetterAuth, Config{Now: clock.Now})
	owner, bob := fx.user(t, "owner"), fx.user(t, "bob")
	a, b := fx.org(t, s, owner), fx.org(t, s, owner)
	first, _ := invite(t, s, owner, a.ID, fx.email(bob))
	clock.Advance(time.Second)
	second := baInvitation(t, fx, b.ID, owner, fx.email(bob), "member", "", clock.Now().Add(time.Hour))
	clock.Advance(time.Second)
	// Bob's, expired; and one for another address.
	baInvitation(t, fx, fx.org(t, s, owner).ID, owner, fx.email(bob), "member", "", clock.Now().Add(-time.Hour))
	baInvitation(t, fx, a.ID, owner, "x-"+fx.email(bob), "member", "", clock.Now().Add(time.Hour))

	_, err := s.ListInvitationsForUser(ctx, bob)
	require.ErrorIs(t, err, ErrEmailNotVerified, "an unproved address lists nothing")
	verify(t, fx, bob, true)
	list, err := s.ListInvitationsForUser(ctx, bob)
	require.NoError(t, err)
	require.Len(t, list, 2)
	assert.Equal(t, []InviteID{first.ID, second}, []InviteID{list[0].ID, list[1].ID})
	_, err = s.ListInvitationsForUser(ctx, "nobody")
	require.ErrorIs(t, err, ErrNotFound)

	sc := BetterAuth()
	sc.Users.EmailVerified = ""
	_, err = fx.store(t, Config{Schema: sc}).ListInvitationsForUser(ctx, bob)
	require.ErrorIs(t, err, ErrNoUsers)
}
