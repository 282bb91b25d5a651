package betterauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator/config"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// TestDelete deletes organizations through the real Better Auth
// (auth.api.deleteOrganization) and through Go's DeleteOrganization, each
// checked from the other service, with the bridge detaching
// (store.on_organization_delete: detach) and cascading, and shows that
// neither service lets a non-owner delete.
//
// Better Auth 1.7.25's deleteOrganization (plugins/organization/routes/
// crud-org.mjs) needs a session whose user is a member holding
// organization:delete (owner only, by default), refuses with 404
// ORGANIZATION_DELETION_DISABLED when disableOrganizationDeletion is set (not
// here), runs its beforeDeleteOrganization/afterDeleteOrganization hooks
// (none of the Go store's), and in one transaction (adapter.mjs) deletes the
// members and invitations through its adapter and then the organization row;
// teams, team members and dynamic roles go by their foreign keys (ON DELETE
// CASCADE), and the tenant by the bridge's.
//
// Better Auth's service connects as a role of its own (envOptions.
// ServiceRole: db.App), which owns no table and holds no privilege on tenants
// or notes — the foreign key's action runs as the referencing table's owner,
// so Better Auth's delete detaches or deletes tenant data it could not touch
// itself.
func TestDelete(t *testing.T) {
	for _, c := range []struct{ mode, onDelete string }{{"detach", "SET NULL"}, {"cascade", "CASCADE"}} {
		d := newDeleteEnv(t, c.onDelete)
		cascade := c.onDelete == "CASCADE"
		cases := []flowCase{
			{"delete (" + c.mode + ")/BA→Go", func(t *testing.T) {
				d.requireNoPrivilege(t)
				d.hooks.reset()
				// An organization made by each service, deleted by Better Auth.
				for _, byBA := range []bool{true, false} {
					o := d.orgWithData(t, byBA)
					var deleted baOrg
					d.BA.must(t, &deleted, map[string]any{"op": "deleteOrganization", "as": o.owner, "organizationId": o.id})
					require.Equal(t, o.id, deleted.ID)
					d.requireDeleted(t, o, cascade)
				}
				assert.Empty(t, d.hooks.events(), "Better Auth's delete runs no Go hook")
				note(t, "no Go hook ran (Better Auth runs only its own organizationHooks)")
			}},
			{"delete (" + c.mode + ")/Go→BA", func(t *testing.T) {
				for _, byBA := range []bool{true, false} {
					o := d.orgWithData(t, byBA)
					// The owner's Better Auth session has it active.
					d.BA.must(t, nil, map[string]any{"op": "setActive", "as": o.owner, "organizationId": o.id})
					d.hooks.reset()
					require.NoError(t, d.Store.DeleteOrganization(context.Background(), o.owner, OrgID(o.id)))
					assert.Equal(t, []string{"before organization.delete " + o.id, "after organization.delete " + o.id}, d.hooks.events())
					d.requireDeleted(t, o, cascade)
					// Better Auth's session still names it active: session has
					// no foreign key to organization, and Go's delete does not
					// touch Better Auth's sessions; Better Auth then answers as
					// for any unknown organization (requireDeleted).
					var active int
					require.NoError(t, d.Admin.QueryRow(context.Background(),
						`SELECT count(*) FROM session WHERE "userId" = $1 AND "activeOrganizationId" = $2`, o.owner, o.id).Scan(&active))
					if byBA {
						note(t, "%d Better Auth session(s) keep the deleted organization as activeOrganizationId", active)
					}
				}
			}},
		}
		if !cascade {
			cases = append(cases, d.nonOwnerFlows()...)
			cases = append(cases, flowCase{"delete racing Go's adoption/BA→Go", d.adoptionRace})
		}
		runFlows(t, cases)
	}
}

// deleteEnv is an env for the delete flows: Better Auth as a service role,
// a tenant table of the application's (notes), and a Go store whose hooks
// record what they see.
type deleteEnv struct {
	*env
	hooks *hookLog
	// control is an organization that is never deleted, with its tenant and
	// notes: a delete must leave them alone.
	control deleteOrg
}

