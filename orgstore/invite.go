package orgstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/tenant"
)

// ErrInvalidEmail is returned by Invite for an address that cannot be one.
var ErrInvalidEmail = errors.New("orgstore: invalid email address")

// errExpired is what every operation on a pending invitation past its expiry
// returns: it matches ErrInvitationExpired, and ErrInvitationNotPending too,
// since an expired invitation is not pending any more.
var errExpired = fmt.Errorf("%w (%w)", ErrInvitationExpired, ErrInvitationNotPending)

// tokenBytes is the size of an invitation token: 256 bits. Its base64url
// text (no padding) is tokenLen characters long.
const (
	tokenBytes = 32
	tokenLen   = 43
)

// NewInvitation is what Invite needs to invite an email address.
type NewInvitation[T ~string] struct {
	Email string
	// Roles are the roles the member will have; default ["member"].
	Roles []string
	// TeamID, when set, adds the member to that team of the organization on
	// acceptance.
	TeamID T
	// TeamIDs are more teams to add the member to, after TeamID. More than
	// one team in all needs Schema.TeamsText (ErrNoInvitationTeams
	// otherwise): they are stored comma-joined, as Better Auth stores them,
	// so no id may contain a comma (ErrNotFound).
	TeamIDs []T
}

// Invite invites an email address to org on behalf of actor, who needs
// invitation:create; only an owner may invite as owner, and the actor may
// grant only roles whose permissions it holds. It returns the invitation and
// its token, which is not stored anywhere (only its SHA-256 is) and cannot be
// shown again: send it to the invitee now.
//
// The email is trimmed and ASCII lower-cased; an address with a non-ASCII
// character is refused (ErrInvalidEmail, see normalizeEmail). When Schema.Users is set, an email of
// a current member is refused with ErrAlreadyMember (otherwise
// AcceptInvitation keeps the existing membership). A pending invitation for
// the same email is handled per Config.Reinvite; one past its expiry is marked
// expired and replaced. Config.MaxPendingInvitations and Config.MaxMembers
// (members plus pending invitations) are checked in the transaction of the
// insert, with the organization's row locked, so concurrent invitations never
// overshoot them (ErrLimitReached).
func (s *Store[O, U, M, I, T]) Invite(ctx context.Context, actor U, org O, in NewInvitation[T]) (Invitation[O, U, I, T], string, error) {
	var inv Invitation[O, U, I, T]
	is := &s.sql.invite
	if is.unusable != nil {
		return inv, "", is.unusable
	}
	email, err := normalizeEmail(in.Email)
	if err != nil {
		return inv, "", err
	}
	roles := in.Roles
	if len(roles) == 0 {
		roles = []string{RoleMember}
	}
	if roles, err = normRoles(roles); err != nil {
		return inv, "", err
	}
	teams := inviteTeams(in.TeamID, in.TeamIDs)
	if len(teams) > 0 && !is.hasTeam {
		return inv, "", ErrNoInvitationTeams
	}
	if len(teams) > 0 && s.sql.team.org == "" {
		return inv, "", fmt.Errorf("%w: %w", ErrNoInvitationTeams, ErrNoTeams)
	}
	if len(teams) > 1 && !s.sql.schema.TeamsText {
		return inv, "", fmt.Errorf("%w: the invitations table holds one team id, not %d", ErrNoInvitationTeams, len(teams))
	}
	team := strings.Join(teams, ",") // the team column's value
	firstTeam := ""                  // the event's, as Invitation.TeamID
	if len(teams) > 0 {
		firstTeam = teams[0]
	}
	token, hash, err := newToken()
	if err != nil {
		return inv, "", err
	}
	actorID, orgID := string(actor), string(org)
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		// Every invitation of the organization is decided under its row's
		// lock: the limits below and the pending check cannot be raced, and
		// the actor's roles are read after any concurrent change of them.
		a, err := s.authorizeLocked(ctx, q, orgID, actorID, InvitationCreate)
		if err != nil {
			return err
		}
		if err := s.checkGrant(a, roles); err != nil {
			return err
		}
		for _, team := range teams {
			var teamOrg string
			err := q.QueryRow(ctx, s.sql.team.org, team).Scan(&teamOrg)
			if errors.Is(err, pgx.ErrNoRows) || isBadID(err) || err == nil && teamOrg != orgID || strings.Contains(team, ",") {
				return fmt.Errorf("team %s of organization %s: %w", team, orgID, ErrNotFound)
			}
			if err != nil {
				return err
			}
			if max := s.cfg.MaxMembersPerTeam; max > 0 {
				// Refused up front, as Better Auth's createInvitation does
				// (TEAM_MEMBER_LIMIT_REACHED); accepting checks again.
				var n int
				if err := q.QueryRow(ctx, s.sql.team.size, team).Scan(&n); err != nil {
					return err
				}
				if n >= max {
					return fmt.Errorf("team %s has %d members, the most Config.MaxMembersPerTeam allows: %w", team, n, ErrLimitReached)
				}
			}
		}
		if is.memberByEmail != "" {
			var member bool
			if err := q.QueryRow(ctx, is.memberByEmail, orgID, email).Scan(&member); err != nil {
				return err
			}
			if member {
				return fmt.Errorf("%s in organization %s: %w", email, orgID, ErrAlreadyMember)
			}
		}
		now := s.inviteNow()
		expires := now.Add(s.cfg.InvitationTTL)
		e := &Event{Op: OpInvite, Actor: actorID, OrganizationID: orgID, Roles: slices.Clone(roles), Email: email, TeamID: firstTeam, Tx: q}

		pending, found, err := s.scanInvitation(q.QueryRow(ctx, is.pendingFor, orgID, email))
		if err != nil {
			return err
		}
		if found && !now.Before(pending.ExpiresAt) {
			// Dead already: record it, and invite afresh.
			if err := s.setStatus(ctx, q, string(pending.ID), StatusExpired); err != nil {
				return err
			}
			found = false
		}
		if found {
			switch s.cfg.Reinvite {
			case ReinviteResend:
				// The same invitation, a new token and a new expiry: the old
				// token stops working. Roles, team and inviter become this
				// request's, which passed the same checks.
				e.InvitationID = string(pending.ID)
				return s.around(ctx, e, func() error {
					args := pgx.NamedArgs{"id": string(pending.ID), "token_hash": hash[:], "expires": expires,
						"roles": s.sql.encodeRoles(roles), "inviter": actorID, "team": nullIfEmpty(team)}
					inv, _, err = s.scanInvitation(q.QueryRow(ctx, is.resend, args))
					return err
				})
			case ReinviteCancel:
				ce := &Event{Op: OpCancelInvitation, Actor: actorID, OrganizationID: orgID, Roles: pending.Roles,
					InvitationID: string(pending.ID), Email: email, TeamID: string(pending.TeamID), Tx: q}
				if err := s.around(ctx, ce, func() error {
					return s.setStatus(ctx, q, string(pending.ID), StatusCanceled)
				}); err != nil {
					return err
				}
			default: // ReinviteReject, and a value that is no policy
				return fmt.Errorf("%s in organization %s: %w", email, orgID, ErrInvitationPending)
			}
		}
		if max := s.cfg.MaxPendingInvitations; max > 0 {
			var n int
			if err := q.QueryRow(ctx, is.countPending, orgID, now).Scan(&n); err != nil {
				return err
			}
			if n >= max {
				return fmt.Errorf("organization %s has %d pending invitations (limit %d): %w", orgID, n, max, ErrLimitReached)
			}
		}
		if max := s.cfg.MaxMembers; max > 0 {
			n, err := s.seatsUsed(ctx, q, orgID)
			if err != nil {
				return err
			}
			if n >= max {
				return fmt.Errorf("organization %s has %d members and pending invitations (limit %d): %w", orgID, n, max, ErrLimitReached)
			}
		}
		return s.around(ctx, e, func() error {
			args := pgx.NamedArgs{"org": orgID, "email": email, "roles": s.sql.encodeRoles(roles), "token_hash": hash[:],
				"inviter": actorID, "expires": expires, "created": now, "team": nullIfEmpty(team), "id": s.sql.newID()}
			inv, _, err = s.scanInvitation(q.QueryRow(ctx, is.insert, args))
			if isUniqueViolation(err) { // unreachable under the lock; kept as the index's word
				return fmt.Errorf("%s in organization %s: %w", email, orgID, ErrInvitationPending)
			}
			e.InvitationID = string(inv.ID)
			return err
		})
	})
	if err != nil {
		return Invitation[O, U, I, T]{}, "", err
	}
	return inv, token, nil
}

