package orgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/tenantc/tenantc/tenant"
)

// SessionsTable names Better Auth's session table, which
// [tenant.BetterAuthSession] reads. It is not part of [Schema]: the store
// itself never reads sessions.
type SessionsTable struct {
	// Table is the table's name (Better Auth's session.modelName).
	Table string
	// Token is the session token, unique: what the session cookie signs.
	Token string
	// UserID is the session's user.
	UserID string
	// ExpiresAt is when the session ends (timestamptz).
	ExpiresAt string
	// ActiveOrganizationID is the organization plugin's active
	// organization, NULL for none.
	ActiveOrganizationID string
}

// BetterAuthSessions is Better Auth 1.7.25's session table, as its migrator
// makes it.
func BetterAuthSessions() SessionsTable {
	return SessionsTable{
		Table: "session", Token: "token", UserID: "userId", ExpiresAt: "expiresAt",
		ActiveOrganizationID: "activeOrganizationId",
	}
}

// SessionQuery returns the one statement [tenant.BetterAuthSessionConfig]'s
// Query describes, for sessions st over s's members and tenant bridge: $1
// the session token → the session's user, active organization, whether it
// has expired (by the database's clock), whether the user is a member of
// that organization and the organization's tenant. A unique token, the one
// membership per user and organization tenantc's migration adds and the
// unique bridge make it one row at most.
func (s Schema) SessionQuery(st SessionsTable) (string, error) {
	m, t := s.Members, s.Tenants
	for _, f := range []struct{ field, v string }{
		{"Table", st.Table}, {"Token", st.Token}, {"UserID", st.UserID},
		{"ExpiresAt", st.ExpiresAt}, {"ActiveOrganizationID", st.ActiveOrganizationID},
		{"Members.Table", m.Table}, {"Members.OrganizationID", m.OrganizationID}, {"Members.UserID", m.UserID},
	} {
		if f.v == "" {
			return "", fmt.Errorf("orgstore: SessionQuery: empty %s", f.field)
		}
	}
	// A member's organization id is the tenant id when the organizations
	// table is the tenant root; else the bridge row, which may be missing
	// (NULL: the resolver adopts the organization).
	tenantExpr, join := fmt.Sprintf("m.%s::text", ident(m.OrganizationID)), ""
	if t.Table != "" {
		tenantExpr = fmt.Sprintf("t.%s::text", ident(t.ID))
		join = fmt.Sprintf("\nLEFT JOIN %s t ON t.%s = m.%s", ident(t.Table), ident(t.OrganizationID), ident(m.OrganizationID))
	}
	return fmt.Sprintf(`SELECT s.%[2]s::text, s.%[3]s::text, s.%[4]s < now(), m.%[6]s IS NOT NULL, %[9]s
FROM %[1]s s
LEFT JOIN %[5]s m ON m.%[7]s = s.%[3]s AND m.%[6]s = s.%[2]s%[10]s
WHERE s.%[8]s = $1`,
		ident(st.Table), ident(st.UserID), ident(st.ActiveOrganizationID), ident(st.ExpiresAt),
		ident(m.Table), ident(m.UserID), ident(m.OrganizationID), ident(st.Token),
		tenantExpr, join), nil
}

// BetterAuthSession returns the resolver of Better Auth sessions
// ([tenant.BetterAuthSession]) on the store's database: cfg.Query, when
// empty, is the store schema's SessionQuery over Better Auth's session
// table, and cfg.Adopt, when nil, is ResolveTenant, which gives an
// organization made by Better Auth its tenant on its first request (once;
// every later request is the one query).
func (s *Store[O, U, M, I, T]) BetterAuthSession(cfg tenant.BetterAuthSessionConfig) (*tenant.BetterAuthSessions, error) {
	if s == nil {
		return nil, errors.New("orgstore: BetterAuthSession: nil *Store")
	}
	if cfg.Query == "" {
		q, err := s.cfg.Schema.SessionQuery(BetterAuthSessions())
		if err != nil {
			return nil, err
		}
		cfg.Query = q
	}
	if cfg.Adopt == nil {
		cfg.Adopt = func(ctx context.Context, user, org string) (tenant.ID, error) {
			id, err := s.ResolveTenant(ctx, U(user), O(org))
			if errors.Is(err, ErrNotMember) {
				// Removed between the lookup and now.
				return "", fmt.Errorf("%w: %w", tenant.ErrForbidden, err)
			}
			return id, err
		}
	}
	return tenant.BetterAuthSession(s.db, cfg)
}
