package orgstore

import (
	"context"
	"fmt"

	"github.com/tenantc/tenantc/tenant"
)

// Operation names a store operation for hooks.
type Operation string

const (
	OpCreateOrganization Operation = "organization.create"
	OpUpdateOrganization Operation = "organization.update"
	OpDeleteOrganization Operation = "organization.delete"
	OpAddMember          Operation = "member.add" // also fired when an invitation is accepted
	OpRemoveMember       Operation = "member.remove"
	OpUpdateMemberRoles  Operation = "member.update_roles"
	OpLeave              Operation = "member.leave"
	OpInvite             Operation = "invitation.create"
	OpAcceptInvitation   Operation = "invitation.accept"
	OpRejectInvitation   Operation = "invitation.reject"
	OpCancelInvitation   Operation = "invitation.cancel"
	OpCreateTeam         Operation = "team.create"
	OpUpdateTeam         Operation = "team.update"
	OpDeleteTeam         Operation = "team.delete"
	OpAddTeamMember      Operation = "team.add_member"
	OpRemoveTeamMember   Operation = "team.remove_member"
	OpCreateRole         Operation = "role.create" // Event.Roles holds the role
	OpDeleteRole         Operation = "role.delete"
)

// Event describes an operation to its hooks. Fields not used by an operation
// are empty; IDs are in text form.
type Event struct {
	Op             Operation
	Actor          string // the acting user; empty for system calls
	OrganizationID string
	UserID         string // the member added, removed or changed
	Roles          []string
	InvitationID   string
	Email          string
	TeamID         string // for an invitation naming several teams, the first (Invitation.TeamID)
	// Tx runs SQL in the operation's own transaction, so a hook's writes commit
	// or roll back with it.
	Tx tenant.Querier
}

// Hook inspects an operation. A hook returning an error vetoes it: the
// transaction rolls back and the operation returns the error wrapped with
// ErrVetoed.
type Hook func(ctx context.Context, e *Event) error

// Hooks run before and after every operation, inside its transaction, on every
// path that performs it: accepting an invitation also fires OpAddMember.
type Hooks struct {
	Before []Hook
	After  []Hook
}

// fire runs the hooks of one phase in order.
func fire(ctx context.Context, hooks []Hook, e *Event) error {
	for _, h := range hooks {
		if err := h(ctx, e); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrVetoed, e.Op, err)
		}
	}
	return nil
}

// around runs the before hooks, then do, then the after hooks, all in the
// caller's transaction.
func (s *Store[O, U, M, I, T]) around(ctx context.Context, e *Event, do func() error) error {
	if err := fire(ctx, s.cfg.Hooks.Before, e); err != nil {
		return err
	}
	if err := do(); err != nil {
		return err
	}
	return fire(ctx, s.cfg.Hooks.After, e)
}
