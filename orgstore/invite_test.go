package orgstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgurl"
)

// invClock is a clock tests move by hand (Config.Now).
type invClock struct {
	mu  sync.Mutex
	now time.Time
}

// newInvClock starts at the present, to the microsecond PostgreSQL keeps.
func newInvClock() *invClock {
	return &invClock{now: time.Now().UTC().Truncate(time.Microsecond)}
}

func (c *invClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *invClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// invite invites email to org as actor and requires success.
func invite(t testing.TB, s *testStore, actor UserID, org OrgID, email string, roles ...string) (Invitation[OrgID, UserID, InviteID, TeamID], string) {
	t.Helper()
	inv, token, err := s.Invite(context.Background(), actor, org, NewInvitation[TeamID]{Email: email, Roles: roles})
	require.NoError(t, err)
	return inv, token
}

// invStatus reads an invitation's stored status, behind the store.
func invStatus(t testing.TB, fx *fixture, id InviteID) InvitationStatus {
	t.Helper()
	v := fx.Schema.Invitations
	var st string
	require.NoError(t, fx.Admin.QueryRow(context.Background(),
		fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1", ident(v.Status), ident(v.Table), ident(v.ID)), string(id)).Scan(&st))
	return InvitationStatus(st)
}

// invRow is the invitation's whole row as JSON text, and its token hash.
func invRow(t testing.TB, fx *fixture, id InviteID) (string, []byte) {
	t.Helper()
	v := fx.Schema.Invitations
	var row string
	var hash []byte
	require.NoError(t, fx.Admin.QueryRow(context.Background(),
		fmt.Sprintf("SELECT to_jsonb(i)::text, i.%s FROM %s i WHERE i.%s = $1", ident(v.TokenHash), ident(v.Table), ident(v.ID)),
		string(id)).Scan(&row, &hash))
	return row, hash
}

// membersOf counts user's membership rows in org.
func membersOf(t testing.TB, fx *fixture, org OrgID, user UserID) int {
	t.Helper()
	m := fx.Schema.Members
	return fx.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s = $2",
		ident(m.Table), ident(m.OrganizationID), ident(m.UserID)), string(org), string(user))
}

// pendingIn counts org's invitations stored as pending.
func pendingIn(t testing.TB, fx *fixture, org OrgID) int {
	t.Helper()
	v := fx.Schema.Invitations
	return fx.count(t, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s = 'pending'",
		ident(v.Table), ident(v.OrganizationID), ident(v.Status)), string(org))
}

// otherToken is a well-formed token that no invitation has.
func otherToken() string {
	return base64.RawURLEncoding.EncodeToString([]byte(pgurl.RandomHex(16)))
}

func TestInviteToken(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		clock := newInvClock()
		s, fx := newTestStore(t, flavor, Config{Now: clock.Now})
		alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
		org := fx.org(t, s, alice)

		inv, token, err := s.Invite(ctx, alice, org.ID, NewInvitation[TeamID]{
			Email: "  " + strings.ToUpper(fx.email(bob)) + " ", Roles: []string{RoleAdmin, RoleMember, RoleAdmin},
		})
		require.NoError(t, err)

		// The token: 256 random bits, base64url without padding.
		require.Len(t, token, 43)
		raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
		require.NoError(t, err)
		assert.Len(t, raw, 32)

		// The invitation as returned.
		assert.NotEmpty(t, inv.ID)
		assert.Equal(t, org.ID, inv.OrganizationID)
		assert.Equal(t, fx.email(bob), inv.Email, "trimmed and lower-cased")
		assert.Equal(t, []string{RoleAdmin, RoleMember}, inv.Roles)
		assert.Equal(t, StatusPending, inv.Status)
		assert.Equal(t, alice, inv.InviterID)
		assert.Empty(t, inv.TeamID)
		assert.True(t, inv.CreatedAt.Equal(clock.Now()), "created %v, now %v", inv.CreatedAt, clock.Now())
		assert.True(t, inv.ExpiresAt.Equal(clock.Now().Add(48*time.Hour)), "default expiry 48 h: %v", inv.ExpiresAt)

		// The database holds the token's SHA-256 only.
		row, hash := invRow(t, fx, inv.ID)
		want := sha256.Sum256([]byte(token))
		assert.Equal(t, want[:], hash)
		assert.Len(t, hash, 32)
		assert.NotContains(t, row, token)
		assert.NotContains(t, row, hex.EncodeToString(raw), "nor the token's bytes")
		assert.NotContains(t, strings.ToLower(row), strings.ToLower(token))
		if flavor == flavorBetterAuth {
			assert.Len(t, string(inv.ID), 32)
			var role string
			require.NoError(t, fx.Admin.QueryRow(ctx, `SELECT role FROM invitation WHERE id = $1`, string(inv.ID)).Scan(&role))
			assert.Equal(t, "admin,member", role, "Better Auth's comma-joined roles")
		}

		// Tokens are not repeated.
		seen := map[string]bool{token: true}
		for range 5 {
			_, tok, err := s.Invite(ctx, alice, org.ID, NewInvitation[TeamID]{Email: "x" + pgurl.RandomHex(4) + "@example.com"})
			require.NoError(t, err)
			assert.False(t, seen[tok])
			seen[tok] = true
		}

		// A configured expiry.
		short := fx.store(t, Config{Now: clock.Now, InvitationTTL: 90 * time.Minute})
		inv2, _, err := short.Invite(ctx, alice, org.ID, NewInvitation[TeamID]{Email: "short@example.com"})
		require.NoError(t, err)
		assert.True(t, inv2.ExpiresAt.Equal(clock.Now().Add(90*time.Minute)), "%v", inv2.ExpiresAt)
	})
}

