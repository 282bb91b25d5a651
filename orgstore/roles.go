package orgstore

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/tenant"
)

// builtinRoles are Better Auth's defaults: owner may do everything, admin all
// but delete the organization, member nothing.
var builtinRoles = map[string][]Permission{
	RoleOwner:  AllPermissions,
	RoleAdmin:  {OrganizationUpdate, MemberCreate, MemberUpdate, MemberDelete, InvitationCreate, InvitationCancel, TeamCreate, TeamUpdate, TeamDelete},
	RoleMember: {},
}

// grants returns what role grants: owner always everything, then config
// roles over built-in ones, and only then the organization's own custom roles
// (orgRoles). The store refuses to create a custom role of a reserved name,
// but another service sharing the tables (Better Auth) may have written one
// — a "member" row granting organization:delete — and it must not change
// what the built-in role grants.
func (s *Store[O, U, M, I, T]) grants(role string, orgRoles map[string][]Permission) ([]Permission, bool) {
	if role == RoleOwner {
		return AllPermissions, true
	}
	if p, ok := s.cfg.Roles[role]; ok {
		return p, true
	}
	if p, ok := builtinRoles[role]; ok {
		return p, true
	}
	p, ok := orgRoles[role]
	return p, ok
}

// HasPermission reports whether any of roles grants p: a member's roles are
// combined, so a member who is "billing" and "support" holds both roles'
// statements. orgRoles are the organization's custom roles (may be nil).
func (s *Store[O, U, M, I, T]) HasPermission(roles []string, p Permission, orgRoles map[string][]Permission) bool {
	for _, r := range roles {
		if g, ok := s.grants(r, orgRoles); ok && slices.Contains(g, p) {
			return true
		}
	}
	return false
}

// knownRole reports whether role exists for the organization.
func (s *Store[O, U, M, I, T]) knownRole(role string, orgRoles map[string][]Permission) bool {
	_, ok := s.grants(role, orgRoles)
	return ok
}

// actor is the acting member of an organization, with what it may do.
type actor struct {
	memberID string
	roles    []string
	orgRoles map[string][]Permission
}

func (a actor) isOwner() bool { return slices.Contains(a.roles, RoleOwner) }

// authorize loads the actor's membership in org and checks p (skipped when p
// is ""). It returns ErrNotMember when the actor is not a member — also when
// the organization does not exist, so existence does not leak — and
// ErrForbidden when no role of the actor grants p.
func (s *Store[O, U, M, I, T]) authorize(ctx context.Context, q tenant.Querier, org, user string, p Permission) (actor, error) {
	var a actor
	var roles rolesDest
	err := q.QueryRow(ctx, s.sql.memberRoles, org, user).Scan(&a.memberID, s.sql.rolesTarget(&roles))
	// An id the column cannot hold ("x" for a uuid) names no organization.
	if errors.Is(err, pgx.ErrNoRows) || isBadID(err) {
		return a, fmt.Errorf("user %s, organization %s: %w", user, org, ErrNotMember)
	}
	if err != nil {
		return a, err
	}
	a.roles = s.sql.roles(&roles)
	if a.orgRoles, err = s.orgRoles(ctx, q, org); err != nil {
		return a, err
	}
	if p != "" && !s.HasPermission(a.roles, p, a.orgRoles) {
		return a, fmt.Errorf("user %s lacks %s in organization %s: %w", user, p, org, ErrForbidden)
	}
	return a, nil
}

// orgRoles loads an organization's custom roles, when the schema has them.
func (s *Store[O, U, M, I, T]) orgRoles(ctx context.Context, q tenant.Querier, org string) (map[string][]Permission, error) {
	if s.sql.customRoles == "" {
		return nil, nil
	}
	rows, err := q.Query(ctx, s.sql.customRoles, org)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Permission{}
	for rows.Next() {
		var role string
		var perms any
		if err := rows.Scan(&role, &perms); err != nil {
			return nil, err
		}
		out[role] = s.sql.decodePermissions(perms)
	}
	return out, rows.Err()
}

// checkGrant refuses a role change the actor may not make: only an owner gives
// or takes the owner role, and a member may grant only permissions it holds.
func (s *Store[O, U, M, I, T]) checkGrant(a actor, roles []string) error {
	for _, r := range roles {
		if !s.knownRole(r, a.orgRoles) {
			return fmt.Errorf("%q: %w", r, ErrUnknownRole)
		}
		if r == RoleOwner && !a.isOwner() {
			return fmt.Errorf("only an owner grants the owner role: %w", ErrForbidden)
		}
		g, _ := s.grants(r, a.orgRoles)
		for _, p := range g {
			if !s.HasPermission(a.roles, p, a.orgRoles) {
				return fmt.Errorf("granting %s needs %s: %w", r, p, ErrForbidden)
			}
		}
	}
	return nil
}
