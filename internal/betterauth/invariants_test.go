package betterauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/templates"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// TestInvariants attacks the invariants the better-auth store migration puts
// in the database — an organization keeps an owner; one membership per user
// and organization, and no pending invitation for a member — with the two
// services racing: Go holding its organization lock, Better Auth reading
// without one. Races are made deterministic with a gate: an Admin
// transaction holding a row lock until the racers queue on it in a chosen
// order.
func TestInvariants(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	// A second Better Auth process: baClient serialises its calls, so two
	// Better Auth requests at once need two processes (sessions are per
	// process: users sign in there too).
	ba2 := startBA(t, requireNode(t), e.DB.OwnerURL)
	tally := map[string]int{}

	flows := []flowCase{
		{"last owner/Go→BA remove vs remove", func(t *testing.T) {
			defer noteTally(t, tally)
			// Owners A and B; A removes itself through Go, B itself through
			// Better Auth, 20 rounds over four interleavings.
			for round := range 20 {
				o := e.twoOwners(t, nil, round%2 == 0)
				goRemove := func() error { return e.Store.RemoveMember(ctx, o.a.id, OrgID(o.org), o.a.id) }
				baRemove := func() error {
					return e.BA.call(map[string]any{"op": "removeMember", "as": o.b.id, "member": o.b.email, "organizationId": o.org}, nil)
				}
				goErr, baErr := e.interleave(t, round%4, o, goRemove, baRemove)
				e.requireOneOwnerLeft(t, o.org, "round %d", round)
				tally[outcome(t, "Go", goErr)+" / "+outcome(t, "BA", baErr)]++
				require.True(t, (goErr == nil) != (baErr == nil), "round %d: exactly one removal succeeds: Go %v, BA %v", round, goErr, baErr)
			}
		}},
		{"last owner/BA→BA remove vs leave", func(t *testing.T) {
			defer noteTally(t, tally)
			// Two Better Auth requests at once: A removes itself in one
			// process, B leaves in the other.
			for round := range 12 {
				o := e.twoOwners(t, ba2, round%2 == 1)
				aRemove := func() error {
					return e.BA.call(map[string]any{"op": "removeMember", "as": o.a.id, "member": o.a.email, "organizationId": o.org}, nil)
				}
				bLeave := func() error {
					return ba2.call(map[string]any{"op": "leave", "as": o.b.id, "organizationId": o.org}, nil)
				}
				aErr, bErr := e.interleave(t, round%4, o, aRemove, bLeave)
				e.requireOneOwnerLeft(t, o.org, "round %d", round)
				tally[outcome(t, "BA", aErr)+" / "+outcome(t, "BA", bErr)]++
				require.True(t, (aErr == nil) != (bErr == nil), "round %d: exactly one succeeds: %v, %v", round, aErr, bErr)
			}
		}},
		{"last owner/Go→BA demote vs remove", func(t *testing.T) {
			defer noteTally(t, tally)
			// Go demotes A (itself) while Better Auth removes B (itself); then
			// Better Auth demotes B while Go removes A.
			for round := range 12 {
				o := e.twoOwners(t, nil, round%2 == 0)
				var first, second func() error
				if round < 6 {
					first = func() error {
						_, err := e.Store.UpdateMemberRoles(ctx, o.a.id, OrgID(o.org), o.a.id, []string{orgstore.RoleAdmin})
						return err
					}
					second = func() error {
						return e.BA.call(map[string]any{"op": "removeMember", "as": o.b.id, "member": o.b.email, "organizationId": o.org}, nil)
					}
				} else {
					first = func() error { return e.Store.RemoveMember(ctx, o.a.id, OrgID(o.org), o.a.id) }
					second = func() error {
						return e.BA.call(map[string]any{"op": "updateRole", "as": o.b.id, "memberId": o.b.member,
							"role": orgstore.RoleMember, "organizationId": o.org}, nil)
					}
				}
				goErr, baErr := e.interleave(t, round%4, o, first, second)
				e.requireOneOwnerLeft(t, o.org, "round %d", round)
				tally[outcome(t, "Go", goErr)+" / "+outcome(t, "BA", baErr)]++
				require.True(t, (goErr == nil) != (baErr == nil), "round %d: exactly one succeeds: Go %v, BA %v", round, goErr, baErr)
			}
		}},
		{"last owner/one transaction swaps owners", func(t *testing.T) {
			// Checked at commit: demoting the only owner before promoting
			// another works, in either order; demoting alone does not.
			o := e.twoOwners(t, nil, false)
			c, _ := e.signUp(t, "Heir")
			_, err := e.Store.AddMember(ctx, o.a.id, OrgID(o.org), c, []string{orgstore.RoleMember})
			require.NoError(t, err)
			require.NoError(t, e.Store.RemoveMember(ctx, o.a.id, OrgID(o.org), o.b.id))
			setRole := `UPDATE member SET role = $3 WHERE "organizationId" = $1 AND "userId" = $2`
			// A demoted first, C promoted; then A promoted first, C demoted.
			for _, order := range [][2]UserID{{o.a.id, c}, {o.a.id, c}} {
				err := pgx.BeginFunc(ctx, e.Admin, func(tx pgx.Tx) error {
					for _, u := range order {
						role := orgstore.RoleOwner
						if isOwner(e, t, o.org, u) {
							role = orgstore.RoleAdmin
						}
						if _, err := tx.Exec(ctx, setRole, o.org, u, role); err != nil {
							return err
						}
					}
					return nil
				})
				require.NoError(t, err, "owner swap in the order %v", order)
				e.requireOneOwnerLeft(t, o.org, "after the swap")
			}
			// Now A is the owner again; demoting it alone fails at COMMIT.
			err = pgx.BeginFunc(ctx, e.Admin, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, setRole, o.org, o.a.id, "admin,member")
				return err
			})
			pe := requirePgError(t, err, "23514", "tenantc_organization_owner")
			assert.Equal(t, fmt.Sprintf("tenantc: organization %s would have no owner", o.org), pe.Message)
			assert.NotEmpty(t, pe.Hint)
			assert.Equal(t, "member", pe.TableName)
			e.requireOneOwnerLeft(t, o.org, "after the refused demotion")
		}},
		{"last owner/stricter isolation levels", func(t *testing.T) {
			// Two transactions whose snapshots predate each other's commit,
			// each removing one of two owners: a new snapshot cannot help
			// them, so REPEATABLE READ locks the owners it sees (and
			// SERIALIZABLE detects the race itself). One commits, the other
			// fails with a serialization failure, a deadlock or the owner
			// check; one owner is left.
			for _, level := range []string{"repeatable read", "serializable"} {
				o := e.twoOwners(t, nil, false)
				var conns [2]*pgx.Conn
				for i := range conns {
					conns[i] = pgtest.Connect(t, e.DB.AdminURL)
					_, err := conns[i].Exec(ctx, "BEGIN ISOLATION LEVEL "+level)
					require.NoError(t, err)
				}
				for i, u := range []UserID{o.a.id, o.b.id} {
					_, err := conns[i].Exec(ctx, `DELETE FROM member WHERE "organizationId" = $1 AND "userId" = $2`, o.org, u)
					require.NoError(t, err)
				}
				c0 := async(func() error { _, err := conns[0].Exec(ctx, "COMMIT"); return err })
				e.waitLockedOrDone(t, 1, c0)
				c1 := async(func() error { _, err := conns[1].Exec(ctx, "COMMIT"); return err })
				errs := []error{<-c0, <-c1}
				failed := 0
				for _, err := range errs {
					if err != nil {
						failed++
						var pe *pgconn.PgError
						require.ErrorAs(t, err, &pe)
						assert.Contains(t, []string{"40001", "40P01", "23514"}, pe.Code, "%s: %v", level, pe)
						t.Logf("%s: the loser: %s %s", level, pe.Code, pe.Message)
					}
				}
				assert.Equal(t, 1, failed, "%s: one of the two commits fails: %v", level, errs)
				e.requireOneOwnerLeft(t, o.org, level)
			}
		}},
		{"last owner/Go hook meets the trigger: ErrLastOwner", func(t *testing.T) {
			// A Go hook that removes the other owner inside the operation's
			// transaction gets past Go's own count; the database refuses at
			// commit, and Go reports the same sentinel.
			o := e.twoOwners(t, nil, true)
			hooked, err := orgstore.New[OrgID, UserID, MemberID, InviteID, TeamID](tenant.NewSystemDB(e.Admin), orgstore.Config{
				Schema: orgstore.BetterAuth(),
				Hooks: orgstore.Hooks{Before: []orgstore.Hook{func(ctx context.Context, ev *orgstore.Event) error {
					if ev.Op != orgstore.OpRemoveMember {
						return nil
					}
					_, err := ev.Tx.Exec(ctx, `DELETE FROM member WHERE "organizationId" = $1 AND "userId" = $2`, o.org, o.b.id)
					return err
				}}},
			})
			require.NoError(t, err)
			err = hooked.RemoveMember(ctx, o.a.id, OrgID(o.org), o.a.id)
			require.ErrorIs(t, err, orgstore.ErrLastOwner)
			requirePgError(t, err, "23514", "tenantc_organization_owner")
			t.Logf("Go: %v", err)
			assert.Equal(t, 2, e.ownerCount(t, o.org), "nothing committed")
		}},
		{"accept when member/Go→BA", func(t *testing.T) {
			// Better Auth invites, Go adds the invitee directly: the
			// invitation stops being pending, and Better Auth's accept answers
			// its own 400 instead of a unique-index 500.
			owner, _ := e.signUp(t, "Owner")
			user, email := e.signUp(t, "Invitee")
			o := e.baCreateOrg(t, owner)
			var inv struct {
				ID string `json:"id"`
			}
			e.BA.must(t, &inv, map[string]any{"op": "invite", "as": owner, "email": email, "role": "member", "organizationId": o.ID})
			_, err := e.Store.AddMember(ctx, owner, OrgID(o.ID), user, []string{orgstore.RoleAdmin})
			require.NoError(t, err)
			assert.Equal(t, "accepted", e.invitationStatus(t, inv.ID), "a membership settles the invitee's pending invitation")
			be := requireBAError(t, e.BA.call(map[string]any{"op": "accept", "as": user, "invitationId": inv.ID}, nil))
			assert.Equal(t, 400, be.Status, "%v", be)
			assert.Equal(t, "INVITATION_NOT_FOUND", be.Code)
			t.Logf("Better Auth: %v", be)
			assert.Equal(t, "accepted", e.invitationStatus(t, inv.ID))
			assert.Equal(t, 1, e.memberRows(t, o.ID, user))
		}},
		{"accept when member/BA→Go", func(t *testing.T) {
			// Go invites, Better Auth adds the invitee: the invitation is no
			// longer pending, and Go's accept (idempotent for an accepted
			// invitation) returns the membership Better Auth made, as it is.
			owner, _ := e.signUp(t, "Owner")
			user, email := e.signUp(t, "Invitee")
			o := e.goCreateOrg(t, owner)
			inv, token, err := e.Store.Invite(ctx, owner, o.ID, orgstore.NewInvitation[TeamID]{Email: email, Roles: []string{orgstore.RoleAdmin}})
			require.NoError(t, err)
			e.BA.must(t, nil, map[string]any{"op": "addMember", "userId": user, "role": "member", "organizationId": o.ID})
			assert.Equal(t, "accepted", e.invitationStatus(t, string(inv.ID)))
			m, err := e.Store.AcceptInvitation(ctx, user, email, token)
			require.NoError(t, err)
			assert.Equal(t, []string{orgstore.RoleMember}, m.Roles, "Better Auth's membership, not the invitation's roles")
			assert.Equal(t, 1, e.memberRows(t, string(o.ID), user))
		}},
		{"accept when member/BA accept vs Go add", func(t *testing.T) {
			defer noteTally(t, tally)
			// Better Auth has set the invitation accepted and is about to
			// insert the member when Go adds the same user. Better Auth's
			// insert is refused with the invariant's message, its catch path
			// cannot put the invitation back to pending: one member, the
			// invitation accepted, in both orders.
			for round := range 8 {
				owner, _ := e.signUp(t, "Owner")
				user, email := e.signUp(t, "Invitee")
				o := e.baCreateOrg(t, owner)
				var inv struct {
					ID string `json:"id"`
				}
				e.BA.must(t, &inv, map[string]any{"op": "invite", "as": owner, "email": email, "role": "member", "organizationId": o.ID})
				goAdd := func() error { _, err := e.Store.AddMember(ctx, owner, OrgID(o.ID), user, nil); return err }
				baAccept := func() error {
					return e.BA.call(map[string]any{"op": "accept", "as": user, "invitationId": inv.ID}, nil)
				}
				gate := e.hold(t, `SELECT 1 FROM organization WHERE id = $1 FOR UPDATE`, o.ID)
				var goErr, baErr error
				if round%2 == 0 {
					g := async(goAdd)
					e.waitLocked(t, 1)
					b := async(baAccept)
					e.waitLocked(t, 2)
					gate()
					goErr, baErr = <-g, <-b
					require.NoError(t, goErr)
					be := requireBAError(t, baErr)
					assert.Equal(t, "23505", be.Code, "the one-membership trigger: %v", be)
					assert.Contains(t, be.Message, "is already a member of organization")
				} else {
					b := async(baAccept)
					e.waitLocked(t, 1)
					g := async(goAdd)
					e.waitLocked(t, 2)
					gate()
					goErr, baErr = <-g, <-b
					require.NoError(t, baErr)
					require.ErrorIs(t, goErr, orgstore.ErrAlreadyMember)
				}
				tally[outcome(t, "Go add", goErr)+" / "+outcome(t, "BA accept", baErr)]++
				assert.Equal(t, "accepted", e.invitationStatus(t, inv.ID), "round %d", round)
				assert.Equal(t, 1, e.memberRows(t, o.ID, user), "round %d", round)
			}
		}},
		{"same invitation/Go and BA accept at once", func(t *testing.T) {
			defer noteTally(t, tally)
			for round := range 10 {
				owner, _ := e.signUp(t, "Owner")
				user, email := e.signUp(t, "Invitee")
				o := e.goCreateOrg(t, owner)
				inv, token, err := e.Store.Invite(ctx, owner, o.ID, orgstore.NewInvitation[TeamID]{Email: email, Roles: []string{orgstore.RoleAdmin}})
				require.NoError(t, err)
				goAccept := func() error { _, err := e.Store.AcceptInvitation(ctx, user, email, token); return err }
				baAccept := func() error {
					return e.BA.call(map[string]any{"op": "accept", "as": user, "invitationId": inv.ID}, nil)
				}
				var goErr, baErr error
				if round < 8 {
					gate := e.hold(t, `SELECT 1 FROM invitation WHERE id = $1 FOR UPDATE`, inv.ID)
					first, second := goAccept, baAccept
					if round%2 == 1 {
						first, second = baAccept, goAccept
					}
					f := async(first)
					e.waitLocked(t, 1)
					s := async(second)
					e.waitLocked(t, 2)
					gate()
					if round%2 == 0 {
						goErr, baErr = <-f, <-s
					} else {
						baErr, goErr = <-f, <-s
					}
				} else { // free-running
					g, b := async(goAccept), async(baAccept)
					goErr, baErr = <-g, <-b
				}
				tally[outcome(t, "Go accept", goErr)+" / "+outcome(t, "BA accept", baErr)]++
				// Go's accept of an accepted invitation whose member exists
				// returns that membership: both may succeed, never both fail.
				require.True(t, goErr == nil || baErr == nil, "round %d: an accept succeeds: Go %v, BA %v", round, goErr, baErr)
				if goErr != nil {
					require.ErrorIs(t, goErr, orgstore.ErrInvitationNotPending)
				} else if baErr != nil {
					be := requireBAError(t, baErr)
					assert.Equal(t, 400, be.Status, "%v", be)
					assert.Equal(t, "INVITATION_NOT_FOUND", be.Code)
				}
				assert.Equal(t, "accepted", e.invitationStatus(t, string(inv.ID)), "round %d", round)
				assert.Equal(t, 1, e.memberRows(t, string(o.ID), user), "round %d", round)
			}
		}},
		{"one membership/clear refusals", func(t *testing.T) {
			// Whoever writes: a second membership, and a pending invitation
			// for a member, are refused in words naming the invariant; an
			// accepted invitation set back to pending (Better Auth's catch
			// path) stays accepted.
			owner, _ := e.signUp(t, "Owner")
			user, email := e.signUp(t, "Member")
			o := e.goCreateOrg(t, owner)
			_, err := e.Store.AddMember(ctx, owner, o.ID, user, nil)
			require.NoError(t, err)
			_, err = e.Admin.Exec(ctx, `INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES ('dup-1', $1, $2, 'member', now())`, o.ID, user)
			pe := requirePgError(t, err, "23505", "member_organization_user_key")
			assert.Equal(t, fmt.Sprintf("tenantc: user %s is already a member of organization %s", user, o.ID), pe.Message)
			assert.NotEmpty(t, pe.Hint)
			_, err = e.Admin.Exec(ctx, `INSERT INTO invitation (id, "organizationId", email, role, status, "expiresAt", "createdAt", "inviterId")
				VALUES ('inv-1', $1, upper($2), 'member', 'pending', now() + interval '1 day', now(), $3)`, o.ID, email, owner)
			requirePgError(t, err, "23514", "tenantc_invitation_member")
			_, err = e.Admin.Exec(ctx, `INSERT INTO invitation (id, "organizationId", email, role, status, "expiresAt", "createdAt", "inviterId")
				VALUES ('inv-2', $1, $2, 'member', 'accepted', now() + interval '1 day', now(), $3)`, o.ID, email, owner)
			require.NoError(t, err)
			var status string
			require.NoError(t, e.Admin.QueryRow(ctx, `UPDATE invitation SET status = 'pending' WHERE id = 'inv-2' AND status = 'accepted' RETURNING status`).Scan(&status))
			assert.Equal(t, "accepted", status, "back to pending for a member: stays accepted")
			// Better Auth's own check answers first when nothing races it.
			e.requireBARefused(t, map[string]any{"op": "invite", "as": owner, "email": email, "role": "member", "organizationId": o.ID})
			// Deleting the only owner's user (its memberships go by the
			// foreign key's cascade) would leave the organization ownerless:
			// refused too — transfer ownership or delete the organization first.
			_, err = e.Admin.Exec(ctx, `DELETE FROM "user" WHERE id = $1`, owner)
			requirePgError(t, err, "23514", "tenantc_organization_owner")
		}},
		{"delete organization/BA", func(t *testing.T) {
			// Better Auth deletes the members, then the organization, in one
			// transaction: the owner check sees no organization at commit.
			o := e.twoOwners(t, nil, false)
			e.BA.must(t, nil, map[string]any{"op": "addMember", "userId": e.mustSignUp(t), "role": "member", "organizationId": o.org})
			e.BA.must(t, nil, map[string]any{"op": "deleteOrganization", "as": o.a.id, "organizationId": o.org})
			assert.Equal(t, 0, e.count(t, `SELECT count(*) FROM organization WHERE id = $1`, o.org))
			assert.Equal(t, 0, e.count(t, `SELECT count(*) FROM member WHERE "organizationId" = $1`, o.org))
		}},
		{"delete organization/Go", func(t *testing.T) {
			o := e.twoOwners(t, nil, true)
			require.NoError(t, e.Store.DeleteOrganization(ctx, o.a.id, OrgID(o.org)))
			assert.Equal(t, 0, e.count(t, `SELECT count(*) FROM organization WHERE id = $1`, o.org))
			assert.Equal(t, 0, e.count(t, `SELECT count(*) FROM member WHERE "organizationId" = $1`, o.org))
		}},
		{"migration/repeatable", func(t *testing.T) {
			// The up migration runs again, and the invariants alone (the
			// upgrade of a schema with the old better-auth migration) run on
			// top: nothing fails, nothing is doubled.
			e.DB.Exec(t, e.DB.OwnerURL, renderStore(t))
			e.DB.Exec(t, e.DB.OwnerURL, renderTemplate(t, "store_invariants.up.sql.tmpl", storeData{}))
			assert.Equal(t, 5, e.count(t, `SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'tenantc\_%' AND tgrelid IN ('member'::regclass, 'invitation'::regclass)`))
		}},
		{"last owner/control without the triggers", func(t *testing.T) {
			// The attack of interleaving 0 without the database's check:
			// Better Auth passed its unlocked count, Go removed the other owner
			// meanwhile, and the organization is left with none. (Last: it
			// drops the triggers of this test's database.)
			_, err := e.Admin.Exec(ctx, `DROP TRIGGER tenantc_member_keeps_owner_delete ON member;
				DROP TRIGGER tenantc_member_keeps_owner_update ON member`)
			require.NoError(t, err)
			o := e.twoOwners(t, nil, true)
			goErr, baErr := e.interleave(t, 0, o,
				func() error { return e.Store.RemoveMember(ctx, o.a.id, OrgID(o.org), o.a.id) },
				func() error {
					return e.BA.call(map[string]any{"op": "removeMember", "as": o.b.id, "member": o.b.email, "organizationId": o.org}, nil)
				})
			require.NoError(t, goErr)
			require.NoError(t, baErr)
			assert.Equal(t, 0, e.ownerCount(t, o.org), "without the triggers both removals pass")
		}},
	}
	runFlows(t, flows)
}