func TestInviteRules(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{Roles: map[string][]Permission{
			"auditor": {OrganizationDelete}, // more than an admin holds
		}})
		owner, admin, plain, outsider := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "plain"), fx.user(t, "outsider")
		org := fx.org(t, s, owner)
		other := fx.org(t, s, outsider)
		fx.addMembers(t, org.ID, []UserID{admin}, RoleAdmin)
		fx.addMembers(t, org.ID, []UserID{plain}, RoleMember)
		otherTeam, err := s.CreateTeam(ctx, outsider, other.ID, "elsewhere")
		require.NoError(t, err)
		badOrg := OrgID("nope")

		for _, tc := range []struct {
			name  string
			actor UserID
			org   OrgID
			in    NewInvitation[TeamID]
			want  error
		}{
			{"owner invites an owner", owner, org.ID, NewInvitation[TeamID]{Roles: []string{RoleOwner}}, nil},
			{"admin invites an admin", admin, org.ID, NewInvitation[TeamID]{Roles: []string{RoleAdmin}}, nil},
			{"default role", admin, org.ID, NewInvitation[TeamID]{}, nil},
			{"admin may not invite an owner", admin, org.ID, NewInvitation[TeamID]{Roles: []string{RoleOwner}}, ErrForbidden},
			{"admin may not grant what it lacks", admin, org.ID, NewInvitation[TeamID]{Roles: []string{"auditor"}}, ErrForbidden},
			{"owner grants a custom role", owner, org.ID, NewInvitation[TeamID]{Roles: []string{"auditor"}}, nil},
			{"member lacks invitation:create", plain, org.ID, NewInvitation[TeamID]{}, ErrForbidden},
			{"non-member", outsider, org.ID, NewInvitation[TeamID]{}, ErrNotMember},
			{"unknown organization", owner, badOrg, NewInvitation[TeamID]{}, ErrNotMember},
			{"unknown role", owner, org.ID, NewInvitation[TeamID]{Roles: []string{"wizard"}}, ErrUnknownRole},
			{"role that breaks a comma list", owner, org.ID, NewInvitation[TeamID]{Roles: []string{"a,b"}}, ErrUnknownRole},
			{"another organization's team", owner, org.ID, NewInvitation[TeamID]{TeamID: otherTeam.ID}, ErrNotFound},
			{"unknown team", owner, org.ID, NewInvitation[TeamID]{TeamID: "no-such-team"}, ErrNotFound},
			{"no email", owner, org.ID, NewInvitation[TeamID]{Email: " "}, ErrInvalidEmail},
			{"not an email", owner, org.ID, NewInvitation[TeamID]{Email: "bob"}, ErrInvalidEmail},
			{"two at signs", owner, org.ID, NewInvitation[TeamID]{Email: "b@b@example.com"}, ErrInvalidEmail},
			{"inner space", owner, org.ID, NewInvitation[TeamID]{Email: "b ob@example.com"}, ErrInvalidEmail},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.in.Email == "" {
					tc.in.Email = "guest-" + pgurl.RandomHex(4) + "@example.com"
				}
				before := pendingIn(t, fx, org.ID)
				inv, token, err := s.Invite(ctx, tc.actor, tc.org, tc.in)
				if tc.want != nil {
					assert.ErrorIs(t, err, tc.want)
					assert.Empty(t, token)
					assert.Equal(t, before, pendingIn(t, fx, org.ID))
					return
				}
				require.NoError(t, err)
				assert.Len(t, token, 43)
				assert.Equal(t, tc.actor, inv.InviterID)
				if len(tc.in.Roles) == 0 {
					assert.Equal(t, []string{RoleMember}, inv.Roles)
				} else {
					assert.Equal(t, tc.in.Roles, inv.Roles)
				}
			})
		}

		// Already a member: refused where the store knows users' emails
		// (Schema.Users, Better Auth's user table); otherwise the invitation
		// is made and accepting keeps the membership as it is.
		inv, token, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: strings.ToUpper(fx.email(admin)), Roles: []string{RoleMember}})
		if fx.Schema.Users.Table != "" {
			assert.ErrorIs(t, err, ErrAlreadyMember)
		} else {
			require.NoError(t, err)
			m, err := s.AcceptInvitation(ctx, admin, fx.email(admin), token)
			require.NoError(t, err)
			assert.Equal(t, []string{RoleAdmin}, m.Roles, "the existing membership is kept")
			assert.Equal(t, 1, membersOf(t, fx, org.ID, admin))
			assert.Equal(t, StatusAccepted, invStatus(t, fx, inv.ID))
		}
	})
}