// AcceptInvitation makes user a member of the organization the token invites
// to. email is the user's verified email address; it must be the invitation's
// (ErrEmailMismatch), compared in normalizeEmail's canonical form: ASCII
// letters case-insensitively, and any non-ASCII address refused with
// ErrInvalidEmail, so no Unicode look-alike matches. The invitation must be
// pending (ErrInvitationNotPending) and unexpired (ErrInvitationExpired; it is
// then marked expired). Accepting again as the user who accepted returns the
// same membership, so a retried or doubled request is harmless; two
// concurrent accepts make one member. A user who was already a member keeps
// the membership (and its roles).
//
// OpAcceptInvitation hooks run around the whole, OpAddMember hooks around
// the member's insert (and OpAddTeamMember's when the invitation names a
// team); a veto from any rolls everything back and leaves the invitation
// pending.
//
// The token is the credential of tenantc's own tables, where nothing else
// accepts an invitation. On a database Better Auth shares, Better Auth
// accepts any invitation, Go's included, by its id and the signed-in user's
// email (see AcceptInvitationByID): there the id is the credential and the
// token adds nothing.
func (s *Store[O, U, M, I, T]) AcceptInvitation(ctx context.Context, user U, email string, token string) (Member[O, U, M], error) {
	is := &s.sql.invite
	if is.unusable != nil {
		return Member[O, U, M]{}, is.unusable
	}
	hash, err := hashToken(token)
	if err != nil {
		return Member[O, U, M]{}, err
	}
	if email, err = normalizeEmail(email); err != nil {
		return Member[O, U, M]{}, err
	}
	return s.accept(ctx, string(user), func(ctx context.Context, q tenant.Querier) (Invitation[O, U, I, T], error) {
		inv, err := s.lockByToken(ctx, q, hash, true)
		if err != nil {
			return inv, err
		}
		if !sameEmail(inv.Email, email) {
			return inv, fmt.Errorf("invitation %s: %w", inv.ID, ErrEmailMismatch)
		}
		return inv, nil
	})
}