// notesDDL is a tenant-scoped table of the application's, created by the
// database owner (the migrations' role) and protected as tenantc's
// migrations protect a scoped table: Better Auth's role gets no grant on it.
const notesDDL = `
CREATE TABLE notes (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    body      text NOT NULL
);
CREATE INDEX notes_tenant_id_idx ON notes (tenant_id);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON notes AS PERMISSIVE FOR ALL
    USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))
    WITH CHECK (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid));
`

func newDeleteEnv(t *testing.T, onDelete string) *deleteEnv {
	t.Helper()
	e := newEnvWith(t, envOptions{OnDelete: onDelete, ServiceRole: true})
	e.DB.Exec(t, e.DB.OwnerURL, notesDDL)
	d := &deleteEnv{env: e, hooks: &hookLog{}}
	// The Go store of this env records its hooks.
	var err error
	d.Store, err = orgstore.New[OrgID, UserID, MemberID, InviteID, TeamID](
		tenant.NewSystemDB(newPool(t, e.StoreURL, 2)), orgstore.Config{
			Schema: orgstore.BetterAuth(), MaxMembersPerTeam: teamSeats,
			Hooks: orgstore.Hooks{Before: []orgstore.Hook{d.hooks.hook("before")}, After: []orgstore.Hook{d.hooks.hook("after")}},
		})
	require.NoError(t, err)
	d.control = d.orgWithData(t, true)
	d.hooks.reset()
	return d
}

// hookLog records the Go store's hook calls for organization deletes.
type hookLog struct {
	mu  sync.Mutex
	log []string
}

func (h *hookLog) hook(when string) orgstore.Hook {
	return func(_ context.Context, e *orgstore.Event) error {
		if e.Op == orgstore.OpDeleteOrganization {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.log = append(h.log, fmt.Sprintf("%s %s %s", when, e.Op, e.OrganizationID))
		}
		return nil
	}
}

func (h *hookLog) events() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.log)
}

func (h *hookLog) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = nil
}

// deleteOrg is an organization with everything a delete must take or leave.
type deleteOrg struct {
	id           string
	owner, admin UserID
	member       UserID
	tenant       string
	notes        int
	rows         map[string]int // orgRows before the delete
}

// orgWithData makes an organization (through Better Auth when byBA, else
// through Go) with an owner, an admin and a member, a team with a member, a
// pending invitation and a custom role; its tenant (adopted by Go's
// ResolveTenant for Better Auth's) holds two notes.
func (d *deleteEnv) orgWithData(t *testing.T, byBA bool) deleteOrg {
	t.Helper()
	ctx := context.Background()
	var o deleteOrg
	o.owner, _ = d.signUp(t, "Owner")
	o.admin, _ = d.signUp(t, "Admin")
	o.member, _ = d.signUp(t, "Member")
	_, invitee := d.signUp(t, "Invitee")
	if byBA {
		o.id = d.baCreateOrg(t, o.owner).ID
		for u, role := range map[UserID]string{o.admin: "admin", o.member: "member"} {
			d.BA.must(t, nil, map[string]any{"op": "addMember", "userId": u, "role": role, "organizationId": o.id})
		}
		var team baTeam
		d.BA.must(t, &team, map[string]any{"op": "createTeam", "as": o.owner, "name": "Ops", "organizationId": o.id})
		d.BA.must(t, nil, map[string]any{"op": "addTeamMember", "as": o.owner, "teamId": team.ID, "userId": o.member})
		d.BA.must(t, nil, map[string]any{"op": "invite", "as": o.owner, "email": invitee, "role": "member", "organizationId": o.id})
		d.BA.must(t, nil, map[string]any{"op": "createRole", "as": o.owner, "role": "billing",
			"permission": map[string][]string{"invitation": {"create"}}, "organizationId": o.id})
	} else {
		o.id = string(d.goCreateOrg(t, o.owner).ID)
		org := OrgID(o.id)
		for u, role := range map[UserID]string{o.admin: orgstore.RoleAdmin, o.member: orgstore.RoleMember} {
			_, err := d.Store.AddMember(ctx, o.owner, org, u, []string{role})
			require.NoError(t, err)
		}
		team, err := d.Store.CreateTeam(ctx, o.owner, org, "Ops")
		require.NoError(t, err)
		require.NoError(t, d.Store.AddTeamMember(ctx, o.owner, team.ID, o.member))
		_, _, err = d.Store.Invite(ctx, o.owner, org, orgstore.NewInvitation[TeamID]{Email: invitee})
		require.NoError(t, err)
		require.NoError(t, d.Store.CreateRole(ctx, o.owner, org, "billing", []orgstore.Permission{orgstore.InvitationCreate}))
	}
	tid, err := d.Store.ResolveTenant(ctx, o.owner, OrgID(o.id))
	require.NoError(t, err)
	o.tenant = string(tid)
	_, err = d.Admin.Exec(ctx, `INSERT INTO notes (tenant_id, body) VALUES ($1, 'first'), ($1, 'second')`, o.tenant)
	require.NoError(t, err)
	o.notes = 2
	// Better Auth also makes a default team with the organization.
	o.rows = d.orgRows(t, o)
	require.Equal(t, map[string]int{"member": 3, "invitation": 1, "team": o.rows["team"], "teamMember": 1, "organizationRole": 1},
		o.rows, "the organization before the delete")
	require.Equal(t, map[bool]int{true: 2, false: 1}[byBA], o.rows["team"], "teams")
	return o
}