func TestAcceptInvitation(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		clock := newInvClock()
		s, fx := newTestStore(t, flavor, Config{Now: clock.Now})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)

		for _, tc := range []struct {
			name string
			// do accepts (or not) as bob, whose email is email; token is the
			// invitation's.
			do      func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error)
			want    error
			status  InvitationStatus // afterwards
			members int              // bob's memberships afterwards
		}{
			{"accepted", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				return s.AcceptInvitation(ctx, bob, email, token)
			}, nil, StatusAccepted, 1},
			{"email in another case", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				return s.AcceptInvitation(ctx, bob, " "+strings.ToUpper(email), token)
			}, nil, StatusAccepted, 1},
			{"wrong token", func(bob UserID, email, _ string) (Member[OrgID, UserID, MemberID], error) {
				return s.AcceptInvitation(ctx, bob, email, otherToken())
			}, ErrInvalidToken, StatusPending, 0},
			{"malformed token", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				return s.AcceptInvitation(ctx, bob, email, token[:42])
			}, ErrInvalidToken, StatusPending, 0},
			{"token with padding", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				return s.AcceptInvitation(ctx, bob, email, token+"=")
			}, ErrInvalidToken, StatusPending, 0},
			{"another email", func(bob UserID, _, token string) (Member[OrgID, UserID, MemberID], error) {
				return s.AcceptInvitation(ctx, bob, "mallory@example.com", token)
			}, ErrEmailMismatch, StatusPending, 0},
			{"just before expiry", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				clock.Advance(48*time.Hour - time.Second)
				return s.AcceptInvitation(ctx, bob, email, token)
			}, nil, StatusAccepted, 1},
			{"expired", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				clock.Advance(48 * time.Hour)
				return s.AcceptInvitation(ctx, bob, email, token)
			}, ErrInvitationExpired, StatusExpired, 0},
			{"expired, accepted again", func(bob UserID, email, token string) (Member[OrgID, UserID, MemberID], error) {
				clock.Advance(49 * time.Hour)
				_, err := s.AcceptInvitation(ctx, bob, email, token)
				require.ErrorIs(t, err, ErrInvitationExpired)
				return s.AcceptInvitation(ctx, bob, email, token)
			}, ErrInvitationExpired, StatusExpired, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bob := fx.user(t, "bob")
				inv, token := invite(t, s, owner, org.ID, fx.email(bob), RoleAdmin)
				m, err := tc.do(bob, fx.email(bob), token)
				if tc.want != nil {
					assert.ErrorIs(t, err, tc.want)
					assert.Empty(t, m.ID)
				} else {
					require.NoError(t, err)
					assert.NotEmpty(t, m.ID)
					assert.Equal(t, bob, m.UserID)
					assert.Equal(t, org.ID, m.OrganizationID)
					assert.Equal(t, []string{RoleAdmin}, m.Roles, "the invitation's roles")
				}
				assert.Equal(t, tc.status, invStatus(t, fx, inv.ID))
				assert.Equal(t, tc.members, membersOf(t, fx, org.ID, bob))
			})
		}

		// The member holds its roles at once.
		carol := fx.user(t, "carol")
		_, token := invite(t, s, owner, org.ID, fx.email(carol), RoleAdmin)
		_, err := s.AcceptInvitation(ctx, carol, fx.email(carol), token)
		require.NoError(t, err)
		_, _, err = s.Invite(ctx, carol, org.ID, NewInvitation[TeamID]{Email: "via-carol@example.com"})
		assert.NoError(t, err, "an admin by invitation may invite")

		// A configured expiry, moved past with the clock.
		short := fx.store(t, Config{Now: clock.Now, InvitationTTL: time.Hour})
		dave := fx.user(t, "dave")
		inv, token, err := short.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(dave)})
		require.NoError(t, err)
		clock.Advance(time.Hour + time.Microsecond)
		_, err = short.AcceptInvitation(ctx, dave, fx.email(dave), token)
		assert.ErrorIs(t, err, ErrInvitationExpired)
		assert.Equal(t, StatusExpired, invStatus(t, fx, inv.ID))
	})
}

// TestAcceptOnce: a token makes one member, once; the same user accepting
// again gets the same membership; anyone else is refused.
func TestAcceptOnce(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, bob, carol := fx.user(t, "owner"), fx.user(t, "bob"), fx.user(t, "carol")
		org := fx.org(t, s, owner)
		inv, token := invite(t, s, owner, org.ID, fx.email(bob))

		first, err := s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		require.NoError(t, err)
		again, err := s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		require.NoError(t, err, "idempotent for the user who accepted")
		assert.Equal(t, first.ID, again.ID)
		assert.Equal(t, first.Roles, again.Roles)

		// Carol, with her own email or claiming Bob's, gets nothing.
		_, err = s.AcceptInvitation(ctx, carol, fx.email(carol), token)
		assert.ErrorIs(t, err, ErrEmailMismatch)
		_, err = s.AcceptInvitation(ctx, carol, fx.email(bob), token)
		assert.ErrorIs(t, err, ErrInvitationNotPending)
		assert.Zero(t, membersOf(t, fx, org.ID, carol))
		assert.Equal(t, 1, membersOf(t, fx, org.ID, bob))
		assert.Equal(t, StatusAccepted, invStatus(t, fx, inv.ID))

		// Once Bob has left, the used token does not bring him back.
		require.NoError(t, s.Leave(ctx, bob, org.ID))
		_, err = s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		assert.ErrorIs(t, err, ErrInvitationNotPending)
		assert.Zero(t, membersOf(t, fx, org.ID, bob))
	})
}

// TestAcceptIntoTeam: an invitation naming a team puts the member in it.
func TestAcceptIntoTeam(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Hooks: rec.hooks()})
		owner, bob, carol := fx.user(t, "owner"), fx.user(t, "bob"), fx.user(t, "carol")
		org := fx.org(t, s, owner)
		team, err := s.CreateTeam(ctx, owner, org.ID, "eng")
		require.NoError(t, err)

		inv, token, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(bob), TeamID: team.ID})
		require.NoError(t, err)
		assert.Equal(t, team.ID, inv.TeamID)
		rec.take()
		_, err = s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		require.NoError(t, err)
		assert.Equal(t, []string{
			"before invitation.accept", "before member.add", "after member.add",
			"before team.add_member", "after team.add_member", "after invitation.accept",
		}, rec.take())
		tms, err := s.ListTeamMembers(ctx, owner, team.ID)
		require.NoError(t, err)
		require.Len(t, tms, 1)
		assert.Equal(t, bob, tms[0].UserID)

		// A team deleted meanwhile: the membership is still accepted.
		_, token, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(carol), TeamID: team.ID})
		require.NoError(t, err)
		require.NoError(t, s.DeleteTeam(ctx, owner, team.ID))
		_, err = s.AcceptInvitation(ctx, carol, fx.email(carol), token)
		require.NoError(t, err)
		assert.Equal(t, 1, membersOf(t, fx, org.ID, carol))
	})
}

