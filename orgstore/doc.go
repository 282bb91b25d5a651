// Package orgstore is the organization, member, invitation and team store that
// tenantc generates a typed API for: the rules every multi-tenant application
// needs (owners, roles and permissions, invitations, teams), written once,
// tested on PostgreSQL, and shared by every generated store.
/*
# Shape

[Store] is generic over the ID types of the generated package —
OrganizationID, UserID, MemberID, InvitationID and TeamID, each a distinct
string type — so an organization id cannot be passed where a user id is
expected; tenants are [tenant.ID]. The generated package instantiates it with
its own types and its schema's names ([Schema]): tenantc's own tables
([Native]) or Better Auth's organization plugin tables ([BetterAuth]), so a Go
service can share a database with a Better Auth service.

# Schemas without teams or custom roles

A [Schema] may lack the optional tables and columns [Schema.Spec] marks (a
Better Auth deployment without the teams plugin has no team tables). The
store then does without them, and an operation that needs one returns a
capability error — [ErrNoTeams], [ErrNoCustomRoles], [ErrNoInvitations],
[ErrNoInvitationTeams] — each of which also matches [ErrUnsupported].
[Schema.Spec] is the same description as data, for tools: tenantc's
generator checks a project's database schema against it.

# Where it runs

Every operation is one transaction on a [tenant.SystemDB]: organizations,
members and invitations are read across tenants (a user's organizations,
accepting an invitation before being a member), and the tenant root is
protected by row level security. The store is the gate instead: every
operation that takes an actor checks the actor's membership and permission
first, so a member of organization A can never read organization B's members
or invitations through it.

# Invitations on a shared database

Better Auth accepts an invitation by its id and the signed-in user's email,
so where it shares the database an invitation id is a bearer credential for
whoever can sign in with the invited address (with email verification off,
for whoever can sign up with it). [Store.AcceptInvitationByID] and
[Store.RejectInvitationByID] do as Better Auth does, reading the user's email
from [Schema.Users]; [Config.RequireEmailVerificationOnInvitation] is Better
Auth's option of the same name; [Store.ListInvitations] shows ids only to
members who may invite, and owner invitations only to owners. The token of
[Store.Invite] is the credential of tenantc's own tables.

# Concurrency

Operations that change who owns an organization lock the organization's row
(SELECT … FOR UPDATE) before reading its owners, so "remove the last two owners
at once" leaves one; accepting an invitation locks the invitation's row and
inserts the member with ON CONFLICT DO NOTHING on the unique (organization,
user) key, so two concurrent accepts make one member. Adding a member locks
the organization's row too, before it looks for an existing membership.

On Better Auth's tables, where a second service writes without these locks,
tenantc's better-auth migration puts the same invariants in the database:
triggers refuse a change leaving an organization without an owner (at
commit) and a second membership, and settle the invitee's pending
invitations when a membership is made. They take the organization's row
lock as the store does; the store reports their refusals with its own
sentinels, ErrLastOwner and ErrAlreadyMember.
*/
package orgstore
