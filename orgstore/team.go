package orgstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/tenant"
)

// teamSQL is the SQL of the team operations ("" fields without teams).
type teamSQL struct {
	// org: $1 team → its organization. lockOrg also holds the team's row
	// (FOR NO KEY UPDATE: team member inserts, whose foreign key check
	// takes KEY SHARE, are not blocked by it, but another holder of the same
	// lock is), serialising the member changes of one team.
	org, lockOrg string
	// insert: @org, @name, @id (when the store makes ids) → team.
	insert string
	// update: $1 team, $2 name → team.
	update string
	// delete: $1 team.
	delete string
	// list: $1 organization → teams by name.
	list string
	// isMember: $1 team, $2 user → whether user is in the team.
	isMember string
	// addMember: @team, @user, @id (when the store makes ids), @key (the
	// membership key, where the schema has the column).
	addMember string
	// reserve: @team, @max (0: no limit) → a row when the team has a free
	// seat, taking it where the schema has Better Auth's memberCount (see
	// TeamsTable.MemberCount); no row when the team is full. release: $1
	// team, $2 seats → gives back seats a failed add took ("" without
	// memberCount).
	reserve, release string
	// removeMember: $1 team, $2 user; releases the seat where the schema has
	// memberCount.
	removeMember string
	// members: $1 team → team members by user id.
	members string
	// size: $1 team → its number of members.
	size string
}

func buildTeamSQL(sc Schema) teamSQL {
	t, tm := sc.Teams, sc.TeamMembers
	var q teamSQL
	if t.Table == "" || tm.Table == "" {
		return q
	}
	table, id, org, name := ident(t.Table), ident(t.ID), ident(t.OrganizationID), ident(t.Name)
	updated := ident(t.CreatedAt)
	if t.UpdatedAt != "" {
		// NULL on the default team Better Auth makes with an organization.
		updated = fmt.Sprintf("COALESCE(%s, %s)", ident(t.UpdatedAt), ident(t.CreatedAt))
	}
	cols := fmt.Sprintf("%s::text, %s::text, %s, %s, %s", id, org, name, ident(t.CreatedAt), updated)

	q.org = fmt.Sprintf("SELECT %s::text FROM %s WHERE %s = $1", org, table, id)
	q.lockOrg = q.org + " FOR NO KEY UPDATE"

	var ins insertList
	ins.add(t.OrganizationID, "@org")
	ins.add(t.Name, "@name")
	ins.add(t.CreatedAt, "now()")
	if t.MemberCount != "" {
		// NOT NULL without a default in Better Auth's schema; its createTeam
		// writes 0.
		ins.add(t.MemberCount, "0")
	}
	set := fmt.Sprintf("%s = $2", name)
	if t.UpdatedAt != "" {
		ins.add(t.UpdatedAt, "now()")
		set += fmt.Sprintf(", %s = now()", ident(t.UpdatedAt))
	}
	ins.addID(sc, t.ID)
	q.insert = fmt.Sprintf("INSERT INTO %s %s RETURNING %s", table, ins, cols)
	q.update = fmt.Sprintf("UPDATE %s SET %s WHERE %s = $1 RETURNING %s", table, set, id, cols)
	q.delete = fmt.Sprintf("DELETE FROM %s WHERE %s = $1", table, id)
	q.list = fmt.Sprintf("SELECT %s FROM %s WHERE %s = $1 ORDER BY %s, %s", cols, table, org, name, id)

	mt, mteam, muser := ident(tm.Table), ident(tm.TeamID), ident(tm.UserID)
	q.isMember = fmt.Sprintf("SELECT EXISTS (SELECT 1 FROM %s WHERE %s = $1 AND %s = $2)", mt, mteam, muser)
	var add insertList
	add.add(tm.TeamID, "@team")
	add.add(tm.UserID, "@user")
	add.add(tm.CreatedAt, "now()")
	if tm.MembershipKey != "" {
		add.add(tm.MembershipKey, "@key")
	}
	add.addID(sc, tm.ID)
	// The caller holds the team's lock and has checked isMember; ON CONFLICT
	// only backs up a unique (team, user) where the schema has one.
	q.addMember = fmt.Sprintf("INSERT INTO %s %s ON CONFLICT DO NOTHING", mt, add)
	q.removeMember = fmt.Sprintf("DELETE FROM %s WHERE %s = $1 AND %s = $2", mt, mteam, muser)
	q.size = fmt.Sprintf("SELECT count(*)::int FROM %s WHERE %s = $1", mt, mteam)
	count := fmt.Sprintf("(SELECT count(*)::int FROM %s WHERE %s = @team)", mt, mteam)
	if mc := t.MemberCount; mc != "" {
		// Better Auth's addTeamMemberWithLimit: raise the counter to the
		// team's member count (syncTeamMemberCount), then take a seat if one
		// is free (reserveTeamSeat); removeTeamMember gives it back
		// (releaseTeamSeats). Its UPDATEs lock the team's row, as lockOrg
		// does, so the two services take seats one at a time.
		c := ident(mc)
		q.reserve = fmt.Sprintf("UPDATE %[1]s SET %[2]s = GREATEST(%[2]s, %[3]s) + 1 WHERE %[4]s = @team AND (@max::int <= 0 OR GREATEST(%[2]s, %[3]s) < @max::int) RETURNING %[2]s",
			table, c, count, id)
		q.release = fmt.Sprintf("UPDATE %[1]s SET %[2]s = %[2]s - $2 WHERE %[3]s = $1 AND %[2]s >= $2", table, c, id)
		q.removeMember = fmt.Sprintf("WITH d AS (%s RETURNING 1) UPDATE %s SET %s = %s - (SELECT count(*) FROM d) WHERE %s = $1 AND %s >= (SELECT count(*) FROM d)",
			q.removeMember, table, c, c, id, c)
	} else {
		q.reserve = fmt.Sprintf("SELECT n + 1 FROM %s AS c(n) WHERE @max::int <= 0 OR n < @max::int", count)
	}
	q.members = fmt.Sprintf("SELECT %s::text, %s::text, %s FROM %s WHERE %s = $1 ORDER BY %s",
		mteam, muser, ident(tm.CreatedAt), mt, mteam, muser)
	return q
}

