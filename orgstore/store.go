package orgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantc/tenantc/tenant"
)

// Errors. Every one works with errors.Is; wrapped errors say which object.
var (
	ErrNotFound             = errors.New("orgstore: not found")
	ErrNotMember            = errors.New("orgstore: not a member of the organization")
	ErrForbidden            = errors.New("orgstore: the actor lacks the permission")
	ErrLastOwner            = errors.New("orgstore: the organization's last owner cannot be removed or demoted")
	ErrSlugTaken            = errors.New("orgstore: slug taken")
	ErrInvalidSlug          = errors.New("orgstore: invalid slug")
	ErrUnknownRole          = errors.New("orgstore: unknown role")
	ErrAlreadyMember        = errors.New("orgstore: already a member")
	ErrInvitationPending    = errors.New("orgstore: an invitation for this email is pending")
	ErrInvitationExpired    = errors.New("orgstore: invitation expired")
	ErrInvitationNotPending = errors.New("orgstore: invitation is no longer pending")
	ErrInvalidToken         = errors.New("orgstore: invalid invitation token")
	ErrEmailMismatch        = errors.New("orgstore: invitation is for another email")
	// ErrEmailNotVerified: Config.RequireEmailVerificationOnInvitation is
	// on and the user's email is not verified (Better Auth's
	// EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION).
	ErrEmailNotVerified  = errors.New("orgstore: the user's email address is not verified")
	ErrLimitReached      = errors.New("orgstore: limit reached")
	ErrVetoed            = errors.New("orgstore: vetoed by a hook")
	ErrInvalidName       = errors.New("orgstore: invalid name")
	ErrNameTaken         = errors.New("orgstore: name taken") // a team's or custom role's
	ErrUnknownPermission = errors.New("orgstore: unknown permission")
	ErrRoleInUse         = errors.New("orgstore: the role is held by members or named by a pending invitation")
)

// Capability errors: the operation needs a table or column the Schema lacks
// (see Schema.Spec for what may be missing). Each also matches ErrUnsupported,
// so a caller can tell "this deployment's schema cannot do that" from a
// refusal with one errors.Is.
var (
	// ErrUnsupported is matched by every capability error.
	ErrUnsupported = errors.New("orgstore: not supported by the schema")
	// ErrNoTeams: the schema has no teams or no team members table.
	ErrNoTeams error = &capabilityError{"the schema has no teams tables"}
	// ErrNoCustomRoles: the schema has no custom roles table (Schema.Roles).
	ErrNoCustomRoles error = &capabilityError{"the schema has no custom roles table"}
	// ErrNoInvitations: the schema has no invitations table, or one without
	// a token-hash column; the error returned says which.
	ErrNoInvitations error = &capabilityError{"the schema cannot hold invitations"}
	// ErrNoInvitationTeams: an invitation cannot name a team, because the
	// invitations table has no team column or the schema has no teams (the
	// error then matches ErrNoTeams too).
	ErrNoInvitationTeams error = &capabilityError{"the schema's invitations cannot name a team"}
	// ErrNoUsers: the operation reads the signed-in user's email from the
	// users table (Schema.Users), which the schema does not name.
	ErrNoUsers error = &capabilityError{"the schema names no users table with an email column"}
)

// capabilityError is a capability error: itself, and ErrUnsupported.
type capabilityError struct{ msg string }

func (e *capabilityError) Error() string { return "orgstore: " + e.msg }

// Is makes every capability error match ErrUnsupported.
func (e *capabilityError) Is(target error) bool { return target == ErrUnsupported }

// Permission is one statement a role grants, e.g. "member:delete".
type Permission string

// The permission statements of the organization plugin Better Auth users know.
const (
	OrganizationUpdate Permission = "organization:update"
	OrganizationDelete Permission = "organization:delete"
	MemberCreate       Permission = "member:create"
	MemberUpdate       Permission = "member:update"
	MemberDelete       Permission = "member:delete"
	InvitationCreate   Permission = "invitation:create"
	InvitationCancel   Permission = "invitation:cancel"
	TeamCreate         Permission = "team:create"
	TeamUpdate         Permission = "team:update"
	TeamDelete         Permission = "team:delete"
)