// orgRows counts the rows of o in each of Better Auth's organization tables
// (the superuser reads past their row level security); team members by the
// user, since the team row itself goes with the organization.
func (d *deleteEnv) orgRows(t *testing.T, o deleteOrg) map[string]int {
	t.Helper()
	out := map[string]int{}
	for table, where := range map[string]string{
		"member": `"organizationId" = $1`, "invitation": `"organizationId" = $1`, "team": `"organizationId" = $1`,
		"organizationRole": `"organizationId" = $1`, "teamMember": `"userId" = $2`,
	} {
		var n int
		require.NoError(t, d.Admin.QueryRow(context.Background(),
			fmt.Sprintf(`SELECT count(*) FROM %s WHERE %s AND $1::text IS NOT NULL AND $2::text IS NOT NULL`,
				pgx.Identifier{table}.Sanitize(), where), o.id, string(o.member)).Scan(&n))
		if n > 0 {
			out[table] = n
		}
	}
	return out
}

// requireDeleted checks o after its organization was deleted, in Go and in
// Better Auth, and that the control organization kept everything.
func (d *deleteEnv) requireDeleted(t *testing.T, o deleteOrg, cascade bool) {
	t.Helper()
	ctx := context.Background()
	var orgs int
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM organization WHERE id = $1`, o.id).Scan(&orgs))
	require.Zero(t, orgs, "the organization row")
	assert.Empty(t, d.orgRows(t, o), "members, invitations, teams, team members and roles went with it")

	// Go: the organization is gone for every former member.
	for _, u := range []UserID{o.owner, o.admin, o.member} {
		_, err := d.Store.ResolveTenant(ctx, u, OrgID(o.id))
		require.ErrorIs(t, err, orgstore.ErrNotMember)
		mine, err := d.Store.ListOrganizationsForUser(ctx, u)
		require.NoError(t, err)
		for _, m := range mine {
			require.NotEqual(t, OrgID(o.id), m.ID, "Go lists the deleted organization")
		}
	}
	_, err := d.Store.GetMember(ctx, o.owner, OrgID(o.id), o.owner)
	require.ErrorIs(t, err, orgstore.ErrNotMember)

	// Better Auth: not listed, and getFullOrganization refuses.
	assert.NotContains(t, d.baOrgIDs(t, o.owner), o.id)
	var be *baError
	require.ErrorAs(t, d.BA.call(map[string]any{"op": "getFullOrganization", "as": o.owner, "organizationId": o.id}, nil), &be)
	assert.Equal(t, 400, be.Status)
	assert.Equal(t, "ORGANIZATION_NOT_FOUND", be.Code)

	// The tenant and its data follow the bridge's foreign key.
	var tenants, notes int
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM tenants WHERE id = $1 AND org_id IS NULL`, o.tenant).Scan(&tenants))
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM notes WHERE tenant_id = $1`, o.tenant).Scan(&notes))
	detached, err := d.Store.DetachedTenants(ctx)
	require.NoError(t, err)
	if cascade {
		assert.Zero(t, tenants, "the tenant row is deleted")
		assert.Zero(t, notes, "its notes are deleted")
		assert.NotContains(t, detached, tenant.ID(o.tenant))
	} else {
		assert.Equal(t, 1, tenants, "the tenant row stays, org_id NULL")
		assert.Equal(t, o.notes, notes, "its notes stay")
		assert.Contains(t, detached, tenant.ID(o.tenant), "DetachedTenants lists it")
	}

	// The control organization kept its tenant, data and members.
	c := d.control
	tid, err := d.Store.ResolveTenant(ctx, c.owner, OrgID(c.id))
	require.NoError(t, err)
	assert.Equal(t, tenant.ID(c.tenant), tid)
	assert.NotContains(t, detached, tid)
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM notes WHERE tenant_id = $1`, c.tenant).Scan(&notes))
	assert.Equal(t, c.notes, notes, "another tenant's notes")
	assert.Len(t, d.baMembers(t, c.owner, c.id), 3)
}