// AcceptInvitationByID accepts invitation id as user, the way Better Auth's
// acceptInvitation does, so a Go service accepts the invitations Better Auth
// makes (which have no token) as well as its own: the invitation's email must
// be the user's, read from the users table (Schema.Users; ErrNoUsers without
// one; a user who is not in it is ErrNotFound), compared as AcceptInvitation
// compares (ErrEmailMismatch); with Config.RequireEmailVerificationOnInvitation
// the user's email must be verified (ErrEmailNotVerified). An unknown id is
// ErrNotFound. Everything else is AcceptInvitation's: pending, unexpired,
// the organization's (and teams') rows locked, hooks, teams, limits, one
// member for two concurrent accepts, a retried accept harmless.
//
// What an id is worth: Better Auth (and this method) accept by id alone for
// whoever is signed in with the invited address, so an invitation id is a
// bearer credential for anyone who can sign in with that address, and, with
// email verification off (Better Auth's default for its own random ids),
// for anyone who can sign up with it. Treat ids as secrets:
// ListInvitations shows them only to members who may invite, and turn on
// Config.RequireEmailVerificationOnInvitation here and Better Auth's
// requireEmailVerificationOnInvitation there.
func (s *Store[O, U, M, I, T]) AcceptInvitationByID(ctx context.Context, user U, id I) (Member[O, U, M], error) {
	is := &s.sql.invite
	if is.unusable != nil {
		return Member[O, U, M]{}, is.unusable
	}
	if is.userEmail == "" {
		return Member[O, U, M]{}, fmt.Errorf("AcceptInvitationByID: %w", ErrNoUsers)
	}
	userID := string(user)
	return s.accept(ctx, userID, func(ctx context.Context, q tenant.Querier) (Invitation[O, U, I, T], error) {
		return s.lockForRecipient(ctx, q, userID, string(id), true)
	})
}

// accept is AcceptInvitation and AcceptInvitationByID after their checks of
// the request: find locks the invitation (and the rows accepting locks
// before it) and checks that userID is its recipient.
func (s *Store[O, U, M, I, T]) accept(ctx context.Context, userID string, find func(context.Context, tenant.Querier) (Invitation[O, U, I, T], error)) (Member[O, U, M], error) {
	var m Member[O, U, M]
	var result error // an outcome to report after committing (the expiry mark)
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		inv, err := find(ctx, q)
		if err != nil {
			return err
		}
		orgID := string(inv.OrganizationID)
		if inv.Status != StatusPending {
			if inv.Status == StatusAccepted {
				// Idempotent: the recipient accepting again gets its membership.
				existing, err := s.getMember(ctx, q, orgID, userID)
				if err == nil {
					m = existing
					return nil
				}
				if !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			return notPending(inv)
		}
		if !s.inviteNow().Before(inv.ExpiresAt) {
			if err := s.setStatus(ctx, q, string(inv.ID), StatusExpired); err != nil {
				return err
			}
			result = fmt.Errorf("invitation %s expired at %s: %w", inv.ID, inv.ExpiresAt.Format(time.RFC3339), errExpired)
			return nil // commit the mark
		}
		e := &Event{Op: OpAcceptInvitation, Actor: userID, OrganizationID: orgID, UserID: userID, Roles: slices.Clone(inv.Roles),
			InvitationID: string(inv.ID), Email: inv.Email, TeamID: string(inv.TeamID), Tx: q}
		return s.around(ctx, e, func() error {
			// Accepted first: the invitation's seat becomes the member's, so
			// the membership limit counts it once.
			if err := s.setStatus(ctx, q, string(inv.ID), StatusAccepted); err != nil {
				return err
			}
			// A user who is a member already keeps that membership as it is
			// (addMemberTx returns it, and fires no hooks).
			var err error
			if m, _, err = s.addMemberTx(ctx, q, userID, orgID, userID, inv.Roles); err != nil {
				return err
			}
			for _, team := range inv.TeamIDs {
				// A team deleted since the invitation is skipped: the
				// organization's membership is what was accepted. A full
				// team (Config.MaxMembersPerTeam) refuses the whole, as
				// Better Auth's TEAM_MEMBER_LIMIT_REACHED does.
				if _, err := s.addTeamMemberTx(ctx, q, userID, orgID, string(team), userID); err != nil && !errors.Is(err, ErrNotFound) {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		return Member[O, U, M]{}, err
	}
	if result != nil {
		return Member[O, U, M]{}, result
	}
	return m, nil
}

// RejectInvitation declines the invitation the token carries. Only its
// recipient may (email is the user's verified address, ErrEmailMismatch
// otherwise), and only while it is pending (ErrInvitationNotPending; past its
// expiry ErrInvitationExpired, and it is marked expired). OpRejectInvitation
// hooks run around it.
func (s *Store[O, U, M, I, T]) RejectInvitation(ctx context.Context, user U, email, token string) error {
	is := &s.sql.invite
	if is.unusable != nil {
		return is.unusable
	}
	hash, err := hashToken(token)
	if err != nil {
		return err
	}
	if email, err = normalizeEmail(email); err != nil {
		return err
	}
	return s.reject(ctx, string(user), func(ctx context.Context, q tenant.Querier) (Invitation[O, U, I, T], error) {
		inv, err := s.lockByToken(ctx, q, hash, false)
		if err != nil {
			return inv, err
		}
		if !sameEmail(inv.Email, email) {
			return inv, fmt.Errorf("invitation %s: %w", inv.ID, ErrEmailMismatch)
		}
		return inv, nil
	})
}

// RejectInvitationByID declines invitation id as user, the way Better Auth's
// rejectInvitation does: the recipient is whoever the users table gives the
// invitation's email (AcceptInvitationByID's checks, verification included).
// Unlike Better Auth, which rejects an expired invitation, it refuses one past
// its expiry with ErrInvitationExpired (and marks it), as RejectInvitation
// does. OpRejectInvitation hooks run around it.
func (s *Store[O, U, M, I, T]) RejectInvitationByID(ctx context.Context, user U, id I) error {
	is := &s.sql.invite
	if is.unusable != nil {
		return is.unusable
	}
	if is.userEmail == "" {
		return fmt.Errorf("RejectInvitationByID: %w", ErrNoUsers)
	}
	userID := string(user)
	return s.reject(ctx, userID, func(ctx context.Context, q tenant.Querier) (Invitation[O, U, I, T], error) {
		return s.lockForRecipient(ctx, q, userID, string(id), false)
	})
}

// reject is RejectInvitation and RejectInvitationByID after their checks of
// the request, find as for accept.
func (s *Store[O, U, M, I, T]) reject(ctx context.Context, userID string, find func(context.Context, tenant.Querier) (Invitation[O, U, I, T], error)) error {
	var result error
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		inv, err := find(ctx, q)
		if err != nil {
			return err
		}
		if result, err = s.checkPending(ctx, q, inv); err != nil || result != nil {
			return err
		}
		e := &Event{Op: OpRejectInvitation, Actor: userID, OrganizationID: string(inv.OrganizationID), UserID: userID,
			Roles: slices.Clone(inv.Roles), InvitationID: string(inv.ID), Email: inv.Email, TeamID: string(inv.TeamID), Tx: q}
		return s.around(ctx, e, func() error {
			return s.setStatus(ctx, q, string(inv.ID), StatusRejected)
		})
	})
	if err != nil {
		return err
	}
	return result
}

// ListInvitationsForUser lists the pending, unexpired invitations addressed
// to user's email, read from the users table, across organizations, oldest
// first: Better Auth's listUserInvitations. As there, a user whose email is
// not verified is refused (ErrEmailNotVerified) whatever
// Config.RequireEmailVerificationOnInvitation says, since the ids listed
// accept the invitations; it needs Schema.Users with its EmailVerified
// column (ErrNoUsers otherwise). A user the users table lacks is ErrNotFound.
func (s *Store[O, U, M, I, T]) ListInvitationsForUser(ctx context.Context, user U) ([]Invitation[O, U, I, T], error) {
	is := &s.sql.invite
	if is.unusable != nil {
		return nil, is.unusable
	}
	if is.userEmail == "" || !is.hasVerified {
		return nil, fmt.Errorf("ListInvitationsForUser needs Schema.Users.EmailVerified: %w", ErrNoUsers)
	}
	userID := string(user)
	var out []Invitation[O, U, I, T]
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		email, verified, err := s.userEmail(ctx, q, userID)
		if err != nil {
			return err
		}
		if !verified {
			return fmt.Errorf("user %s: %w", userID, ErrEmailNotVerified)
		}
		rows, err := q.Query(ctx, is.forEmail, email, s.inviteNow())
		if err != nil {
			return err
		}
		out, err = s.collectInvitations(rows, func(*Invitation[O, U, I, T]) bool { return true })
		return err
	})
	return out, err
}