// AllPermissions lists every statement, in documentation order.
var AllPermissions = []Permission{
	OrganizationUpdate, OrganizationDelete, MemberCreate, MemberUpdate, MemberDelete,
	InvitationCreate, InvitationCancel, TeamCreate, TeamUpdate, TeamDelete,
}

// The built-in roles.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// InvitationStatus is where an invitation stands.
type InvitationStatus string

const (
	StatusPending  InvitationStatus = "pending"
	StatusAccepted InvitationStatus = "accepted"
	StatusRejected InvitationStatus = "rejected"
	StatusCanceled InvitationStatus = "canceled"
	StatusExpired  InvitationStatus = "expired"
)

// ReinvitePolicy says what inviting an email with a pending invitation does.
// The zero value is ReinviteResend, tenantc.yaml's default (store.reinvite).
type ReinvitePolicy int

const (
	// ReinviteResend issues a new token for the pending invitation and extends
	// its expiry; the old token stops working. The zero value.
	ReinviteResend ReinvitePolicy = iota
	// ReinviteCancel cancels the pending invitation and creates a new one.
	ReinviteCancel
	// ReinviteReject refuses with ErrInvitationPending.
	ReinviteReject
)

// Config is a store's behaviour. The zero value of each field is a sensible
// default.
type Config struct {
	Schema Schema
	// InvitationTTL is how long an invitation stays valid; default 48 hours.
	InvitationTTL time.Duration
	// Reinvite is what inviting an email with a pending invitation does;
	// default ReinviteResend.
	Reinvite ReinvitePolicy
	// Limits; zero means none.
	MaxMembers              int // members per organization (pending invitations count)
	MaxPendingInvitations   int // pending invitations per organization
	MaxOrganizationsPerUser int // organizations a user may create
	// MaxMembersPerTeam is the most members a team may have (Better Auth's
	// teams.maximumMembersPerTeam); zero means none. It is checked under the
	// team's lock, against Better Auth's memberCount seat counter where the
	// schema has it, so that concurrent adds, the Go store's and Better
	// Auth's, cannot both take the last seat. A full team returns
	// ErrLimitReached.
	MaxMembersPerTeam int
	// RequireEmailVerificationOnInvitation refuses AcceptInvitationByID and
	// RejectInvitationByID for a user whose email is not verified
	// (Schema.Users.EmailVerified false or NULL) with ErrEmailNotVerified:
	// Better Auth's organization option of the same name. Set both to the
	// same value on a shared database, and turn it on: without it an
	// invitation id is worth a membership to anyone who can create an
	// account with the invited address. It needs Schema.Users.EmailVerified
	// (New refuses it otherwise). The token operations take the caller's
	// word for the email and do not read it.
	RequireEmailVerificationOnInvitation bool
	// Roles adds custom roles, or changes what admin and member grant; owner
	// always grants everything.
	Roles map[string][]Permission
	Hooks Hooks
	// TenantDefaults are column values of the tenants row the store creates
	// for an organization another service made (see Store.ResolveTenant),
	// e.g. the tenants table's NOT NULL columns without defaults.
	TenantDefaults map[string]any
	// TenantDefaultsFor, when set, derives column values of that tenants row
	// from its organization (e.g. {"name": org.Name}); they win over
	// TenantDefaults. It runs in the adopting transaction; an error fails
	// the ResolveTenant that adopts.
	TenantDefaultsFor func(ctx context.Context, org AdoptedOrganization) (map[string]any, error)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Organization is an organization with its tenant.
type Organization[O ~string] struct {
	ID        O
	TenantID  tenant.ID
	Name      string
	Slug      string
	Logo      string
	Metadata  json.RawMessage
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Member is a user's membership of an organization.
type Member[O, U, M ~string] struct {
	ID             M
	OrganizationID O
	UserID         U
	Roles          []string
	CreatedAt      time.Time
	// UserName and UserEmail come from Schema.Users when it is set.
	UserName  string
	UserEmail string
}

// Invitation is an invitation to join an organization. Its token is never
// stored; Invite returns it once.
type Invitation[O, U, I, T ~string] struct {
	ID             I
	OrganizationID O
	Email          string
	Roles          []string
	// TeamID is the first of TeamIDs, empty when none.
	TeamID T
	// TeamIDs are the teams the invitee joins on accepting, in the stored
	// order (Better Auth's invitation."teamId" holds them comma-joined).
	TeamIDs   []T
	Status    InvitationStatus
	InviterID U
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Team is a group of members within an organization.
type Team[O, T ~string] struct {
	ID             T
	OrganizationID O
	Name           string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// TeamMember is a user's membership of a team.
type TeamMember[T, U ~string] struct {
	TeamID    T
	UserID    U
	CreatedAt time.Time
}

// Store is the store over one database. Its type parameters are the generated
// package's ID types.
type Store[O, U, M, I, T ~string] struct {
	db  *tenant.SystemDB
	cfg Config
	sql *statements // the schema's SQL, built once
}

// New returns a store over db, whose role must bypass row level security
// (tenant.System checks it on first use).
func New[O, U, M, I, T ~string](db *tenant.SystemDB, cfg Config) (*Store[O, U, M, I, T], error) {
	if db == nil {
		return nil, errors.New("orgstore: nil database")
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = 48 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st, err := buildStatements(cfg.Schema)
	if err != nil {
		return nil, err
	}
	if cfg.RequireEmailVerificationOnInvitation && !st.invite.hasVerified {
		return nil, errors.New("orgstore: Config.RequireEmailVerificationOnInvitation needs Schema.Users with Email and EmailVerified columns")
	}
	return &Store[O, U, M, I, T]{db: db, cfg: cfg, sql: st}, nil
}

// inTx runs fn in one System transaction. A refusal by one of the
// database's invariants (tenantc's better-auth store migration: they hold
// for every service writing the tables, and an owner check refuses at
// commit) is reported as the sentinel the store's own check returns.
func (s *Store[O, U, M, I, T]) inTx(ctx context.Context, fn func(ctx context.Context, q tenant.Querier) error) error {
	return invariantError(tenant.System(ctx, s.db, func(ctx context.Context, sc *tenant.Scope) error {
		return fn(ctx, sc.Querier())
	}))
}

// The constraint names the database's invariant triggers report (see the
// better-auth store migration, internal/templates/store_invariants.up.sql.tmpl).
const (
	// constraintOwner: a change would leave an organization without an owner.
	constraintOwner = "tenantc_organization_owner"
	// constraintMembership: a second membership of a user and organization
	// (also the unique index's name).
	constraintMembership = "member_organization_user_key"
	// constraintInvitationMember: a pending invitation for a member.
	constraintInvitationMember = "tenantc_invitation_member"
)

// invariantError wraps a database invariant's refusal in the store's
// sentinel, keeping the server's error (message, hint) in the chain.
func invariantError(err error) error {
	var pe *pgconn.PgError
	if err == nil || !errors.As(err, &pe) {
		return err
	}
	var sentinel error
	switch {
	case pe.Code == "23514" && pe.ConstraintName == constraintOwner:
		sentinel = ErrLastOwner
	case pe.Code == "23505" && pe.ConstraintName == constraintMembership,
		pe.Code == "23514" && pe.ConstraintName == constraintInvitationMember:
		sentinel = ErrAlreadyMember
	}
	if sentinel == nil || errors.Is(err, sentinel) {
		return err
	}
	return fmt.Errorf("%w: %w", sentinel, err)
}