func TestRejectInvitation(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		clock := newInvClock()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Now: clock.Now, Hooks: rec.hooks()})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)

		for _, tc := range []struct {
			name   string
			do     func(bob UserID, email, token string) error
			want   error
			status InvitationStatus
		}{
			{"by the recipient", func(bob UserID, email, token string) error {
				return s.RejectInvitation(ctx, bob, strings.ToUpper(email), token)
			}, nil, StatusRejected},
			{"by someone else", func(_ UserID, _, token string) error {
				mallory := fx.user(t, "mallory")
				return s.RejectInvitation(ctx, mallory, fx.email(mallory), token)
			}, ErrEmailMismatch, StatusPending},
			{"wrong token", func(bob UserID, email, _ string) error {
				return s.RejectInvitation(ctx, bob, email, otherToken())
			}, ErrInvalidToken, StatusPending},
			{"twice", func(bob UserID, email, token string) error {
				require.NoError(t, s.RejectInvitation(ctx, bob, email, token))
				return s.RejectInvitation(ctx, bob, email, token)
			}, ErrInvitationNotPending, StatusRejected},
			{"after accepting", func(bob UserID, email, token string) error {
				_, err := s.AcceptInvitation(ctx, bob, email, token)
				require.NoError(t, err)
				return s.RejectInvitation(ctx, bob, email, token)
			}, ErrInvitationNotPending, StatusAccepted},
			{"expired", func(bob UserID, email, token string) error {
				clock.Advance(48 * time.Hour)
				return s.RejectInvitation(ctx, bob, email, token)
			}, ErrInvitationExpired, StatusExpired},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bob := fx.user(t, "bob")
				inv, token := invite(t, s, owner, org.ID, fx.email(bob))
				rec.take()
				err := tc.do(bob, fx.email(bob), token)
				if tc.want != nil {
					assert.ErrorIs(t, err, tc.want)
				} else {
					require.NoError(t, err)
					assert.Equal(t, []string{"before invitation.reject", "after invitation.reject"}, rec.take())
					_, err := s.AcceptInvitation(ctx, bob, fx.email(bob), token)
					assert.ErrorIs(t, err, ErrInvitationNotPending, "a rejected invitation cannot be accepted")
				}
				assert.Equal(t, tc.status, invStatus(t, fx, inv.ID))
			})
		}
	})
}

func TestCancelInvitation(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		clock := newInvClock()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Now: clock.Now, Hooks: rec.hooks()})
		owner, admin, plain, outsider := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "plain"), fx.user(t, "outsider")
		org := fx.org(t, s, owner)
		other := fx.org(t, s, outsider)
		fx.addMembers(t, org.ID, []UserID{admin}, RoleAdmin)
		fx.addMembers(t, org.ID, []UserID{plain}, RoleMember)
		require.NoError(t, s.CreateRole(ctx, owner, org.ID, "recruiter", []Permission{InvitationCancel}))
		recruiter := fx.user(t, "recruiter")
		fx.addMembers(t, org.ID, []UserID{recruiter}, "recruiter")
		_ = other

		for _, tc := range []struct {
			name   string
			actor  UserID
			before func(inv InviteID, email, token string) // sets the invitation up
			id     func(inv InviteID) InviteID
			want   error
			status InvitationStatus
		}{
			{name: "by an admin", actor: admin, status: StatusCanceled},
			{name: "by an owner", actor: owner, status: StatusCanceled},
			{name: "by a custom role holding invitation:cancel", actor: recruiter, status: StatusCanceled},
			{name: "member without invitation:cancel", actor: plain, want: ErrForbidden, status: StatusPending},
			{name: "non-member", actor: outsider, want: ErrNotFound, status: StatusPending},
			{name: "twice", actor: admin, before: func(inv InviteID, _, _ string) {
				require.NoError(t, s.CancelInvitation(ctx, admin, inv))
			}, want: ErrInvitationNotPending, status: StatusCanceled},
			{name: "accepted", actor: admin, before: func(_ InviteID, email, token string) {
				_, err := s.AcceptInvitation(ctx, fx.user(t, "x"), email, token)
				require.NoError(t, err)
			}, want: ErrInvitationNotPending, status: StatusAccepted},
			{name: "rejected", actor: admin, before: func(_ InviteID, email, token string) {
				require.NoError(t, s.RejectInvitation(ctx, fx.user(t, "x"), email, token))
			}, want: ErrInvitationNotPending, status: StatusRejected},
			{name: "expired", actor: admin, before: func(InviteID, string, string) {
				clock.Advance(48 * time.Hour)
			}, want: ErrInvitationExpired, status: StatusExpired},
			{name: "unknown id", actor: admin, id: func(InviteID) InviteID {
				if flavor == flavorNative {
					return "00000000-0000-4000-8000-000000000000"
				}
				return InviteID(newTestID())
			}, want: ErrNotFound, status: StatusPending},
			{name: "malformed id", actor: admin, id: func(InviteID) InviteID { return "nope" }, want: ErrNotFound, status: StatusPending},
		} {
			t.Run(tc.name, func(t *testing.T) {
				email := "guest-" + pgurl.RandomHex(4) + "@example.com"
				inv, token := invite(t, s, owner, org.ID, email)
				if tc.before != nil {
					tc.before(inv.ID, email, token)
				}
				id := inv.ID
				if tc.id != nil {
					id = tc.id(inv.ID)
				}
				rec.take()
				err := s.CancelInvitation(ctx, tc.actor, id)
				if tc.want != nil {
					assert.ErrorIs(t, err, tc.want)
				} else {
					require.NoError(t, err)
					assert.Equal(t, []string{"before invitation.cancel", "after invitation.cancel"}, rec.take())
					_, err := s.AcceptInvitation(ctx, fx.user(t, "late"), email, token)
					assert.ErrorIs(t, err, ErrInvitationNotPending, "a canceled invitation cannot be accepted")
				}
				assert.Equal(t, tc.status, invStatus(t, fx, inv.ID))
			})
		}
	})
}