// userEmail reads userID's email, normalized, and whether it is verified
// from the users table.
func (s *Store[O, U, M, I, T]) userEmail(ctx context.Context, q tenant.Querier, userID string) (email string, verified bool, err error) {
	var stored string
	err = q.QueryRow(ctx, s.sql.invite.userEmail, userID).Scan(&stored, &verified)
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return "", false, fmt.Errorf("user %s is not in the users table: %w", userID, ErrNotFound)
	}
	if err != nil {
		return "", false, err
	}
	if email, err = normalizeEmail(stored); err != nil {
		return "", false, fmt.Errorf("user %s: %w", userID, err)
	}
	return email, verified, nil
}

// lockForRecipient locks invitation id (as lockByID) after reading userID's
// email from the users table, and checks that userID is its recipient: the
// invitation's email is the user's (ErrEmailMismatch), and verified where
// Config.RequireEmailVerificationOnInvitation says so (ErrEmailNotVerified),
// in Better Auth's order. The status is the caller's to check.
func (s *Store[O, U, M, I, T]) lockForRecipient(ctx context.Context, q tenant.Querier, userID, id string, lockOrg bool) (Invitation[O, U, I, T], error) {
	var none Invitation[O, U, I, T]
	email, verified, err := s.userEmail(ctx, q, userID)
	if err != nil {
		return none, err
	}
	inv, err := s.lockByID(ctx, q, id, lockOrg)
	if err != nil {
		return none, err
	}
	if !sameEmail(inv.Email, email) {
		return none, fmt.Errorf("invitation %s: %w", inv.ID, ErrEmailMismatch)
	}
	if s.cfg.RequireEmailVerificationOnInvitation && !verified {
		return none, fmt.Errorf("user %s, invitation %s: %w", userID, inv.ID, ErrEmailNotVerified)
	}
	return inv, nil
}

