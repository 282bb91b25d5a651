package orgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/tenant"
)

// ListMembers' page size: DefaultPageSize when the caller asks for none,
// never more than MaxPageSize.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// memberSQL is the SQL of the member and custom role operations.
type memberSQL struct {
	// get: $1 organization, $2 user → member (memberColumns).
	get string
	// keyShare: $1 organization, $2 user → 1, holding the member row against
	// removal until the transaction ends.
	keyShare string
	// insert: @org, @user, @roles, @id (when the store makes ids) → the
	// member, or no row when user is a member already (ON CONFLICT DO
	// NOTHING).
	insert string
	// update: $1 organization, $2 user, $3 roles → member.
	update string
	// delete: $1 organization, $2 user.
	delete string
	// deleteTeams: $1 organization, $2 user: the user's memberships of the
	// organization's teams; "" without teams.
	deleteTeams string
	// lockTeams: $1 organization, $2 user: locks the organization's teams
	// the user is in, where deleteTeams also gives their seats back
	// (TeamsTable.MemberCount); "" otherwise.
	lockTeams string
	// owners: $1 organization → number of owners.
	owners string
	// seats: @org, @now (used with invitations) → members plus pending
	// unexpired invitations.
	seats string
	// listFirst: $1 organization, $2 actor, $3 limit; listAfter: $1
	// organization, $2 actor, $3 after, $4 limit. Members by user id, none
	// when the actor is not a member.
	listFirst, listAfter string

	// Custom roles ("" without Schema.Roles). roleExists: $1 organization,
	// $2 role; roleInsert: @org, @role, @permissions, @id (when the store
	// makes ids); roleDelete: $1 organization, $2 role; roleInUse: $1
	// organization, $2 role, $3 now → whether a member holds it or a pending,
	// unexpired invitation names it.
	roleExists, roleInsert, roleDelete, roleInUse string
}

// rolesArray is the text[] of a roles column over alias a: the column itself,
// or Better Auth's comma-joined text split.
func rolesArray(sc Schema, a string) string {
	return rolesArrayOf(sc, a, sc.Members.Role)
}

// rolesArrayOf is rolesArray for any roles column, e.g. an invitation's.
func rolesArrayOf(sc Schema, a, column string) string {
	col := ident(column)
	if a != "" {
		col = a + "." + col
	}
	if sc.RolesText {
		return fmt.Sprintf("string_to_array(replace(%s, ' ', ''), ',')", col)
	}
	return col
}

// ownerPredicate is true for the rows of owners over alias a.
func ownerPredicate(sc Schema, a string) string {
	return fmt.Sprintf("'%s' = ANY(%s)", RoleOwner, rolesArray(sc, a))
}

// memberColumns is the select list of scanMember over alias m, and the join
// it needs (the users table, when the schema names one).
func memberColumns(sc Schema) (cols, join string) {
	m, u := sc.Members, sc.Users
	name, email := "''", "''"
	if u.Table != "" {
		name = fmt.Sprintf("COALESCE(u.%s::text, '')", ident(u.Name))
		email = fmt.Sprintf("COALESCE(u.%s::text, '')", ident(u.Email))
		join = fmt.Sprintf(" LEFT JOIN %s u ON u.%s = m.%s", ident(u.Table), ident(u.ID), ident(m.UserID))
	}
	cols = fmt.Sprintf("m.%s::text, m.%s::text, m.%s::text, m.%s, m.%s, %s, %s",
		ident(m.ID), ident(m.OrganizationID), ident(m.UserID), ident(m.Role), ident(m.CreatedAt), name, email)
	return cols, join
}