// TestEmailLookAlikes: an address that Unicode case mapping folds into the
// invited one does not accept (nor reject, nor list) the invitation, and is
// not invited either; a mixed-case ASCII address is the same address.
func TestEmailLookAlikes(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		for _, c := range []struct{ invited, lookAlike string }{
			{"kate@acme.test", "\u212Aate@acme.test"}, // KELVIN SIGN: strings.ToLower makes it k
			{"sam@acme.test", "\u017Fam@acme.test"},   // LATIN SMALL LETTER LONG S: folds to s
			{"info@acme.test", "\u0130nfo@acme.test"}, // LATIN CAPITAL LETTER I WITH DOT ABOVE: ToLower makes it i
			{"kim@acme.test", "\uFF4Bim@acme.test"},   // FULLWIDTH LATIN SMALL LETTER K: NFKC makes it k
		} {
			inv, token := invite(t, s, owner, org.ID, c.invited)
			_, err := s.AcceptInvitation(ctx, fx.user(t, "mallory"), c.lookAlike, token)
			require.ErrorIs(t, err, ErrInvalidEmail, c.lookAlike)
			require.ErrorIs(t, s.RejectInvitation(ctx, fx.user(t, "mallory"), c.lookAlike, token), ErrInvalidEmail, c.lookAlike)
			_, err = s.ListInvitationsForEmail(ctx, c.lookAlike)
			require.ErrorIs(t, err, ErrInvalidEmail, c.lookAlike)
			_, _, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: c.lookAlike})
			require.ErrorIs(t, err, ErrInvalidEmail, c.lookAlike)
			require.Equal(t, StatusPending, invStatus(t, fx, inv.ID), c.lookAlike)
		}
		_, _, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "\u0131nfo@acme.test"}) // dotless i
		require.ErrorIs(t, err, ErrInvalidEmail)

		inv, token := invite(t, s, owner, org.ID, "Kate.Smith@Acme.Test")
		require.Equal(t, "kate.smith@acme.test", inv.Email)
		listed, err := s.ListInvitationsForEmail(ctx, "KATE.SMITH@acme.TEST")
		require.NoError(t, err)
		require.Len(t, listed, 1)
		_, err = s.AcceptInvitation(ctx, fx.user(t, "kate"), " KATE.smith@ACME.test ", token)
		require.NoError(t, err, "a mixed-case ASCII address is the invited one")
	})
}

// TestCancelInvitationNoOracle: an outsider canceling another organization's
// invitation gets the answer an unknown id gets — same sentinel, same message
// but for the id it sent — and nothing naming the organization.
func TestCancelInvitationNoOracle(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, outsider := fx.user(t, "owner"), fx.user(t, "outsider")
		org := fx.org(t, s, owner)
		fx.org(t, s, outsider)
		inv, _ := invite(t, s, owner, org.ID, "guest-"+pgurl.RandomHex(4)+"@example.com")
		unknown := InviteID(newTestID())
		if flavor == flavorNative {
			unknown = "00000000-0000-4000-8000-000000000000"
		}

		real := s.CancelInvitation(ctx, outsider, inv.ID)
		fake := s.CancelInvitation(ctx, outsider, unknown)
		require.ErrorIs(t, real, ErrNotFound)
		require.ErrorIs(t, fake, ErrNotFound)
		require.Equal(t, strings.ReplaceAll(fake.Error(), string(unknown), "ID"), strings.ReplaceAll(real.Error(), string(inv.ID), "ID"))
		require.NotContains(t, real.Error(), string(org.ID))
		require.Equal(t, StatusPending, invStatus(t, fx, inv.ID))
	})
}

func TestReinvite(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		for _, tc := range []struct {
			name   string
			policy ReinvitePolicy
		}{
			{"reject", ReinviteReject},
			{"resend", ReinviteResend},
			{"cancel", ReinviteCancel},
		} {
			t.Run(tc.name, func(t *testing.T) {
				clock := newInvClock()
				rec := &recorder{}
				s, fx := newTestStore(t, flavor, Config{Now: clock.Now, Reinvite: tc.policy, Hooks: rec.hooks()})
				owner, bob := fx.user(t, "owner"), fx.user(t, "bob")
				org := fx.org(t, s, owner)
				first, oldToken := invite(t, s, owner, org.ID, fx.email(bob))
				clock.Advance(time.Hour)
				rec.take()

				// The same address in another case is the same invitee.
				second, newToken, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: strings.ToUpper(fx.email(bob)), Roles: []string{RoleAdmin}})
				switch tc.policy {
				case ReinviteReject:
					assert.ErrorIs(t, err, ErrInvitationPending)
					assert.Empty(t, newToken)
					assert.Equal(t, StatusPending, invStatus(t, fx, first.ID))
					m, err := s.AcceptInvitation(ctx, bob, fx.email(bob), oldToken)
					require.NoError(t, err, "the first invitation still works")
					assert.Equal(t, []string{RoleMember}, m.Roles)

				case ReinviteResend:
					require.NoError(t, err)
					assert.Equal(t, []string{"before invitation.create", "after invitation.create"}, rec.take())
					assert.Equal(t, first.ID, second.ID, "the same invitation")
					assert.NotEqual(t, oldToken, newToken)
					assert.True(t, second.ExpiresAt.Equal(clock.Now().Add(48*time.Hour)), "expiry extended: %v", second.ExpiresAt)
					assert.True(t, second.ExpiresAt.After(first.ExpiresAt))
					assert.Equal(t, []string{RoleAdmin}, second.Roles, "the resent invitation's roles")
					_, hash := invRow(t, fx, first.ID)
					want := sha256.Sum256([]byte(newToken))
					assert.Equal(t, want[:], hash)
					assert.Equal(t, 1, pendingIn(t, fx, org.ID))
					_, err = s.AcceptInvitation(ctx, bob, fx.email(bob), oldToken)
					assert.ErrorIs(t, err, ErrInvalidToken, "the old token stops working")

				case ReinviteCancel:
					require.NoError(t, err)
					assert.Equal(t, []string{
						"before invitation.cancel", "after invitation.cancel", "before invitation.create", "after invitation.create",
					}, rec.take())
					assert.NotEqual(t, first.ID, second.ID, "a new invitation")
					assert.Equal(t, StatusCanceled, invStatus(t, fx, first.ID))
					assert.Equal(t, 1, pendingIn(t, fx, org.ID))
					_, err = s.AcceptInvitation(ctx, bob, fx.email(bob), oldToken)
					assert.ErrorIs(t, err, ErrInvitationNotPending, "the old invitation is canceled")
				}
				if tc.policy != ReinviteReject {
					m, err := s.AcceptInvitation(ctx, bob, fx.email(bob), newToken)
					require.NoError(t, err, "the new token works")
					assert.Equal(t, []string{RoleAdmin}, m.Roles)
					assert.Equal(t, StatusAccepted, invStatus(t, fx, second.ID))
				}
				assert.Equal(t, 1, membersOf(t, fx, org.ID, bob))

				// Whatever the policy, an expired pending invitation is
				// replaced by a new one.
				carol := fx.user(t, "carol")
				old, _ := invite(t, s, owner, org.ID, fx.email(carol))
				clock.Advance(48 * time.Hour)
				fresh, token := invite(t, s, owner, org.ID, fx.email(carol))
				assert.NotEqual(t, old.ID, fresh.ID)
				assert.Equal(t, StatusExpired, invStatus(t, fx, old.ID))
				_, err = s.AcceptInvitation(ctx, carol, fx.email(carol), token)
				require.NoError(t, err)
			})
		}
	})
}