// CancelInvitation withdraws an invitation. The actor needs
// invitation:cancel in the invitation's organization (ErrForbidden); the
// invitation must be pending (ErrInvitationNotPending; past its expiry
// ErrInvitationExpired, and it is marked expired). An unknown invitation and
// one of an organization the actor is not a member of are both ErrNotFound,
// with the same message, so invitation ids of other organizations do not
// leak. OpCancelInvitation hooks run around it.
func (s *Store[O, U, M, I, T]) CancelInvitation(ctx context.Context, actor U, inv I) error {
	is := &s.sql.invite
	if is.unusable != nil {
		return is.unusable
	}
	actorID, invID := string(actor), string(inv)
	var result error
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		var orgID string
		err := q.QueryRow(ctx, is.orgOfID, invID).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
			return fmt.Errorf("invitation %s: %w", invID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if _, err := s.authorize(ctx, q, orgID, actorID, InvitationCancel); errors.Is(err, ErrNotMember) {
			// Worded as for an unknown invitation: ErrNotMember (and the
			// organization's id in the message) would tell an outsider that
			// the id is a real invitation, and whose.
			return fmt.Errorf("invitation %s: %w", invID, ErrNotFound)
		} else if err != nil {
			return err
		}
		cur, found, err := s.scanInvitation(q.QueryRow(ctx, is.lockByID, invID))
		if err != nil {
			return err
		}
		if !found || string(cur.OrganizationID) != orgID { // deleted (or moved) meanwhile
			return fmt.Errorf("invitation %s: %w", invID, ErrNotFound)
		}
		if result, err = s.checkPending(ctx, q, cur); err != nil || result != nil {
			return err
		}
		e := &Event{Op: OpCancelInvitation, Actor: actorID, OrganizationID: orgID, Roles: slices.Clone(cur.Roles),
			InvitationID: invID, Email: cur.Email, TeamID: string(cur.TeamID), Tx: q}
		return s.around(ctx, e, func() error {
			return s.setStatus(ctx, q, invID, StatusCanceled)
		})
	})
	if err != nil {
		return err
	}
	return result
}

// ListInvitations lists org's invitations, oldest first, for a member who
// holds invitation:create (ErrForbidden for other members; ErrNotMember for
// non-members, also when org does not exist): Better Auth's listInvitations
// (canViewInvitations). Invitations naming the owner role are left out
// unless the actor is an owner (Better Auth's withoutCreatorRoleInvitations).
// Why: an invitation's id accepts it for whoever signs in with its email
// (AcceptInvitationByID, and Better Auth's acceptInvitation), so an id is a
// credential, shown only to members who could mint such an invitation
// themselves. status "" lists all. A pending invitation past its expiry is
// reported, and filtered, as expired.
func (s *Store[O, U, M, I, T]) ListInvitations(ctx context.Context, actor U, org O, status InvitationStatus) ([]Invitation[O, U, I, T], error) {
	is := &s.sql.invite
	if is.unusable != nil {
		return nil, is.unusable
	}
	var stored []string // the stored statuses that can show as status
	switch status {
	case "":
	case StatusExpired:
		stored = []string{string(StatusExpired), string(StatusPending)}
	case StatusPending, StatusAccepted, StatusRejected, StatusCanceled:
		stored = []string{string(status)}
	default:
		return nil, fmt.Errorf("orgstore: unknown invitation status %q", status)
	}
	orgID, actorID := string(org), string(actor)
	var out []Invitation[O, U, I, T]
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		a, err := s.authorize(ctx, q, orgID, actorID, InvitationCreate)
		if err != nil {
			return notMemberOnBadText(err, orgID, actorID)
		}
		owner := slices.Contains(a.roles, RoleOwner)
		var rows pgx.Rows
		if stored == nil {
			rows, err = q.Query(ctx, is.list, orgID)
		} else {
			rows, err = q.Query(ctx, is.listStatus, orgID, stored)
		}
		if err != nil {
			return err
		}
		now := s.inviteNow()
		out, err = s.collectInvitations(rows, func(inv *Invitation[O, U, I, T]) bool {
			if !owner && slices.Contains(inv.Roles, RoleOwner) {
				return false
			}
			if inv.Status == StatusPending && !now.Before(inv.ExpiresAt) {
				inv.Status = StatusExpired
			}
			return status == "" || inv.Status == status
		})
		return err
	})
	return out, err
}

// ListInvitationsForEmail lists the pending, unexpired invitations addressed
// to email (case-insensitively), across organizations, oldest first: a
// "your invitations" page. It checks no actor: call it only with the
// signed-in user's verified address. The ids it returns accept the
// invitations (AcceptInvitationByID, Better Auth's acceptInvitation) for
// whoever signs in with that address, so an address the user has not
// proved hands them to whoever typed it; ListInvitationsForUser checks that
// for you.
func (s *Store[O, U, M, I, T]) ListInvitationsForEmail(ctx context.Context, email string) ([]Invitation[O, U, I, T], error) {
	is := &s.sql.invite
	if is.unusable != nil {
		return nil, is.unusable
	}
	email, err := normalizeEmail(email)
	if err != nil {
		return nil, err
	}
	var out []Invitation[O, U, I, T]
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		rows, err := q.Query(ctx, is.forEmail, email, s.inviteNow())
		if err != nil {
			return err
		}
		out, err = s.collectInvitations(rows, func(*Invitation[O, U, I, T]) bool { return true })
		return err
	})
	return out, err
}