func buildMemberSQL(sc Schema) memberSQL {
	m := sc.Members
	var q memberSQL
	cols, join := memberColumns(sc)
	table, org, user := ident(m.Table), ident(m.OrganizationID), ident(m.UserID)

	q.get = fmt.Sprintf("SELECT %s FROM %s m%s WHERE m.%s = $1 AND m.%s = $2", cols, table, join, org, user)
	q.keyShare = fmt.Sprintf("SELECT 1 FROM %s WHERE %s = $1 AND %s = $2 FOR KEY SHARE", table, org, user)

	var ins insertList
	ins.add(m.OrganizationID, "@org")
	ins.add(m.UserID, "@user")
	ins.add(m.Role, "@roles")
	ins.add(m.CreatedAt, "now()")
	ins.addID(sc, m.ID)
	q.insert = fmt.Sprintf("WITH m AS (INSERT INTO %s %s ON CONFLICT (%s, %s) DO NOTHING RETURNING *) SELECT %s FROM m%s",
		table, ins, org, user, cols, join)
	q.update = fmt.Sprintf("WITH m AS (UPDATE %s SET %s = $3 WHERE %s = $1 AND %s = $2 RETURNING *) SELECT %s FROM m%s",
		table, ident(m.Role), org, user, cols, join)
	q.delete = fmt.Sprintf("DELETE FROM %s WHERE %s = $1 AND %s = $2", table, org, user)
	if t, tm := sc.Teams, sc.TeamMembers; t.Table != "" && tm.Table != "" {
		q.deleteTeams = fmt.Sprintf("DELETE FROM %s tm USING %s t WHERE tm.%s = t.%s AND t.%s = $1 AND tm.%s = $2",
			ident(tm.Table), ident(t.Table), ident(tm.TeamID), ident(t.ID), ident(t.OrganizationID), ident(tm.UserID))
		if mc := t.MemberCount; mc != "" {
			// The teams' seats go back as Better Auth's removeMember gives
			// them back (releaseTeamSeats). The teams' rows are locked
			// first, before the membership row is deleted, in the order
			// AddTeamMember takes them (team, then member), so the two do
			// not deadlock.
			q.lockTeams = fmt.Sprintf("SELECT t.%s FROM %s t JOIN %s tm ON tm.%s = t.%s WHERE t.%s = $1 AND tm.%s = $2 ORDER BY t.%s FOR NO KEY UPDATE OF t",
				ident(t.ID), ident(t.Table), ident(tm.Table), ident(tm.TeamID), ident(t.ID), ident(t.OrganizationID), ident(tm.UserID), ident(t.ID))
			q.deleteTeams = fmt.Sprintf("WITH d AS (%s RETURNING tm.%s AS team), n AS (SELECT team, count(*) AS c FROM d GROUP BY team) UPDATE %s t SET %s = t.%s - n.c FROM n WHERE t.%s = n.team AND t.%s >= n.c",
				q.deleteTeams, ident(tm.TeamID), ident(t.Table), ident(mc), ident(mc), ident(t.ID), ident(mc))
		}
	}
	q.owners = fmt.Sprintf("SELECT count(*) FROM %s WHERE %s = $1 AND %s", table, org, ownerPredicate(sc, ""))

	q.seats = fmt.Sprintf("SELECT (SELECT count(*) FROM %s WHERE %s = @org)", table, org)
	if i := sc.Invitations; i.Table != "" {
		q.seats += fmt.Sprintf(" + (SELECT count(*) FROM %s WHERE %s = @org AND %s = '%s' AND %s > @now)",
			ident(i.Table), ident(i.OrganizationID), ident(i.Status), StatusPending, ident(i.ExpiresAt))
	}

	// ListMembers: one statement that is both the membership check (the
	// EXISTS becomes a one-time filter, evaluated once) and the page, read
	// in order from the unique (organization, user) index. The first page
	// has its own statement: "after IS NULL OR user > after" would not be an
	// index condition in a generic plan.
	member := fmt.Sprintf("EXISTS (SELECT 1 FROM %s a WHERE a.%s = $1 AND a.%s = $2)", table, org, user)
	q.listFirst = fmt.Sprintf("SELECT %s FROM %s m%s WHERE m.%s = $1 AND %s ORDER BY m.%s LIMIT $3",
		cols, table, join, org, member, user)
	// The users join repeats the bound on its own key: PostgreSQL does not
	// carry "m.user > $3" over to "u.id", and without it a deep page reads the
	// users' key from the start (30 000 rows for 50 members, measured in
	// docs/BENCHMARKS.md). In the ON clause, members without a user row stay.
	afterJoin := join
	if join != "" {
		afterJoin += fmt.Sprintf(" AND u.%s > $3", ident(sc.Users.ID))
	}
	q.listAfter = fmt.Sprintf("SELECT %s FROM %s m%s WHERE m.%s = $1 AND %s AND m.%s > $3 ORDER BY m.%s LIMIT $4",
		cols, table, afterJoin, org, member, user, user)

	if r := sc.Roles; r.Table != "" {
		rt, rorg, rrole := ident(r.Table), ident(r.OrganizationID), ident(r.Role)
		q.roleExists = fmt.Sprintf("SELECT EXISTS (SELECT 1 FROM %s WHERE %s = $1 AND %s = $2)", rt, rorg, rrole)
		var ins insertList
		ins.add(r.OrganizationID, "@org")
		ins.add(r.Role, "@role")
		ins.add(r.Permissions, "@permissions")
		ins.add(r.CreatedAt, "now()")
		ins.addID(sc, r.ID)
		q.roleInsert = fmt.Sprintf("INSERT INTO %s %s", rt, ins)
		q.roleDelete = fmt.Sprintf("DELETE FROM %s WHERE %s = $1 AND %s = $2", rt, rorg, rrole)
		// In use: held by a member, or named by a pending invitation that can
		// still be accepted ($3: the store's now). Deleting the latter's role
		// and creating it again with more permissions would hand those to the
		// invitee.
		v := sc.Invitations
		q.roleInUse = fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE %s = $1 AND $2::text = ANY(%s))
	OR EXISTS (SELECT 1 FROM %s WHERE %s = $1 AND %s = 'pending' AND %s > $3 AND $2::text = ANY(%s))`,
			table, org, rolesArray(sc, ""),
			ident(v.Table), ident(v.OrganizationID), ident(v.Status), ident(v.ExpiresAt), rolesArrayOf(sc, "", v.Role))
	}
	return q
}

// scanMember reads a row of memberColumns.
func (s *Store[O, U, M, I, T]) scanMember(row pgx.Row) (Member[O, U, M], error) {
	var m Member[O, U, M]
	var id, org, user string
	var roles rolesDest
	err := row.Scan(&id, &org, &user, s.sql.rolesTarget(&roles), &m.CreatedAt, &m.UserName, &m.UserEmail)
	m.ID, m.OrganizationID, m.UserID, m.Roles = M(id), O(org), U(user), s.sql.roles(&roles)
	return m, err
}

// scanMembers reads rows of scanMember's columns, up to limit of them
// expected. It is scanMember for many rows, its targets bound once rather
// than per row (a row's Scan of seven fresh targets costs each an
// allocation), with room for a page up front (a full page is the common
// case), up to DefaultPageSize members; a larger page grows as it comes.
func (s *Store[O, U, M, I, T]) scanMembers(rows pgx.Rows, limit int) ([]Member[O, U, M], error) {
	out := make([]Member[O, U, M], 0, min(limit, DefaultPageSize))
	var m Member[O, U, M]
	var id, org, user string
	var roles rolesDest
	_, err := pgx.ForEachRow(rows, []any{&id, &org, &user, s.sql.rolesTarget(&roles), &m.CreatedAt, &m.UserName, &m.UserEmail}, func() error {
		m.ID, m.OrganizationID, m.UserID, m.Roles = M(id), O(org), U(user), s.sql.roles(&roles)
		out = append(out, m)
		return nil
	})
	return out, err
}

// getMember returns user's membership of org, or ErrNotFound.
func (s *Store[O, U, M, I, T]) getMember(ctx context.Context, q tenant.Querier, org, user string) (Member[O, U, M], error) {
	m, err := s.scanMember(q.QueryRow(ctx, s.sql.member.get, org, user))
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return m, fmt.Errorf("member %s of organization %s: %w", user, org, ErrNotFound)
	}
	return m, err
}

// lockOrg locks org's row until the transaction ends, serialising the
// operations that change its owners or roles. An unknown organization is
// reported like a non-member actor's: ErrNotMember. It runs before
// authorize, so the actor's membership is read after any concurrent change
// of it has committed.
func (s *Store[O, U, M, I, T]) lockOrg(ctx context.Context, q tenant.Querier, org, actorID string) error {
	var id string
	err := q.QueryRow(ctx, s.sql.lockOrganization, org).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return fmt.Errorf("user %s, organization %s: %w", actorID, org, ErrNotMember)
	}
	return err
}

// authorizeLocked locks org's row, then authorizes the actor: the order the
// operations that change owners, roles or seats need, so an actor removed a
// moment earlier is refused and concurrent changes of one organization queue.
func (s *Store[O, U, M, I, T]) authorizeLocked(ctx context.Context, q tenant.Querier, org, actorID string, p Permission) (actor, error) {
	if err := s.lockOrg(ctx, q, org, actorID); err != nil {
		return actor{}, err
	}
	return s.authorize(ctx, q, org, actorID, p)
}

// seatsUsed counts org's members plus its pending, unexpired invitations.
// An invitation being accepted is not counted twice: accepting changes the
// invitation's status before it calls addMemberTx, so by then it is no longer
// pending and only the new member is counted.
func (s *Store[O, U, M, I, T]) seatsUsed(ctx context.Context, q tenant.Querier, org string) (int, error) {
	// UTC, as invitations are written: a timestamp without time zone (Better
	// Auth's expiresAt) takes the time's wall clock.
	args := pgx.NamedArgs{"org": org, "now": s.cfg.Now().UTC()}
	var n int
	err := q.QueryRow(ctx, s.sql.member.seats, args).Scan(&n)
	return n, err
}

// errLostRace is what addMemberTx's insert reports when a concurrent
// transaction made the same membership first.
var errLostRace = errors.New("orgstore: member added concurrently")

// addMemberTx makes user a member of org with roles (none: member), in q's
// transaction, and
// reports whether it inserted a row: when user is already a member it
// returns the existing membership and false, and fires no hooks (a
// concurrent insert detected only by ON CONFLICT DO NOTHING may have fired
// the before hooks already; their writes stay in the transaction).
//
// It locks the organization's row first, so concurrent adds of one
// organization queue: with MaxMembers set they count seats one after another
// (ErrLimitReached when seatsUsed + 1 exceeds the limit), and the membership
// check below sees a membership another transaction made meanwhile — on
// Better Auth's tables the database's one-membership trigger takes the same
// lock and refuses a second membership with an error, which would abort this
// transaction where ON CONFLICT DO NOTHING alone would not. The caller has
// authorized actorID; the hooks of OpAddMember fire around the insert. This is the one path every
// new membership takes: AddMember, CreateOrganization's owner and accepted
// invitations.
func (s *Store[O, U, M, I, T]) addMemberTx(ctx context.Context, q tenant.Querier, actorID, org, user string, roles []string) (Member[O, U, M], bool, error) {
	if len(roles) == 0 {
		roles = []string{RoleMember}
	}
	var id string
	err := q.QueryRow(ctx, s.sql.lockOrganization, org).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return Member[O, U, M]{}, false, fmt.Errorf("organization %s: %w", org, ErrNotFound)
	}
	if err != nil {
		return Member[O, U, M]{}, false, err
	}
	if m, err := s.getMember(ctx, q, org, user); err == nil {
		return m, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return m, false, err
	}
	if max := s.cfg.MaxMembers; max > 0 {
		n, err := s.seatsUsed(ctx, q, org)
		if err != nil {
			return Member[O, U, M]{}, false, err
		}
		if n+1 > max {
			return Member[O, U, M]{}, false, fmt.Errorf("organization %s uses %d of %d seats: %w", org, n, max, ErrLimitReached)
		}
	}
	var m Member[O, U, M]
	e := &Event{Op: OpAddMember, Actor: actorID, OrganizationID: org, UserID: user, Roles: roles, Tx: q}
	err = s.around(ctx, e, func() error {
		args := pgx.NamedArgs{"org": org, "user": user, "roles": s.sql.encodeRoles(roles), "id": s.sql.newID()}
		var err error
		m, err = s.scanMember(q.QueryRow(ctx, s.sql.member.insert, args))
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return errLostRace
		case pgCode(err) == "23503":
			return fmt.Errorf("user %s or organization %s: %w", user, org, ErrNotFound)
		}
		return err
	})
	if errors.Is(err, errLostRace) {
		m, err = s.getMember(ctx, q, org, user)
		return m, false, err
	}
	if err != nil {
		return Member[O, U, M]{}, false, err
	}
	return m, true, nil
}

// rolePattern is what a role name may be: it must survive Better Auth's
// comma-joined roles column.
var rolePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,63}$`)