// noteTally records a race flow's outcomes (how often each pair of results
// came) in the flow table, and empties tally for the next flow.
func noteTally(t *testing.T, tally map[string]int) {
	t.Helper()
	keys := make([]string, 0, len(tally))
	for k := range tally {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		note(t, "%d× %s", tally[k], k)
		delete(tally, k)
	}
}

type raceUser struct {
	id     UserID
	email  string
	member string // the member row's id
}

// ownedOrg is an organization with two owners, a and b, signed in to
// Better Auth (and to ba2 when twoOwners is given one).
type ownedOrg struct {
	org  string
	a, b raceUser
}

// twoOwners makes an organization with two owners, through Better Auth when
// byBA, else through Go; with ba2 both owners sign in there too.
func (e *env) twoOwners(t *testing.T, ba2 *baClient, byBA bool) ownedOrg {
	t.Helper()
	ctx := context.Background()
	var o ownedOrg
	o.a.id, o.a.email = e.signUp(t, "OwnerA")
	o.b.id, o.b.email = e.signUp(t, "OwnerB")
	if byBA {
		o.org = e.baCreateOrg(t, o.a.id).ID
		e.BA.must(t, nil, map[string]any{"op": "addMember", "userId": o.b.id, "role": orgstore.RoleOwner, "organizationId": o.org})
	} else {
		o.org = string(e.goCreateOrg(t, o.a.id).ID)
		_, err := e.Store.AddMember(ctx, o.a.id, OrgID(o.org), o.b.id, []string{orgstore.RoleOwner})
		require.NoError(t, err)
	}
	for _, u := range []*raceUser{&o.a, &o.b} {
		if ba2 != nil {
			ba2.must(t, nil, map[string]any{"op": "signIn", "email": u.email})
		}
		m, err := e.Store.GetMember(ctx, o.a.id, OrgID(o.org), u.id)
		require.NoError(t, err)
		u.member = string(m.ID)
	}
	require.Equal(t, 2, e.ownerCount(t, o.org))
	return o
}