// lockByToken finds the invitation whose token hashes to hash and locks its
// row, after the rows lockParents locks when lockOrg is set. An unknown
// token, or one replaced meanwhile, is ErrInvalidToken.
func (s *Store[O, U, M, I, T]) lockByToken(ctx context.Context, q tenant.Querier, hash [sha256.Size]byte, lockOrg bool) (Invitation[O, U, I, T], error) {
	is := &s.sql.invite
	invalid := fmt.Errorf("orgstore: no invitation has this token: %w", ErrInvalidToken)
	if lockOrg {
		var orgID string
		var team *string
		err := q.QueryRow(ctx, is.orgOfToken, hash[:]).Scan(&orgID, &team)
		if errors.Is(err, pgx.ErrNoRows) {
			return Invitation[O, U, I, T]{}, invalid
		}
		if err != nil {
			return Invitation[O, U, I, T]{}, err
		}
		if found, err := s.lockParents(ctx, q, orgID, team); err != nil || !found {
			return Invitation[O, U, I, T]{}, cmp.Or(err, invalid)
		}
	}
	var stored []byte
	inv, found, err := s.scanInvitation(q.QueryRow(ctx, is.lockByToken, hash[:]), &stored)
	if err != nil {
		return inv, err
	}
	// The index found the row by equality; compare again in constant time so
	// that no code path branches on a partial match of the secret's hash.
	if !found || subtle.ConstantTimeCompare(stored, hash[:]) != 1 {
		return Invitation[O, U, I, T]{}, invalid
	}
	return inv, nil
}

// lockByID finds invitation id and locks its row, after the rows lockParents
// locks when lockOrg is set. An unknown id, one the id column cannot hold,
// and one deleted (or moved) meanwhile are ErrNotFound.
func (s *Store[O, U, M, I, T]) lockByID(ctx context.Context, q tenant.Querier, id string, lockOrg bool) (Invitation[O, U, I, T], error) {
	is := &s.sql.invite
	notFound := fmt.Errorf("invitation %s: %w", id, ErrNotFound)
	var orgID string
	if lockOrg {
		var team *string
		err := q.QueryRow(ctx, is.orgTeamOfID, id).Scan(&orgID, &team)
		if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
			return Invitation[O, U, I, T]{}, notFound
		}
		if err != nil {
			return Invitation[O, U, I, T]{}, err
		}
		if found, err := s.lockParents(ctx, q, orgID, team); err != nil || !found {
			return Invitation[O, U, I, T]{}, cmp.Or(err, notFound)
		}
	}
	inv, found, err := s.scanInvitation(q.QueryRow(ctx, is.lockByID, id))
	if isBadID(err) || err == nil && (!found || lockOrg && string(inv.OrganizationID) != orgID) {
		return Invitation[O, U, I, T]{}, notFound
	}
	if err != nil {
		return Invitation[O, U, I, T]{}, err
	}
	return inv, nil
}

// lockParents locks what accepting an invitation of orgID naming team (the
// team column's value) locks before the invitation's row: the
// organization's row, in the order Invite takes them (organization, then
// invitation), so accepting and inviting never deadlock; and the teams'
// rows, so that accepting into a team that is being deleted (whose foreign
// key action updates the invitation) waits instead of deadlocking. found is
// false when the organization is gone.
func (s *Store[O, U, M, I, T]) lockParents(ctx context.Context, q tenant.Querier, orgID string, team *string) (found bool, err error) {
	err = q.QueryRow(ctx, s.sql.lockOrganization, orgID).Scan(new(string))
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if team != nil && s.sql.team.lockOrg != "" {
		// In id order, so two accepts naming the same teams do not
		// deadlock. No row: the team is gone, which accepting tolerates.
		ids := s.sql.decodeTeams(*team)
		slices.Sort(ids)
		for _, id := range ids {
			err := q.QueryRow(ctx, s.sql.team.lockOrg, id).Scan(new(string))
			if err != nil && !errors.Is(err, pgx.ErrNoRows) && !isBadID(err) {
				return false, err
			}
		}
	}
	return true, nil
}

// checkPending returns the error to report (after committing) for an
// invitation that is not pending, marking a pending one past its expiry as
// expired; nil, nil for one that is pending.
func (s *Store[O, U, M, I, T]) checkPending(ctx context.Context, q tenant.Querier, inv Invitation[O, U, I, T]) (result, err error) {
	if inv.Status != StatusPending {
		return nil, notPending(inv)
	}
	if !s.inviteNow().Before(inv.ExpiresAt) {
		if err := s.setStatus(ctx, q, string(inv.ID), StatusExpired); err != nil {
			return nil, err
		}
		return fmt.Errorf("invitation %s expired at %s: %w", inv.ID, inv.ExpiresAt.Format(time.RFC3339), errExpired), nil
	}
	return nil, nil
}

// notPending is the error for an invitation that is not pending: errExpired
// for an expired one, so that it reads the same before and after it was
// marked.
func notPending[O, U, I, T ~string](inv Invitation[O, U, I, T]) error {
	if inv.Status == StatusExpired {
		return fmt.Errorf("invitation %s expired at %s: %w", inv.ID, inv.ExpiresAt.Format(time.RFC3339), errExpired)
	}
	return fmt.Errorf("invitation %s is %s: %w", inv.ID, inv.Status, ErrInvitationNotPending)
}

func (s *Store[O, U, M, I, T]) setStatus(ctx context.Context, q tenant.Querier, id string, status InvitationStatus) error {
	_, err := q.Exec(ctx, s.sql.invite.setStatus, id, string(status))
	return err
}

// inviteNow is the store's clock in UTC: PostgreSQL's timestamp (without time
// zone) columns, Better Auth's, take the wall clock as given.
func (s *Store[O, U, M, I, T]) inviteNow() time.Time { return s.cfg.Now().UTC() }