// normRoles checks role names and removes duplicates, keeping the order.
func normRoles(roles []string) ([]string, error) {
	if len(roles) == 0 {
		return nil, fmt.Errorf("no roles: %w", ErrUnknownRole)
	}
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		if !rolePattern.MatchString(r) {
			return nil, fmt.Errorf("%q: %w", r, ErrUnknownRole)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// AddMember makes user a member of org with roles (default member). actor
// needs member:create and may grant only what it holds; only an owner grants
// owner. It returns ErrAlreadyMember when user is a member, ErrLimitReached
// beyond MaxMembers.
func (s *Store[O, U, M, I, T]) AddMember(ctx context.Context, actorID U, org O, user U, roles []string) (Member[O, U, M], error) {
	if len(roles) == 0 {
		roles = []string{RoleMember}
	}
	roles, err := normRoles(roles)
	if err != nil {
		return Member[O, U, M]{}, err
	}
	var m Member[O, U, M]
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		a, err := s.authorize(ctx, q, string(org), string(actorID), MemberCreate)
		if err != nil {
			return err
		}
		if err := s.checkGrant(a, roles); err != nil {
			return err
		}
		var inserted bool
		m, inserted, err = s.addMemberTx(ctx, q, string(actorID), string(org), string(user), roles)
		if err == nil && !inserted {
			err = fmt.Errorf("user %s, organization %s: %w", user, org, ErrAlreadyMember)
		}
		return err
	})
	if err != nil {
		return Member[O, U, M]{}, err
	}
	return m, nil
}