func scanTeam[O, T ~string](row pgx.Row) (Team[O, T], error) {
	var t Team[O, T]
	var id, org string
	err := row.Scan(&id, &org, &t.Name, &t.CreatedAt, &t.UpdatedAt)
	t.ID, t.OrganizationID = T(id), O(org)
	return t, err
}

// teamActor finds team's organization and authorizes actor there for p. An
// unknown team is reported as ErrNotMember, like a team of an organization
// the actor is not in, so team ids of other organizations do not leak.
// lock also locks the team's row (see teamSQL.lockOrg).
func (s *Store[O, U, M, I, T]) teamActor(ctx context.Context, q tenant.Querier, actorID U, team T, p Permission, lock bool) (string, actor, error) {
	if s.sql.team.org == "" {
		return "", actor{}, ErrNoTeams
	}
	stmt := s.sql.team.org
	if lock {
		stmt = s.sql.team.lockOrg
	}
	var org string
	err := q.QueryRow(ctx, stmt, string(team)).Scan(&org)
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return "", actor{}, fmt.Errorf("user %s, team %s: %w", actorID, team, ErrNotMember)
	}
	if err != nil {
		return "", actor{}, err
	}
	a, err := s.authorize(ctx, q, org, string(actorID), p)
	if errors.Is(err, ErrNotMember) {
		// Worded as for an unknown team: naming the organization would tell
		// a non-member whose team this is.
		return "", actor{}, fmt.Errorf("user %s, team %s: %w", actorID, team, ErrNotMember)
	}
	return org, a, err
}

// CreateTeam creates a team in org; actor needs team:create. A name the
// organization already uses returns ErrNameTaken where the schema has a
// unique (organization, name), as the native one does.
func (s *Store[O, U, M, I, T]) CreateTeam(ctx context.Context, actorID U, org O, name string) (Team[O, T], error) {
	var out Team[O, T]
	if s.sql.team.insert == "" {
		return out, ErrNoTeams
	}
	if err := validName(name); err != nil {
		return out, err
	}
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if _, err := s.authorize(ctx, q, string(org), string(actorID), TeamCreate); err != nil {
			return err
		}
		e := &Event{Op: OpCreateTeam, Actor: string(actorID), OrganizationID: string(org), Tx: q}
		return s.around(ctx, e, func() error {
			args := pgx.NamedArgs{"org": string(org), "name": name, "id": s.sql.newID()}
			var err error
			out, err = scanTeam[O, T](q.QueryRow(ctx, s.sql.team.insert, args))
			if isUniqueViolation(err) && !isPrimaryKey(err) {
				return fmt.Errorf("team %q: %w", name, ErrNameTaken)
			}
			e.TeamID = string(out.ID)
			return err
		})
	})
	if err != nil {
		return Team[O, T]{}, err
	}
	return out, nil
}