// TestAcceptHooks: accepting fires OpAcceptInvitation around the whole and
// OpAddMember around the member's insert; a veto by any of them rolls all
// back.
func TestAcceptHooks(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Hooks: rec.hooks()})
		owner, bob := fx.user(t, "owner"), fx.user(t, "bob")
		org := fx.org(t, s, owner)
		inv, token := invite(t, s, owner, org.ID, fx.email(bob), RoleAdmin)
		boom := errors.New("boom")

		for _, tc := range []struct {
			phase string
			op    Operation
		}{
			{"before", OpAcceptInvitation},
			{"before", OpAddMember},
			{"after", OpAddMember},
			{"after", OpAcceptInvitation},
		} {
			t.Run(tc.phase+" "+string(tc.op), func(t *testing.T) {
				rec.setVeto(func(phase string, e *Event) error {
					if phase != tc.phase || e.Op != tc.op {
						return nil
					}
					assert.Equal(t, string(org.ID), e.OrganizationID)
					assert.Equal(t, string(bob), e.UserID)
					assert.Equal(t, string(bob), e.Actor)
					assert.Equal(t, []string{RoleAdmin}, e.Roles)
					if e.Op == OpAcceptInvitation {
						assert.Equal(t, string(inv.ID), e.InvitationID)
						assert.Equal(t, fx.email(bob), e.Email)
					}
					return boom
				})
				rec.take()
				_, err := s.AcceptInvitation(ctx, bob, fx.email(bob), token)
				assert.ErrorIs(t, err, ErrVetoed)
				assert.ErrorIs(t, err, boom)
				assert.Equal(t, StatusPending, invStatus(t, fx, inv.ID), "rolled back: still pending")
				assert.Zero(t, membersOf(t, fx, org.ID, bob), "rolled back: no member")
			})
		}

		rec.setVeto(nil)
		rec.take()
		m, err := s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		require.NoError(t, err)
		assert.Equal(t, []string{
			"before invitation.accept", "before member.add", "after member.add", "after invitation.accept",
		}, rec.take(), "both fire, the member's inside the acceptance")
		assert.Equal(t, bob, m.UserID)

		// The idempotent repeat changes nothing and fires nothing.
		_, err = s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		require.NoError(t, err)
		assert.Empty(t, rec.take())

		// Invite's own hooks: a veto leaves no invitation.
		rec.setVeto(func(phase string, e *Event) error {
			if phase == "after" && e.Op == OpInvite {
				assert.NotEmpty(t, e.InvitationID)
				assert.Equal(t, "carol@example.com", e.Email)
				return boom
			}
			return nil
		})
		before := pendingIn(t, fx, org.ID)
		_, _, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "Carol@example.com"})
		assert.ErrorIs(t, err, ErrVetoed)
		assert.Equal(t, before, pendingIn(t, fx, org.ID))
	})
}

func TestInvitationLimits(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()

		t.Run("pending invitations", func(t *testing.T) {
			clock := newInvClock()
			s, fx := newTestStore(t, flavor, Config{Now: clock.Now, MaxPendingInvitations: 2})
			owner := fx.user(t, "owner")
			org := fx.org(t, s, owner)
			first, _ := invite(t, s, owner, org.ID, "a@example.com")
			invite(t, s, owner, org.ID, "b@example.com")
			_, _, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "c@example.com"})
			assert.ErrorIs(t, err, ErrLimitReached)
			// Canceling frees a place; so does expiring.
			require.NoError(t, s.CancelInvitation(ctx, owner, first.ID))
			invite(t, s, owner, org.ID, "c@example.com")
			_, _, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: "d@example.com"})
			assert.ErrorIs(t, err, ErrLimitReached)
			clock.Advance(48 * time.Hour)
			invite(t, s, owner, org.ID, "d@example.com")
			// Other organizations have their own count.
			other := fx.org(t, s, owner)
			invite(t, s, owner, other.ID, "a@example.com")
		})

		t.Run("members", func(t *testing.T) {
			s, fx := newTestStore(t, flavor, Config{MaxMembers: 3})
			owner, bob, carol, dave := fx.user(t, "owner"), fx.user(t, "bob"), fx.user(t, "carol"), fx.user(t, "dave")
			org := fx.org(t, s, owner)
			// The owner and two pending invitations fill three seats.
			_, bobToken := invite(t, s, owner, org.ID, fx.email(bob))
			carolInv, _ := invite(t, s, owner, org.ID, fx.email(carol))
			_, _, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(dave)})
			assert.ErrorIs(t, err, ErrLimitReached)
			// Accepting turns a seat into a member: still full, but the
			// accept itself fits.
			_, err = s.AcceptInvitation(ctx, bob, fx.email(bob), bobToken)
			require.NoError(t, err)
			_, _, err = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(dave)})
			assert.ErrorIs(t, err, ErrLimitReached)
			_, err = s.AddMember(ctx, owner, org.ID, dave, nil)
			assert.ErrorIs(t, err, ErrLimitReached, "pending invitations hold their seats against direct adds too")
			require.NoError(t, s.CancelInvitation(ctx, owner, carolInv.ID))
			invite(t, s, owner, org.ID, fx.email(dave))
		})

		// Under concurrency: n invitations at once against a limit of k
		// leave exactly k.
		const n, k = 20, 5
		for _, lim := range []struct {
			name string
			cfg  Config
			want int // pending invitations that fit
		}{
			{"pending invitations, concurrent", Config{MaxPendingInvitations: k}, k},
			{"members, concurrent", Config{MaxMembers: k}, k - 1}, // the owner holds a seat
		} {
			t.Run(lim.name, func(t *testing.T) {
				s, fx := newTestStore(t, flavor, lim.cfg)
				owner := fx.user(t, "owner")
				org := fx.org(t, s, owner)
				var wg sync.WaitGroup
				start := make(chan struct{})
				errs := make([]error, n)
				for i := range n {
					wg.Go(func() {
						<-start
						_, _, errs[i] = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fmt.Sprintf("guest-%d@example.com", i)})
					})
				}
				close(start)
				wg.Wait()
				ok := 0
				for _, err := range errs {
					if err == nil {
						ok++
					} else {
						assert.ErrorIs(t, err, ErrLimitReached)
					}
				}
				assert.Equal(t, lim.want, ok)
				assert.Equal(t, lim.want, pendingIn(t, fx, org.ID))
			})
		}
	})
}

