package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tenantc/tenantc/gen/store"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// users are the demo's people: the users table is global (tenantc.yaml),
// the auth layer's mirror, so its rows belong to no tenant.
var users = []struct{ id, name, email string }{
	{"alice", "Alice", "alice@acme.test"},
	{"bob", "Bob", "bob@globex.test"},
	{"carol", "Carol", "carol@acme.test"},
}

// organizations creates Acme (alice) and Globex (bob) through the generated
// store, on the system role, and brings carol into Acme by invitation.
func (r *run) organizations(ctx context.Context) error {
	// A plan, which every tenants row needs, and the users: global rows,
	// written as the system role, as an admin tool or the auth layer would.
	if _, err := r.sysPool.Exec(ctx, `INSERT INTO plans (id, name, monthly_price_cents, max_projects) VALUES ('demo', 'Demo', 0, 10)`); err != nil {
		return fmt.Errorf("insert the plan: %w", err)
	}
	for _, u := range users {
		if _, err := r.sysPool.Exec(ctx, `INSERT INTO users (id, name, email) VALUES ($1, $2, $3)`, u.id, u.name, u.email); err != nil {
			return fmt.Errorf("insert user %s: %w", u.id, err)
		}
	}
	orgs, err := store.New(tenant.NewSystemDB(r.sysPool))
	if err != nil {
		return err
	}
	r.orgs = orgs

	r.t.section("Organizations, through the generated store (gen/store) as the system role:")
	create := func(name, slug string, creator store.UserID) (store.Organization, error) {
		org, owner, err := orgs.CreateOrganization(ctx, store.NewOrganization{
			Name: name, Slug: slug, Creator: creator,
			Tenant: map[string]any{"name": name, "plan_id": "demo"},
		})
		if err != nil {
			return org, fmt.Errorf("create organization %s: %w", name, err)
		}
		r.t.allowed(string(creator), "creates "+name, name+" and its tenant, "+string(creator)+" "+roles(owner.Roles),
			org.TenantID != "" && slices.Equal(owner.Roles, []string{orgstore.RoleOwner}), "a tenant and the creator as owner")
		return org, nil
	}
	if r.acme, err = create("Acme", "acme", "alice"); err != nil {
		return err
	}
	if r.globex, err = create("Globex", "globex", "bob"); err != nil {
		return err
	}
	if r.acme.TenantID == r.globex.TenantID {
		return fmt.Errorf("the store gave Acme and Globex one tenant")
	}

	inv, token, err := orgs.Invite(ctx, "alice", r.acme.ID, store.NewInvitation{Email: "carol@acme.test"})
	if err != nil {
		return fmt.Errorf("alice invites carol: %w", err)
	}
	r.t.allowed("alice", "invites carol@acme.test to Acme", "invitation "+string(inv.Status), inv.Status == orgstore.StatusPending, "pending")
	if _, err := orgs.AcceptInvitation(ctx, "carol", "carol@acme.test", token); err != nil {
		return fmt.Errorf("carol accepts: %w", err)
	}
	carolTenant, err := orgs.ResolveTenant(ctx, "carol", r.acme.ID)
	if err != nil && !errors.Is(err, orgstore.ErrNotMember) {
		return err
	}
	r.t.allowed("carol", "accepts the invitation", memberOf(carolTenant == r.acme.TenantID, "Acme"), carolTenant == r.acme.TenantID, "member of Acme")

	members, err := orgs.ListMembers(ctx, "alice", r.acme.ID, "", 10)
	if err != nil {
		return fmt.Errorf("list Acme's members: %w", err)
	}
	var list []string
	for _, m := range members {
		list = append(list, m.UserName+" "+roles(m.Roles))
	}
	r.t.allowed("alice", "lists Acme's members", plural(len(members), "member")+": "+names(list),
		len(members) == 2, "2 members: Alice and Carol")

	_, err = orgs.ListMembers(ctx, "bob", r.acme.ID, "", 10)
	r.t.attack("bob", "lists Acme's members", outcome(err, orgstore.ErrNotMember, "not a member"),
		errors.Is(err, orgstore.ErrNotMember), "refused: not a member")
	_, _, err = orgs.Invite(ctx, "bob", r.acme.ID, store.NewInvitation{Email: "mallory@evil.test"})
	r.t.attack("bob", "invites mallory@evil.test to Acme", outcome(err, orgstore.ErrNotMember, "not a member"),
		errors.Is(err, orgstore.ErrNotMember), "refused: not a member")
	return nil
}

func roles(r []string) string { return "(" + strings.Join(r, ", ") + ")" }

func memberOf(ok bool, org string) string {
	if ok {
		return "member of " + org
	}
	return "not a member of " + org
}

// outcome describes an attempt that must fail with want.
func outcome(err, want error, why string) string {
	switch {
	case err == nil:
		return "allowed"
	case errors.Is(err, want):
		return "refused: " + why
	}
	return "error: " + err.Error()
}