// UpdateTeam renames team; actor needs team:update in the team's
// organization.
func (s *Store[O, U, M, I, T]) UpdateTeam(ctx context.Context, actorID U, team T, name string) (Team[O, T], error) {
	var out Team[O, T]
	if err := validName(name); err != nil {
		return out, err
	}
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		org, _, err := s.teamActor(ctx, q, actorID, team, TeamUpdate, false)
		if err != nil {
			return err
		}
		e := &Event{Op: OpUpdateTeam, Actor: string(actorID), OrganizationID: org, TeamID: string(team), Tx: q}
		return s.around(ctx, e, func() error {
			var err error
			out, err = scanTeam[O, T](q.QueryRow(ctx, s.sql.team.update, string(team), name))
			if isUniqueViolation(err) && !isPrimaryKey(err) {
				return fmt.Errorf("team %q: %w", name, ErrNameTaken)
			}
			return err
		})
	})
	if err != nil {
		return Team[O, T]{}, err
	}
	return out, nil
}

// DeleteTeam deletes team and its memberships; actor needs team:delete.
func (s *Store[O, U, M, I, T]) DeleteTeam(ctx context.Context, actorID U, team T) error {
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		org, _, err := s.teamActor(ctx, q, actorID, team, TeamDelete, false)
		if err != nil {
			return err
		}
		e := &Event{Op: OpDeleteTeam, Actor: string(actorID), OrganizationID: org, TeamID: string(team), Tx: q}
		return s.around(ctx, e, func() error {
			_, err := q.Exec(ctx, s.sql.team.delete, string(team))
			return err
		})
	})
}

// AddTeamMember puts user in team; actor needs team:update. user must be a
// member of the team's organization (ErrNotMember otherwise); one who is in
// the team already returns ErrAlreadyMember.
func (s *Store[O, U, M, I, T]) AddTeamMember(ctx context.Context, actorID U, team T, user U) error {
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		org, _, err := s.teamActor(ctx, q, actorID, team, TeamUpdate, false)
		if err != nil {
			return err
		}
		added, err := s.addTeamMemberTx(ctx, q, string(actorID), org, string(team), string(user))
		if err == nil && !added {
			err = fmt.Errorf("user %s, team %s: %w", user, team, ErrAlreadyMember)
		}
		return err
	})
}

// addTeamMemberTx puts user in team, a team of org, in q's transaction, with
// OpAddTeamMember's hooks around the insert, and reports whether it did: a
// user in the team already is left as is (false, no hooks). The caller has
// authorized actorID. It returns ErrNotFound when team is not a team of org
// and ErrNotMember when user is not a member of org.
//
// The team's row is locked (teamSQL.lockOrg) so that concurrent adds of one
// user make one team member even without a unique (team, user) key (Better
// Auth has none), and the user's membership row is held FOR KEY SHARE until
// the transaction ends, so a concurrent RemoveMember cannot leave behind a
// team member who is no longer a member of the organization.
func (s *Store[O, U, M, I, T]) addTeamMemberTx(ctx context.Context, q tenant.Querier, actorID, org, team, user string) (bool, error) {
	if s.sql.team.lockOrg == "" {
		return false, ErrNoTeams
	}
	var teamOrg string
	err := q.QueryRow(ctx, s.sql.team.lockOrg, team).Scan(&teamOrg)
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) || err == nil && teamOrg != org {
		return false, fmt.Errorf("team %s of organization %s: %w", team, org, ErrNotFound)
	}
	if err != nil {
		return false, err
	}
	var one int
	err = q.QueryRow(ctx, s.sql.member.keyShare, org, user).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("user %s is not a member of organization %s: %w", user, org, ErrNotMember)
	}
	if err != nil {
		return false, err
	}
	var in bool
	if err := q.QueryRow(ctx, s.sql.team.isMember, team, user).Scan(&in); err != nil || in {
		return false, err
	}
	// A seat, under the team's lock: two adds racing for the last one cannot
	// both take it (nor a Better Auth add, whose seat UPDATE waits for the
	// lock).
	err = q.QueryRow(ctx, s.sql.team.reserve, pgx.NamedArgs{"team": team, "max": s.cfg.MaxMembersPerTeam}).Scan(new(int))
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("team %s has %d members, the most Config.MaxMembersPerTeam allows: %w", team, s.cfg.MaxMembersPerTeam, ErrLimitReached)
	}
	if err != nil {
		return false, err
	}
	added := false
	e := &Event{Op: OpAddTeamMember, Actor: actorID, OrganizationID: org, TeamID: team, UserID: user, Tx: q}
	err = s.around(ctx, e, func() error {
		args := pgx.NamedArgs{"team": team, "user": user, "id": s.sql.newID(), "key": teamMembershipKey(team, user)}
		tag, err := q.Exec(ctx, s.sql.team.addMember, args)
		added = err == nil && tag.RowsAffected() == 1
		return err
	})
	if err == nil && !added && s.sql.team.release != "" {
		// Better Auth added the same user meanwhile (its membershipKey is
		// unique, and its insert does not wait for the team's lock): give the
		// seat back, as it does.
		_, err = q.Exec(ctx, s.sql.team.release, team, 1)
	}
	return err == nil && added, err
}