// rowScanner is a pgx.Row or pgx.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// scanInvitation reads one row of inviteSQL's columns, plus extra
// destinations for columns selected after them (the token hash). found is
// false for no row.
func (s *Store[O, U, M, I, T]) scanInvitation(row rowScanner, extra ...any) (inv Invitation[O, U, I, T], found bool, err error) {
	var (
		id, org, inviter, status string
		roles                    rolesDest
		team                     *string
		created                  *time.Time
	)
	dest := append([]any{&id, &org, &inv.Email, s.sql.rolesTarget(&roles), &team, &status, &inviter, &inv.ExpiresAt, &created}, extra...)
	err = row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Invitation[O, U, I, T]{}, false, nil
	}
	if err != nil {
		return Invitation[O, U, I, T]{}, false, err
	}
	inv.ID, inv.OrganizationID, inv.InviterID = I(id), O(org), U(inviter)
	inv.Roles = s.sql.roles(&roles)
	if team != nil {
		for _, id := range s.sql.decodeTeams(*team) {
			inv.TeamIDs = append(inv.TeamIDs, T(id))
		}
		if len(inv.TeamIDs) > 0 {
			inv.TeamID = inv.TeamIDs[0]
		}
	}
	inv.Status = InvitationStatus(status)
	if created != nil {
		inv.CreatedAt = *created
	}
	return inv, true, nil
}

// collectInvitations reads rows, keeping those keep accepts (it may edit
// them).
func (s *Store[O, U, M, I, T]) collectInvitations(rows pgx.Rows, keep func(*Invitation[O, U, I, T]) bool) ([]Invitation[O, U, I, T], error) {
	defer rows.Close()
	out := []Invitation[O, U, I, T]{}
	for rows.Next() {
		inv, _, err := s.scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		if keep(&inv) {
			out = append(out, inv)
		}
	}
	return out, rows.Err()
}

// newToken makes an invitation token: 256 random bits, base64url without
// padding (43 characters), and its SHA-256, the only form stored.
func newToken() (token string, hash [sha256.Size]byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", hash, err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, sha256.Sum256([]byte(token)), nil
}

// hashToken checks a token's shape (it must be what newToken makes) and
// returns its SHA-256; anything else is ErrInvalidToken without a query.
func hashToken(token string) ([sha256.Size]byte, error) {
	if len(token) != tokenLen {
		return [sha256.Size]byte{}, fmt.Errorf("orgstore: malformed token: %w", ErrInvalidToken)
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(token); err != nil || len(b) != tokenBytes {
		return [sha256.Size]byte{}, fmt.Errorf("orgstore: malformed token: %w", ErrInvalidToken)
	}
	return sha256.Sum256([]byte(token)), nil
}

// normalizeEmail returns an address's canonical form, the one every
// comparison uses: trimmed and ASCII lower-cased. It refuses what cannot be
// an address (no single @ with text on both sides, spaces or control
// characters, longer than 254 characters: RFC 5321's path limit) and every
// non-ASCII character: Unicode case mapping folds look-alikes into ASCII
// (strings.ToLower turns U+212A KELVIN SIGN into k, U+0130 into i, and other
// systems fold U+017F into s and full-width letters into their ASCII ones),
// so an address that is not the invited one could match it. Internationalized
// addresses (RFC 6531) are therefore refused with ErrInvalidEmail.
func normalizeEmail(email string) (string, error) {
	e := strings.TrimSpace(email)
	at := strings.IndexByte(e, '@')
	bad := e == "" || len(e) > 254 || at <= 0 || at == len(e)-1 || strings.Count(e, "@") != 1 ||
		strings.IndexFunc(e, func(r rune) bool { return r > unicode.MaxASCII || unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0
	if bad {
		return "", fmt.Errorf("%q (addresses are ASCII only): %w", email, ErrInvalidEmail)
	}
	return asciiLower(e), nil
}

// asciiLower lower-cases A to Z and nothing else.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + ('a' - 'A')
		}
		return r
	}, s)
}