func (e *env) mustSignUp(t *testing.T) UserID {
	t.Helper()
	u, _ := e.signUp(t, "Member")
	return u
}

// interleave runs first (by a) and second (by b) against each other in one
// of four ways, and returns their errors:
//
//	0: b's member row is held: second passes its checks and waits to write
//	   while first runs to the end, then second writes (the race Better
//	   Auth's unlocked last-owner check loses without the database's);
//	1: the organization's row is held; first queues on it, then second;
//	2: as 1, second queued first;
//	3: both started at once, nothing held.
func (e *env) interleave(t *testing.T, how int, o ownedOrg, first, second func() error) (error, error) {
	t.Helper()
	switch how {
	case 0:
		release := e.hold(t, `SELECT 1 FROM member WHERE id = $1 FOR UPDATE`, o.b.member)
		s := async(second)
		e.waitLocked(t, 1)
		errFirst := first()
		release()
		return errFirst, <-s
	case 1, 2:
		release := e.hold(t, `SELECT 1 FROM organization WHERE id = $1 FOR UPDATE`, o.org)
		var f, s <-chan error
		if how == 1 {
			f = async(first)
			e.waitLocked(t, 1)
			s = async(second)
		} else {
			s = async(second)
			e.waitLocked(t, 1)
			f = async(first)
		}
		e.waitLocked(t, 2)
		release()
		return <-f, <-s
	default:
		f, s := async(first), async(second)
		return <-f, <-s
	}
}