// removeTx deletes user's membership of org and its team memberships.
func (s *Store[O, U, M, I, T]) removeTx(ctx context.Context, q tenant.Querier, org, user string) error {
	if s.sql.member.lockTeams != "" {
		if _, err := q.Exec(ctx, s.sql.member.lockTeams, org, user); err != nil {
			return err
		}
	}
	if _, err := q.Exec(ctx, s.sql.member.delete, org, user); err != nil {
		return err
	}
	if s.sql.member.deleteTeams != "" {
		if _, err := q.Exec(ctx, s.sql.member.deleteTeams, org, user); err != nil {
			return err
		}
	}
	return nil
}

// checkLastOwner returns ErrLastOwner when org has at most one owner. The
// caller holds the organization's lock.
func (s *Store[O, U, M, I, T]) checkLastOwner(ctx context.Context, q tenant.Querier, org string) error {
	var n int
	if err := q.QueryRow(ctx, s.sql.member.owners, org).Scan(&n); err != nil {
		return err
	}
	if n <= 1 {
		return fmt.Errorf("organization %s: %w", org, ErrLastOwner)
	}
	return nil
}

// RemoveMember removes user from org, and from its teams. actor needs
// member:delete; only an owner removes an owner, and the last owner cannot
// be removed (ErrLastOwner), also under concurrent removals: the
// organization's row is locked before the owners are counted.
func (s *Store[O, U, M, I, T]) RemoveMember(ctx context.Context, actorID U, org O, user U) error {
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		a, err := s.authorizeLocked(ctx, q, string(org), string(actorID), MemberDelete)
		if err != nil {
			return err
		}
		target, err := s.getMember(ctx, q, string(org), string(user))
		if err != nil {
			return err
		}
		if slices.Contains(target.Roles, RoleOwner) {
			if !a.isOwner() {
				return fmt.Errorf("only an owner removes an owner: %w", ErrForbidden)
			}
			if err := s.checkLastOwner(ctx, q, string(org)); err != nil {
				return err
			}
		}
		e := &Event{Op: OpRemoveMember, Actor: string(actorID), OrganizationID: string(org), UserID: string(user), Roles: target.Roles, Tx: q}
		return s.around(ctx, e, func() error { return s.removeTx(ctx, q, string(org), string(user)) })
	})
}