// sameEmail compares a stored invitation's address (which another service,
// Better Auth, may have written with its own lower-casing) with an already
// normalized one, in the canonical form only.
func sameEmail(stored, normalized string) bool {
	return asciiLower(strings.TrimSpace(stored)) == normalized
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// notMemberOnBadText turns authorize's failure on an organization id that
// cannot exist into ErrNotMember, as for an unknown one.
func notMemberOnBadText(err error, org, user string) error {
	if isBadID(err) {
		return fmt.Errorf("user %s, organization %s: %w", user, org, ErrNotMember)
	}
	return err
}

// inviteSQL holds the invitation statements of one schema. Statements
// selecting an invitation return inviteSQL's columns in scanInvitation's
// order: id, organization, email, roles, team, status, inviter, expiry,
// creation.
type inviteSQL struct {
	// unusable is why the schema cannot hold invitations (no table or no
	// token-hash column); every invitation operation returns it.
	unusable error
	hasTeam  bool // the invitations table has a team column

	// insert: @org, @email, @roles, @token_hash, @inviter, @expires, and
	// where the schema has the column (or makes ids) @created, @team, @id →
	// columns.
	insert string
	// resend: @id, @token_hash, @expires, @roles, @inviter, and @team where
	// the schema has the column → columns.
	resend string
	// pendingFor: $1 organization, $2 email → the pending invitation's columns,
	// locked.
	pendingFor string
	// countPending: $1 organization, $2 now → pending unexpired invitations.
	countPending string
	// orgOfToken: $1 token hash → organization, team. lockByToken: $1 token hash →
	// columns, token hash; locked.
	orgOfToken, lockByToken string
	// orgOfID: $1 id → organization. orgTeamOfID: $1 id → organization,
	// team. lockByID: $1 id → columns, locked.
	orgOfID, orgTeamOfID, lockByID string
	// setStatus: $1 id, $2 status.
	setStatus string
	// list: $1 organization. listStatus: $1 organization, $2 statuses (text[]).
	list, listStatus string
	// forEmail: $1 email, $2 now → pending unexpired invitations.
	forEmail string
	// memberByEmail: $1 organization, $2 email → whether a member has that
	// email; "" without Schema.Users.
	memberByEmail string
	// userEmail: $1 user → the user's email, and whether it is verified
	// (false without Schema.Users.EmailVerified, and for NULL); "" without
	// Schema.Users. hasVerified: the schema names the verified column.
	userEmail   string
	hasVerified bool
}

func buildInviteSQL(sc Schema) inviteSQL {
	v := sc.Invitations
	if v.Table == "" {
		return inviteSQL{unusable: fmt.Errorf("%w: it has no invitations table", ErrNoInvitations)}
	}
	if v.TokenHash == "" {
		return inviteSQL{unusable: fmt.Errorf("%w: its invitations table has no token-hash column (tenantc's migration adds one)", ErrNoInvitations)}
	}
	var st inviteSQL
	st.hasTeam = v.TeamID != ""
	tbl := ident(v.Table)
	id, org, email, status := ident(v.ID), ident(v.OrganizationID), ident(v.Email), ident(v.Status)
	team := "NULL::text"
	if st.hasTeam {
		team = ident(v.TeamID) + "::text"
	}
	created := "NULL::timestamptz"
	if v.CreatedAt != "" {
		created = ident(v.CreatedAt)
	}
	cols := fmt.Sprintf("%s::text, %s::text, %s, %s, %s, %s, %s::text, %s, %s",
		id, org, email, ident(v.Role), team, status, ident(v.InviterID), ident(v.ExpiresAt), created)
	order := " ORDER BY " + id
	if v.CreatedAt != "" {
		order = fmt.Sprintf(" ORDER BY %s, %s", ident(v.CreatedAt), id)
	}

	var ins insertList
	ins.add(v.OrganizationID, "@org")
	ins.add(v.Email, "@email")
	ins.add(v.Role, "@roles")
	ins.add(v.TokenHash, "@token_hash")
	ins.add(v.InviterID, "@inviter")
	ins.add(v.ExpiresAt, "@expires")
	if v.CreatedAt != "" {
		ins.add(v.CreatedAt, "@created")
	}
	if st.hasTeam {
		ins.add(v.TeamID, "@team")
	}
	ins.addID(sc, v.ID)
	ins.add(v.Status, "'pending'")
	st.insert = fmt.Sprintf("INSERT INTO %s %s RETURNING %s", tbl, ins, cols)

	set := fmt.Sprintf("%s = @token_hash, %s = @expires, %s = @roles, %s = @inviter",
		ident(v.TokenHash), ident(v.ExpiresAt), ident(v.Role), ident(v.InviterID))
	if st.hasTeam {
		set += fmt.Sprintf(", %s = @team", ident(v.TeamID))
	}
	st.resend = fmt.Sprintf("UPDATE %s SET %s WHERE %s = @id RETURNING %s", tbl, set, id, cols)

	st.pendingFor = fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 AND %s = $2 AND %s = 'pending' FOR UPDATE",
		cols, tbl, org, email, status)
	st.countPending = fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s = 'pending' AND %s > $2",
		tbl, org, status, ident(v.ExpiresAt))
	st.orgOfToken = fmt.Sprintf("SELECT %s::text, %s FROM %s WHERE %s = $1", org, team, tbl, ident(v.TokenHash))
	st.lockByToken = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = $1 FOR UPDATE", cols, ident(v.TokenHash), tbl, ident(v.TokenHash))
	st.orgOfID = fmt.Sprintf("SELECT %s::text FROM %s WHERE %s = $1", org, tbl, id)
	st.orgTeamOfID = fmt.Sprintf("SELECT %s::text, %s FROM %s WHERE %s = $1", org, team, tbl, id)
	st.lockByID = fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 FOR UPDATE", cols, tbl, id)
	st.setStatus = fmt.Sprintf("UPDATE %s SET %s = $2 WHERE %s = $1", tbl, status, id)
	st.list = fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1%s", cols, tbl, org, order)
	st.listStatus = fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 AND %s = ANY($2::text[])%s", cols, tbl, org, status, order)
	// Both tenantc and Better Auth store invitation emails lower-cased, so
	// plain equality finds them through the email index.
	st.forEmail = fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 AND %s = 'pending' AND %s > $2%s",
		cols, tbl, email, status, ident(v.ExpiresAt), order)

	if u, m := sc.Users, sc.Members; u.Table != "" && u.Email != "" {
		st.memberByEmail = fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s m JOIN %s u ON m.%s = u.%s::text
	WHERE m.%s = $1 AND lower(u.%s) = $2)`,
			ident(m.Table), ident(u.Table), ident(m.UserID), ident(u.ID), ident(m.OrganizationID), ident(u.Email))
		verified := "false"
		if u.EmailVerified != "" {
			st.hasVerified = true
			verified = fmt.Sprintf("coalesce(%s, false)", ident(u.EmailVerified))
		}
		// Plain equality, so the primary key's index finds the row; a user id
		// a uuid column cannot hold fails with 22P02, read as no such user.
		st.userEmail = fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = $1", ident(u.Email), verified, ident(u.Table), ident(u.ID))
	}
	return st
}