// hold takes a row lock in an Admin transaction (lockSQL must lock one row)
// and returns the function that commits it.
func (e *env) hold(t *testing.T, lockSQL string, args ...any) func() {
	t.Helper()
	ctx := context.Background()
	tx, err := e.Admin.Begin(ctx)
	require.NoError(t, err)
	tag, err := tx.Exec(ctx, lockSQL, args...)
	require.NoError(t, err)
	require.Equal(t, int64(1), tag.RowsAffected(), "gate %s %v locks no row", lockSQL, args)
	done := false
	t.Cleanup(func() {
		if !done {
			_ = tx.Rollback(ctx)
		}
	})
	return func() {
		done = true
		require.NoError(t, tx.Commit(ctx))
	}
}

// waitLocked waits until n sessions of the test's database wait for a lock.
func (e *env) waitLocked(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := e.count(t, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions wait for a lock after 15s, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitLockedOrDone is waitLocked that also returns when done has a value
// (put back for the caller): a commit that does not wait is fine too.
func (e *env) waitLockedOrDone(t *testing.T, n int, done chan error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err
			return
		default:
		}
		if e.count(t, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("neither %d sessions wait for a lock nor did the operation end after 15s", n)
}

func async(f func() error) chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, e.Admin.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// ownerCount counts org's members whose comma-joined roles include owner.
func (e *env) ownerCount(t *testing.T, org string) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM member WHERE "organizationId" = $1
		AND 'owner' = ANY (string_to_array(replace(role, ' ', ''), ','))`, org)
}

func isOwner(e *env, t *testing.T, org string, u UserID) bool {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM member WHERE "organizationId" = $1 AND "userId" = $2
		AND 'owner' = ANY (string_to_array(replace(role, ' ', ''), ','))`, org, u) == 1
}