// Leave ends user's own membership of org (and its teams). The last owner
// cannot leave (ErrLastOwner).
func (s *Store[O, U, M, I, T]) Leave(ctx context.Context, user U, org O) error {
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		a, err := s.authorizeLocked(ctx, q, string(org), string(user), "")
		if err != nil {
			return err
		}
		if a.isOwner() {
			if err := s.checkLastOwner(ctx, q, string(org)); err != nil {
				return err
			}
		}
		e := &Event{Op: OpLeave, Actor: string(user), OrganizationID: string(org), UserID: string(user), Roles: a.roles, Tx: q}
		return s.around(ctx, e, func() error { return s.removeTx(ctx, q, string(org), string(user)) })
	})
}

// UpdateMemberRoles replaces user's roles in org. actor needs member:update;
// a non-owner can neither change an owner nor grant owner, anyone grants
// only permissions it holds, and the last owner cannot be demoted
// (ErrLastOwner), also under concurrent requests.
func (s *Store[O, U, M, I, T]) UpdateMemberRoles(ctx context.Context, actorID U, org O, user U, roles []string) (Member[O, U, M], error) {
	roles, err := normRoles(roles)
	if err != nil {
		return Member[O, U, M]{}, err
	}
	var m Member[O, U, M]
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		a, err := s.authorizeLocked(ctx, q, string(org), string(actorID), MemberUpdate)
		if err != nil {
			return err
		}
		target, err := s.getMember(ctx, q, string(org), string(user))
		if err != nil {
			return err
		}
		wasOwner := slices.Contains(target.Roles, RoleOwner)
		if wasOwner && !a.isOwner() {
			return fmt.Errorf("only an owner changes an owner's roles: %w", ErrForbidden)
		}
		// Roles the member keeps were granted before; the actor must be able
		// to grant the new ones.
		var added []string
		for _, r := range roles {
			if !slices.Contains(target.Roles, r) {
				added = append(added, r)
			}
		}
		if err := s.checkGrant(a, added); err != nil {
			return err
		}
		if wasOwner && !slices.Contains(roles, RoleOwner) {
			if err := s.checkLastOwner(ctx, q, string(org)); err != nil {
				return err
			}
		}
		e := &Event{Op: OpUpdateMemberRoles, Actor: string(actorID), OrganizationID: string(org), UserID: string(user), Roles: roles, Tx: q}
		return s.around(ctx, e, func() error {
			var err error
			m, err = s.scanMember(q.QueryRow(ctx, s.sql.member.update, string(org), string(user), s.sql.encodeRoles(roles)))
			return err
		})
	})
	if err != nil {
		return Member[O, U, M]{}, err
	}
	return m, nil
}