// requireNoPrivilege shows that Better Auth's role can neither read nor
// write tenants or notes, owns no table and does not bypass row level
// security: what its delete does to them, the foreign keys do as the
// tables' owner.
func (d *deleteEnv) requireNoPrivilege(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	require.NotEqual(t, d.DB.Owner, d.BARole)
	var owns int
	var super, bypass bool
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid), r.rolsuper, r.rolbypassrls
		FROM pg_roles r WHERE r.rolname = $1`, d.BARole).Scan(&owns, &super, &bypass))
	require.Zero(t, owns, "Better Auth's role owns no relation")
	require.False(t, super)
	require.False(t, bypass)
	for _, table := range []string{"tenants", "notes"} {
		var has bool
		require.NoError(t, d.Admin.QueryRow(ctx, `SELECT has_table_privilege($1, $2, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')`,
			d.BARole, table).Scan(&has))
		require.False(t, has, "Better Auth's role holds a privilege on %s", table)
	}
	conn, err := pgx.Connect(ctx, d.DB.AppURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	for _, sql := range []string{
		`SELECT count(*) FROM notes`,
		`DELETE FROM notes`,
		`UPDATE tenants SET org_id = NULL`,
		`DELETE FROM tenants`,
	} {
		_, err := conn.Exec(ctx, sql)
		var pe *pgconn.PgError
		require.True(t, errors.As(err, &pe), "%s as Better Auth's role: %v", sql, err)
		require.Equal(t, "42501", pe.Code, "%s as Better Auth's role: %v", sql, err)
	}
	note(t, "Better Auth's role %s: owns nothing, NOBYPASSRLS, no privilege on tenants or notes (42501)", d.BARole)
}