// TestConcurrentAccept: two accepts of one token at once make one member,
// and both callers get it; run many times.
func TestConcurrentAccept(t *testing.T) {
	const rounds = 50
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		for _, cfg := range []struct {
			name string
			cfg  Config
		}{
			{"no limits", Config{}},
			{"with a membership limit", Config{MaxMembers: 1000}},
		} {
			t.Run(cfg.name, func(t *testing.T) {
				rec := &recorder{}
				cfg.cfg.Hooks = rec.hooks()
				s, fx := newTestStore(t, flavor, cfg.cfg)
				owner := fx.user(t, "owner")
				org := fx.org(t, s, owner)
				users := fx.users(t, "bob", rounds)
				for round, bob := range users {
					_, token := invite(t, s, owner, org.ID, fx.email(bob))
					rec.take()
					var wg sync.WaitGroup
					start := make(chan struct{})
					var got [2]Member[OrgID, UserID, MemberID]
					var errs [2]error
					for i := range 2 {
						wg.Go(func() {
							<-start
							got[i], errs[i] = s.AcceptInvitation(ctx, bob, fx.email(bob), token)
						})
					}
					close(start)
					wg.Wait()
					require.NoError(t, errs[0], "round %d", round)
					require.NoError(t, errs[1], "round %d", round)
					require.Equal(t, got[0].ID, got[1].ID, "round %d: the same member", round)
					require.Equal(t, 1, membersOf(t, fx, org.ID, bob), "round %d: one member", round)
					fired := map[string]int{}
					for _, e := range rec.take() {
						fired[e]++
					}
					require.Equal(t, map[string]int{
						"before invitation.accept": 1, "before member.add": 1, "after member.add": 1, "after invitation.accept": 1,
					}, fired, "round %d: accepted once, the second call saw it accepted", round)
				}
			})
		}
	})
}

// TestAcceptRacesCancelAndReject: an accept racing a cancel or a reject ends
// in exactly one of the two outcomes, never both or neither.
func TestAcceptRacesCancelAndReject(t *testing.T) {
	const rounds = 50
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		users := fx.users(t, "bob", 2*rounds)
		for round, bob := range users {
			inv, token := invite(t, s, owner, org.ID, fx.email(bob))
			other := func() error { return s.CancelInvitation(ctx, owner, inv.ID) }
			lost := StatusCanceled
			if round%2 == 1 {
				other = func() error { return s.RejectInvitation(ctx, bob, fx.email(bob), token) }
				lost = StatusRejected
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			var acceptErr, otherErr error
			wg.Go(func() {
				<-start
				_, acceptErr = s.AcceptInvitation(ctx, bob, fx.email(bob), token)
			})
			wg.Go(func() {
				<-start
				otherErr = other()
			})
			close(start)
			wg.Wait()
			switch {
			case acceptErr == nil:
				require.ErrorIs(t, otherErr, ErrInvitationNotPending, "round %d", round)
				require.Equal(t, StatusAccepted, invStatus(t, fx, inv.ID), "round %d", round)
				require.Equal(t, 1, membersOf(t, fx, org.ID, bob), "round %d", round)
			default:
				require.ErrorIs(t, acceptErr, ErrInvitationNotPending, "round %d", round)
				require.NoError(t, otherErr, "round %d", round)
				require.Equal(t, lost, invStatus(t, fx, inv.ID), "round %d", round)
				require.Zero(t, membersOf(t, fx, org.ID, bob), "round %d", round)
			}
		}
	})
}