// GetMember returns user's membership of org; any member may read it.
// It returns ErrNotMember when actor is not a member, ErrNotFound when user
// is not.
func (s *Store[O, U, M, I, T]) GetMember(ctx context.Context, actorID U, org O, user U) (Member[O, U, M], error) {
	var m Member[O, U, M]
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if _, err := s.authorize(ctx, q, string(org), string(actorID), ""); err != nil {
			return err
		}
		var err error
		m, err = s.getMember(ctx, q, string(org), string(user))
		return err
	})
	if err != nil {
		return Member[O, U, M]{}, err
	}
	return m, nil
}

// ListMembers returns a page of org's members ordered by user id, starting
// after the user id after ("" for the first page); limit is capped at
// MaxPageSize, and 0 means DefaultPageSize. Any member may list. The page,
// each member's name and email (Schema.Users) and the actor's membership
// check are one statement reading the unique (organization, user) index,
// sent alone (one round trip, no transaction); only an empty page costs a
// second one, to tell a non-member (ErrNotMember) from the end of the list.
func (s *Store[O, U, M, I, T]) ListMembers(ctx context.Context, actorID U, org O, after U, limit int) ([]Member[O, U, M], error) {
	if limit <= 0 {
		limit = DefaultPageSize
	}
	limit = min(limit, MaxPageSize)
	// The page alone is one statement outside any transaction
	// (tenant.SystemQuery): one round trip, and a single statement is
	// atomic on its own.
	var rows pgx.Rows
	var err error
	if after == "" {
		rows, err = tenant.SystemQuery(ctx, s.db, s.sql.member.listFirst, string(org), string(actorID), limit)
	} else {
		rows, err = tenant.SystemQuery(ctx, s.db, s.sql.member.listAfter, string(org), string(actorID), string(after), limit)
	}
	var out []Member[O, U, M]
	if err == nil {
		out, err = s.scanMembers(rows, limit)
	}
	if isBadID(err) {
		return nil, fmt.Errorf("user %s, organization %s: %w", actorID, org, ErrNotMember)
	}
	if err != nil {
		return nil, invariantError(err)
	}
	if len(out) > 0 {
		return out, nil
	}
	// An empty page: the end of the list, or an actor who is no member.
	err = s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		_, err := s.authorize(ctx, q, string(org), string(actorID), "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// The custom roles of an organization (Schema.Roles).

var reservedRoles = []string{RoleOwner, RoleAdmin, RoleMember}

// encodePermissions is the value to write into a custom role's permissions
// column: text[] of statements (native) or Better Auth's JSON object of
// resource → actions.
func (st *statements) encodePermissions(perms []Permission) (any, error) {
	if !st.schema.RolesText {
		out := make([]string, len(perms))
		for i, p := range perms {
			out[i] = string(p)
		}
		return out, nil
	}
	byResource := map[string][]string{}
	for _, p := range perms {
		res, action, _ := strings.Cut(string(p), ":")
		byResource[res] = append(byResource[res], action)
	}
	b, err := json.Marshal(byResource) // maps marshal in key order
	return string(b), err
}

// CreateRole adds a custom role to org that grants perms. actor needs
// member:update and may put in the role only permissions it holds itself.
// The built-in names (owner, admin, member) and the roles of Config.Roles
// are reserved (ErrForbidden); an existing role's name returns
// ErrNameTaken. Hooks: OpCreateRole, with the role in Event.Roles.
func (s *Store[O, U, M, I, T]) CreateRole(ctx context.Context, actorID U, org O, role string, perms []Permission) error {
	if s.sql.member.roleInsert == "" {
		return ErrNoCustomRoles
	}
	if !rolePattern.MatchString(role) {
		return fmt.Errorf("%q: %w", role, ErrUnknownRole)
	}
	if _, ok := s.cfg.Roles[role]; ok || slices.Contains(reservedRoles, role) {
		return fmt.Errorf("role %q is reserved: %w", role, ErrForbidden)
	}
	var clean []Permission
	for _, p := range perms {
		if !slices.Contains(AllPermissions, p) {
			return fmt.Errorf("%q: %w", p, ErrUnknownPermission)
		}
		if !slices.Contains(clean, p) {
			clean = append(clean, p)
		}
	}
	slices.Sort(clean)
	encoded, err := s.sql.encodePermissions(clean)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		// The lock serialises role changes of one organization: Better Auth's
		// table has no unique (organization, role).
		a, err := s.authorizeLocked(ctx, q, string(org), string(actorID), MemberUpdate)
		if err != nil {
			return err
		}
		for _, p := range clean {
			if !s.HasPermission(a.roles, p, a.orgRoles) {
				return fmt.Errorf("a role granting %s needs %s: %w", p, p, ErrForbidden)
			}
		}
		var exists bool
		if err := q.QueryRow(ctx, s.sql.member.roleExists, string(org), role).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return fmt.Errorf("role %q: %w", role, ErrNameTaken)
		}
		e := &Event{Op: OpCreateRole, Actor: string(actorID), OrganizationID: string(org), Roles: []string{role}, Tx: q}
		return s.around(ctx, e, func() error {
			args := pgx.NamedArgs{"org": string(org), "role": role, "permissions": encoded, "id": s.sql.newID()}
			_, err := q.Exec(ctx, s.sql.member.roleInsert, args)
			return err
		})
	})
}