// nonOwnerFlows: an admin (every permission but organization:delete), a
// member and an outsider (the owner of another organization) cannot delete
// an organization through either service, and the other service still
// serves it afterwards.
func (d *deleteEnv) nonOwnerFlows() []flowCase {
	ctx := context.Background()
	return []flowCase{
		{"delete by a non-owner/BA→Go", func(t *testing.T) {
			for _, byBA := range []bool{true, false} {
				o := d.orgWithData(t, byBA)
				for _, actor := range []UserID{o.admin, o.member, d.control.owner} {
					var be *baError
					err := d.BA.call(map[string]any{"op": "deleteOrganization", "as": actor, "organizationId": o.id}, nil)
					require.ErrorAs(t, err, &be, "Better Auth let %s delete", actor)
					if actor == d.control.owner {
						assert.Equal(t, "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION", be.Code)
					} else {
						assert.Equal(t, 403, be.Status)
						assert.Equal(t, "YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION", be.Code)
					}
					if byBA {
						note(t, "Better Auth deleteOrganization as %s: %d %s", d.who(o, actor), be.Status, be.Code)
					}
				}
				tid, err := d.Store.ResolveTenant(ctx, o.owner, OrgID(o.id))
				require.NoError(t, err, "Go still serves the organization")
				assert.Equal(t, tenant.ID(o.tenant), tid)
				assert.Equal(t, o.rows, d.orgRows(t, o), "nothing of it was deleted")
			}
		}},
		{"delete by a non-owner/Go→BA", func(t *testing.T) {
			d.hooks.reset()
			for _, byBA := range []bool{true, false} {
				o := d.orgWithData(t, byBA)
				for _, c := range []struct {
					actor UserID
					want  error
					name  string
				}{{o.admin, orgstore.ErrForbidden, "ErrForbidden"}, {o.member, orgstore.ErrForbidden, "ErrForbidden"},
					{d.control.owner, orgstore.ErrNotMember, "ErrNotMember"}} {
					err := d.Store.DeleteOrganization(ctx, c.actor, OrgID(o.id))
					require.ErrorIs(t, err, c.want, "Go let %s delete", c.actor)
					if byBA {
						note(t, "Go DeleteOrganization as %s: %s", d.who(o, c.actor), c.name)
					}
				}
				assert.Empty(t, d.hooks.events(), "a refused delete runs no hook")
				var full baOrg
				d.BA.must(t, &full, map[string]any{"op": "getFullOrganization", "as": o.owner, "organizationId": o.id})
				assert.Len(t, full.Members, 3, "Better Auth still serves the organization")
				assert.Equal(t, o.tenant, d.tenantOf(t, o.id))
			}
		}},
	}
}

// adoptionRace: Better Auth deletes an organization while Go's first
// ResolveTenant is adopting it — after Go read the membership, before it
// inserts the tenant row (Config.TenantDefaultsFor runs there, and makes
// the delete happen then). Go must answer ErrNotMember, as for any
// organization that is gone, and no tenant row may be left for it.
func (d *deleteEnv) adoptionRace(t *testing.T) {
	ctx := context.Background()
	owner, _ := d.signUp(t, "Owner")
	org := d.baCreateOrg(t, owner).ID
	var deleted bool
	st, err := orgstore.New[OrgID, UserID, MemberID, InviteID, TeamID](
		tenant.NewSystemDB(newPool(t, d.StoreURL, 2)), orgstore.Config{
			Schema: orgstore.BetterAuth(),
			TenantDefaultsFor: func(_ context.Context, o orgstore.AdoptedOrganization) (map[string]any, error) {
				if o.ID == org && !deleted {
					deleted = true
					if err := d.BA.call(map[string]any{"op": "deleteOrganization", "as": owner, "organizationId": org}, nil); err != nil {
						return nil, err
					}
				}
				return nil, nil
			},
		})
	require.NoError(t, err)
	var before int
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&before))
	_, err = st.ResolveTenant(ctx, owner, OrgID(org))
	require.True(t, deleted, "Better Auth deleted the organization mid-adoption")
	require.ErrorIs(t, err, orgstore.ErrNotMember)
	note(t, "Go ResolveTenant, the organization deleted by Better Auth mid-adoption: ErrNotMember")
	var after int
	require.NoError(t, d.Admin.QueryRow(ctx, `SELECT count(*) FROM tenants`).Scan(&after))
	assert.Equal(t, before, after, "no tenant row for the deleted organization")
}

func (d *deleteEnv) who(o deleteOrg, u UserID) string {
	switch u {
	case o.admin:
		return "admin"
	case o.member:
		return "member"
	case d.control.owner:
		return "outsider"
	}
	return string(u)
}

// TestSeatLimitFromConfig: the seat limit both services run with here is
// what tenantc.yaml's store.limits.members_per_team says in the golden case
// on Better Auth 1.7.25's schema (whose generated Config() has
// MaxMembersPerTeam: 2).
func TestSeatLimitFromConfig(t *testing.T) {
	cfg, err := config.Load("../generator/testdata/store-better-auth-1.7.25/input")
	require.NoError(t, err)
	require.Equal(t, teamSeats, cfg.Store.Limits.MembersPerTeam)
}