func (e *env) requireOneOwnerLeft(t *testing.T, org string, msgAndArgs ...any) {
	t.Helper()
	require.Equal(t, 1, e.ownerCount(t, org), msgAndArgs...)
}

func (e *env) memberRows(t *testing.T, org string, u UserID) int {
	t.Helper()
	return e.count(t, `SELECT count(*) FROM member WHERE "organizationId" = $1 AND "userId" = $2`, org, u)
}

func (e *env) invitationStatus(t *testing.T, id string) string {
	t.Helper()
	var s string
	require.NoError(t, e.Admin.QueryRow(context.Background(), `SELECT status FROM invitation WHERE id = $1`, id).Scan(&s))
	return s
}

// outcome names an operation's result for the tally, and fails the test on
// an error that is neither a sentinel of the invariants nor a clear refusal.
func outcome(t *testing.T, who string, err error) string {
	t.Helper()
	var be *baError
	switch {
	case err == nil:
		return who + " ok"
	case errors.Is(err, orgstore.ErrLastOwner):
		if requirePgErrorOK(err, "23514", "tenantc_organization_owner") {
			return who + " ErrLastOwner (database)"
		}
		return who + " ErrLastOwner"
	case errors.Is(err, orgstore.ErrAlreadyMember):
		return who + " ErrAlreadyMember"
	case errors.Is(err, orgstore.ErrInvitationNotPending):
		return who + " ErrInvitationNotPending"
	case errors.As(err, &be):
		if be.Status >= 400 && be.Status < 500 {
			return fmt.Sprintf("%s %d %s", who, be.Status, be.Code)
		}
		// A database refusal Better Auth passes on (an HTTP 500 through its
		// router): it must be the invariant's, in its words.
		require.Contains(t, []string{"23514", "23505"}, be.Code, "%s: %v", who, be)
		require.True(t, strings.HasPrefix(be.Message, "tenantc: "), "%s: %v", who, be)
		t.Logf("%s refused by the database: %v", who, be)
		return fmt.Sprintf("%s status %d, SQLSTATE %s (tenantc's invariant)", who, be.Status, be.Code)
	}
	t.Fatalf("%s: unexpected error %v", who, err)
	return ""
}

func requireBAError(t *testing.T, err error) *baError {
	t.Helper()
	var be *baError
	require.ErrorAs(t, err, &be)
	return be
}

func requirePgError(t *testing.T, err error, code, constraint string) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, code, pe.Code, "%v", pe)
	assert.Equal(t, constraint, pe.ConstraintName, "%v", pe)
	return pe
}

func requirePgErrorOK(err error, code, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code && pe.ConstraintName == constraint
}

// renderTemplate renders one of the store's migration templates.
func renderTemplate(t *testing.T, name string, data storeData) string {
	t.Helper()
	tmpl, err := template.ParseFS(templates.FS, "store_*.sql.tmpl")
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, tmpl.ExecuteTemplate(&b, name, data))
	return b.String()
}