// DeleteRole removes a custom role of org. actor needs member:update. A role
// some member still holds, or that a pending invitation names, is not deleted
// (ErrRoleInUse): a role deleted and created again with more permissions
// would otherwise hand them to the invitee. Cancel the invitation first. An
// unknown role returns ErrUnknownRole. Hooks: OpDeleteRole.
func (s *Store[O, U, M, I, T]) DeleteRole(ctx context.Context, actorID U, org O, role string) error {
	if s.sql.member.roleDelete == "" {
		return ErrNoCustomRoles
	}
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		// Locked like UpdateMemberRoles, so no one is granted the role while
		// it is being deleted.
		a, err := s.authorizeLocked(ctx, q, string(org), string(actorID), MemberUpdate)
		if err != nil {
			return err
		}
		if _, ok := a.orgRoles[role]; !ok {
			return fmt.Errorf("%q in organization %s: %w", role, org, ErrUnknownRole)
		}
		var used bool
		if err := q.QueryRow(ctx, s.sql.member.roleInUse, string(org), role, s.inviteNow()).Scan(&used); err != nil {
			return err
		}
		if used {
			return fmt.Errorf("role %q: %w", role, ErrRoleInUse)
		}
		e := &Event{Op: OpDeleteRole, Actor: string(actorID), OrganizationID: string(org), Roles: []string{role}, Tx: q}
		return s.around(ctx, e, func() error {
			_, err := q.Exec(ctx, s.sql.member.roleDelete, string(org), role)
			return err
		})
	})
}