func TestListInvitations(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		clock := newInvClock()
		s, fx := newTestStore(t, flavor, Config{Now: clock.Now})
		alice, plain, bob, zed := fx.user(t, "alice"), fx.user(t, "plain"), fx.user(t, "bob"), fx.user(t, "zed")
		a := fx.org(t, s, alice)
		b := fx.org(t, s, zed)
		fx.addMembers(t, a.ID, []UserID{plain}, RoleAdmin)

		old, _ := invite(t, s, alice, a.ID, "old@example.com")
		clock.Advance(47 * time.Hour)
		accepted, token := invite(t, s, alice, a.ID, fx.email(bob))
		_, err := s.AcceptInvitation(ctx, bob, fx.email(bob), token)
		require.NoError(t, err)
		clock.Advance(time.Second) // listed oldest first
		canceled, _ := invite(t, s, alice, a.ID, "canceled@example.com")
		require.NoError(t, s.CancelInvitation(ctx, alice, canceled.ID))
		clock.Advance(time.Second)
		pending, _ := invite(t, s, alice, a.ID, "pending@example.com")
		clock.Advance(2 * time.Hour) // old is past its expiry, still stored as pending
		invite(t, s, zed, b.ID, "b-only@example.com")

		ids := func(list []Invitation[OrgID, UserID, InviteID, TeamID]) []InviteID {
			out := []InviteID{}
			for _, inv := range list {
				out = append(out, inv.ID)
			}
			return out
		}
		for _, tc := range []struct {
			status InvitationStatus
			want   []InviteID
		}{
			{"", []InviteID{old.ID, accepted.ID, canceled.ID, pending.ID}},
			{StatusPending, []InviteID{pending.ID}},
			{StatusExpired, []InviteID{old.ID}},
			{StatusAccepted, []InviteID{accepted.ID}},
			{StatusCanceled, []InviteID{canceled.ID}},
			{StatusRejected, []InviteID{}},
		} {
			t.Run("status "+string(tc.status), func(t *testing.T) {
				// An admin lists (a plain member may not:
				// TestListInvitationsNeedsInvitationCreate).
				list, err := s.ListInvitations(ctx, plain, a.ID, tc.status)
				require.NoError(t, err)
				assert.Equal(t, tc.want, ids(list))
				for _, inv := range list {
					assert.Equal(t, a.ID, inv.OrganizationID)
					if inv.ID == old.ID {
						assert.Equal(t, StatusExpired, inv.Status, "reported as expired")
					}
				}
			})
		}
		assert.Equal(t, StatusPending, invStatus(t, fx, old.ID), "listing writes nothing")

		_, err = s.ListInvitations(ctx, plain, a.ID, "bogus")
		assert.Error(t, err)
		// A member of A cannot list B's; nor can anyone list an unknown or
		// malformed organization's.
		for _, org := range []OrgID{b.ID, "00000000-0000-4000-8000-000000000000", OrgID(newTestID()), "nope"} {
			_, err := s.ListInvitations(ctx, alice, org, "")
			assert.ErrorIs(t, err, ErrNotMember, "%s", org)
		}
		_, err = s.ListInvitations(ctx, bob, b.ID, StatusPending)
		assert.ErrorIs(t, err, ErrNotMember)
	})
}

func TestListInvitationsForEmail(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		clock := newInvClock()
		s, fx := newTestStore(t, flavor, Config{Now: clock.Now})
		alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
		a, b, c, d := fx.org(t, s, alice), fx.org(t, s, alice), fx.org(t, s, alice), fx.org(t, s, alice)
		email := fx.email(bob)

		expired, _ := invite(t, s, alice, a.ID, email)
		clock.Advance(24 * time.Hour)
		inB, _ := invite(t, s, alice, b.ID, strings.ToUpper(email))
		clock.Advance(time.Second) // listed oldest first
		inC, _ := invite(t, s, alice, c.ID, email, RoleAdmin)
		canceled, _ := invite(t, s, alice, d.ID, email)
		require.NoError(t, s.CancelInvitation(ctx, alice, canceled.ID))
		invite(t, s, alice, d.ID, "someone-else@example.com")
		clock.Advance(25 * time.Hour) // a's invitation is now past its expiry

		list, err := s.ListInvitationsForEmail(ctx, "  "+strings.ToUpper(email))
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, inB.ID, list[0].ID)
		assert.Equal(t, b.ID, list[0].OrganizationID)
		assert.Equal(t, inC.ID, list[1].ID)
		assert.Equal(t, []string{RoleAdmin}, list[1].Roles)
		for _, inv := range list {
			assert.Equal(t, StatusPending, inv.Status)
			assert.NotEqual(t, expired.ID, inv.ID)
		}

		list, err = s.ListInvitationsForEmail(ctx, "nobody@example.com")
		require.NoError(t, err)
		assert.Empty(t, list)
	})
}

// TestAcceptRacesTeamDeleteAndResend: accepting while the invitation's team
// is deleted, or while the invitation is resent, ends without deadlock or an
// undocumented error.
func TestAcceptRacesTeamDeleteAndResend(t *testing.T) {
	const rounds = 25
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{Reinvite: ReinviteResend})
		owner := fx.user(t, "owner")
		org := fx.org(t, s, owner)
		users := fx.users(t, "bob", 2*rounds)
		race := func(a, b func()) {
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Go(func() { <-start; a() })
			wg.Go(func() { <-start; b() })
			close(start)
			wg.Wait()
		}
		for round := range rounds {
			// The team is deleted while its invitation is accepted: the
			// membership is made either way.
			bob := users[2*round]
			team, err := s.CreateTeam(ctx, owner, org.ID, fmt.Sprintf("team-%d", round))
			require.NoError(t, err)
			_, token, err := s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(bob), TeamID: team.ID})
			require.NoError(t, err)
			var acceptErr, deleteErr error
			race(func() { _, acceptErr = s.AcceptInvitation(ctx, bob, fx.email(bob), token) },
				func() { deleteErr = s.DeleteTeam(ctx, owner, team.ID) })
			require.NoError(t, acceptErr, "round %d", round)
			require.NoError(t, deleteErr, "round %d", round)
			require.Equal(t, 1, membersOf(t, fx, org.ID, bob), "round %d", round)

			// The invitation is resent while accepted: the old token either
			// won or is refused as replaced.
			carol := users[2*round+1]
			inv, token := invite(t, s, owner, org.ID, fx.email(carol))
			var resent Invitation[OrgID, UserID, InviteID, TeamID]
			var resendErr error
			race(func() { _, acceptErr = s.AcceptInvitation(ctx, carol, fx.email(carol), token) },
				func() {
					resent, _, resendErr = s.Invite(ctx, owner, org.ID, NewInvitation[TeamID]{Email: fx.email(carol)})
				})
			if acceptErr == nil {
				require.Equal(t, 1, membersOf(t, fx, org.ID, carol), "round %d", round)
				if fx.Schema.Users.Table != "" {
					require.ErrorIs(t, resendErr, ErrAlreadyMember, "round %d", round)
				} else {
					require.NoError(t, resendErr, "round %d", round)
					require.NotEqual(t, inv.ID, resent.ID, "round %d: a new invitation", round)
				}
			} else {
				require.ErrorIs(t, acceptErr, ErrInvalidToken, "round %d", round)
				require.NoError(t, resendErr, "round %d", round)
				require.Equal(t, inv.ID, resent.ID, "round %d: the same invitation", round)
				require.Zero(t, membersOf(t, fx, org.ID, carol), "round %d", round)
			}
		}
	})
}