// inviteTeams is the teams an invitation names: first, then more, without
// empty ids and repeats, in order.
func inviteTeams[T ~string](first T, more []T) []string {
	var out []string
	for _, t := range append([]T{first}, more...) {
		if t != "" && !slices.Contains(out, string(t)) {
			out = append(out, string(t))
		}
	}
	return out
}

// decodeTeams reads an invitation's team column: with Schema.TeamsText the
// comma-joined ids Better Auth writes (it splits them on "," when accepting),
// otherwise one id.
func (st *statements) decodeTeams(v string) []string {
	if !st.schema.TeamsText {
		if v == "" {
			return nil
		}
		return []string{v}
	}
	var out []string
	for _, id := range strings.Split(v, ",") {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}

// teamMembershipKey is Better Auth's teamMember.membershipKey of (team,
// user): base64url without padding of the SHA-256 of JSON.stringify([team,
// user]) (computeTeamMembershipKey in its organization plugin's adapter).
func teamMembershipKey(team, user string) string {
	sum := sha256.Sum256([]byte("[" + jsString(team) + "," + jsString(user) + "]"))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// jsString is s as JavaScript's JSON.stringify writes a string: only '"',
// '\\' and control characters escaped (Go's encoding/json also escapes
// <, >, &, U+2028 and U+2029, which would change the hash).
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// RemoveTeamMember takes user out of team; actor needs team:update. A user
// not in the team returns ErrNotFound.
func (s *Store[O, U, M, I, T]) RemoveTeamMember(ctx context.Context, actorID U, team T, user U) error {
	return s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		org, _, err := s.teamActor(ctx, q, actorID, team, TeamUpdate, true)
		if err != nil {
			return err
		}
		var in bool
		if err := q.QueryRow(ctx, s.sql.team.isMember, string(team), string(user)).Scan(&in); err != nil {
			return err
		}
		if !in {
			return fmt.Errorf("user %s in team %s: %w", user, team, ErrNotFound)
		}
		e := &Event{Op: OpRemoveTeamMember, Actor: string(actorID), OrganizationID: org, TeamID: string(team), UserID: string(user), Tx: q}
		return s.around(ctx, e, func() error {
			_, err := q.Exec(ctx, s.sql.team.removeMember, string(team), string(user))
			return err
		})
	})
}

// ListTeams returns org's teams by name; any member may list them.
func (s *Store[O, U, M, I, T]) ListTeams(ctx context.Context, actorID U, org O) ([]Team[O, T], error) {
	if s.sql.team.list == "" {
		return nil, ErrNoTeams
	}
	var out []Team[O, T]
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if _, err := s.authorize(ctx, q, string(org), string(actorID), ""); err != nil {
			return err
		}
		rows, err := q.Query(ctx, s.sql.team.list, string(org))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Team[O, T], error) { return scanTeam[O, T](r) })
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListTeamMembers returns team's members by user id; any member of the
// team's organization may list them.
func (s *Store[O, U, M, I, T]) ListTeamMembers(ctx context.Context, actorID U, team T) ([]TeamMember[T, U], error) {
	var out []TeamMember[T, U]
	err := s.inTx(ctx, func(ctx context.Context, q tenant.Querier) error {
		if _, _, err := s.teamActor(ctx, q, actorID, team, "", false); err != nil {
			return err
		}
		rows, err := q.Query(ctx, s.sql.team.members, string(team))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TeamMember[T, U], error) {
			var tm TeamMember[T, U]
			var tid, uid string
			err := r.Scan(&tid, &uid, &tm.CreatedAt)
			tm.TeamID, tm.UserID = T(tid), U(uid)
			return tm, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
