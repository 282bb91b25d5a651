package orgstore

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/tenant"
)

func TestCreateOrganization(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice := fx.user(t, "alice")

		org, owner, err := s.CreateOrganization(ctx, NewOrganization[UserID]{
			Name: "Acme", Slug: "acme", Logo: "https://acme.test/logo.png",
			Metadata: json.RawMessage(`{"plan":"pro"}`), Creator: alice,
			Tenant: map[string]any{"name": "Acme's data"},
		})
		require.NoError(t, err)
		assert.NotEmpty(t, org.ID)
		assert.NotEmpty(t, org.TenantID)
		assert.NotEqual(t, string(org.ID), string(org.TenantID), "the bridge's tenant has its own id")
		assert.Equal(t, "Acme", org.Name)
		assert.Equal(t, "acme", org.Slug)
		assert.Equal(t, "https://acme.test/logo.png", org.Logo)
		assert.JSONEq(t, `{"plan":"pro"}`, string(org.Metadata))
		assert.False(t, org.CreatedAt.IsZero())
		if flavor == flavorBetterAuth {
			assert.Len(t, string(org.ID), 32, "Better Auth's ids are 32 random characters")
			assert.Len(t, string(owner.ID), 32)
		}

		// The creator is the owner.
		assert.Equal(t, alice, owner.UserID)
		assert.Equal(t, org.ID, owner.OrganizationID)
		assert.Equal(t, []string{RoleOwner}, owner.Roles)
		assert.NotEmpty(t, owner.ID)

		// The bridge row names the organization and got the extra column.
		var tenantName string
		require.NoError(t, fx.Admin.QueryRow(ctx, "SELECT name FROM tenants WHERE id = $1 AND org_id = $2",
			string(org.TenantID), string(org.ID)).Scan(&tenantName))
		assert.Equal(t, "Acme's data", tenantName)

		// Everything reads back the same.
		got, err := s.GetOrganizationBySlug(ctx, alice, "acme")
		require.NoError(t, err)
		assert.Equal(t, org.ID, got.ID)
		assert.Equal(t, org.TenantID, got.TenantID)
		assert.JSONEq(t, `{"plan":"pro"}`, string(got.Metadata))
		list, err := s.ListOrganizationsForUser(ctx, alice)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, org.ID, list[0].ID)
		assert.Equal(t, org.TenantID, list[0].TenantID)
		m, err := s.GetMember(ctx, alice, org.ID, alice)
		require.NoError(t, err)
		assert.Equal(t, owner.ID, m.ID)
		assert.Equal(t, []string{RoleOwner}, m.Roles)
		if flavor == flavorBetterAuth {
			assert.Equal(t, "alice", m.UserName, "joined from Better Auth's user table")
			assert.Equal(t, fx.email(alice), m.UserEmail)
			var role string
			require.NoError(t, fx.Admin.QueryRow(ctx, `SELECT role FROM member WHERE id = $1`, string(owner.ID)).Scan(&role))
			assert.Equal(t, "owner", role)
		}

		// Without metadata or logo.
		plain, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Plain", Slug: "plain", Creator: alice})
		require.NoError(t, err)
		assert.Empty(t, plain.Logo)
		if flavor == flavorNative {
			assert.JSONEq(t, `{}`, string(plain.Metadata))
		} else {
			assert.Empty(t, plain.Metadata)
		}

		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Bad", Slug: "bad", Creator: alice, Metadata: json.RawMessage(`{`)})
		assert.Error(t, err)
		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: " ", Slug: "blank", Creator: alice})
		assert.ErrorIs(t, err, ErrInvalidName)
		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Nobody's", Slug: "nobody"})
		assert.Error(t, err)
	})
}

// TestCreateOrganizationIsOneTransaction: the organization, its tenant and
// its owner are written together or not at all.
func TestCreateOrganizationIsOneTransaction(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		rec := &recorder{}
		s, fx := newTestStore(t, flavor, Config{Hooks: rec.hooks()})
		alice := fx.user(t, "alice")
		sc := fx.Schema
		nothing := func(t *testing.T) {
			t.Helper()
			assert.Zero(t, fx.count(t, "SELECT count(*) FROM "+ident(sc.Organizations.Table)), "organizations")
			assert.Zero(t, fx.count(t, "SELECT count(*) FROM tenants"), "tenants")
			assert.Zero(t, fx.count(t, "SELECT count(*) FROM "+ident(sc.Members.Table)), "members")
		}
		boom := errors.New("boom")
		for _, tc := range []struct {
			name  string
			phase string
			op    Operation
		}{
			{"after the create", "after", OpCreateOrganization},
			{"before the owner's insert", "before", OpAddMember},
			{"after the owner's insert", "after", OpAddMember},
			{"before the create", "before", OpCreateOrganization},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rec.setVeto(func(phase string, e *Event) error {
					if phase == tc.phase && e.Op == tc.op {
						if phase == "after" {
							// The rows exist inside the transaction.
							var n int
							require.NoError(t, e.Tx.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE org_id = $1", e.OrganizationID).Scan(&n))
							assert.Equal(t, 1, n)
						}
						return boom
					}
					return nil
				})
				_, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: alice})
				assert.ErrorIs(t, err, ErrVetoed)
				assert.ErrorIs(t, err, boom)
				nothing(t)
			})
		}
		rec.setVeto(nil)
		rec.take()

		// A failing tenant insert (no such column) leaves nothing either.
		_, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: alice,
			Tenant: map[string]any{"no_such_column": 1}})
		require.Error(t, err)
		nothing(t)

		// And a successful one fires the create hooks around the owner's.
		rec.take()
		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: alice})
		require.NoError(t, err)
		assert.Equal(t, []string{
			"before organization.create", "before member.add", "after member.add", "after organization.create",
		}, rec.take())
	})
}

func TestSlugs(t *testing.T) {
	for _, tc := range []struct {
		slug string
		ok   bool
	}{
		{"a", true}, {"acme", true}, {"acme-corp", true}, {"a1-b2-c3", true}, {"42", true},
		{"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk", true}, // 63
		{"", false}, {"-acme", false}, {"acme-", false}, {"Acme", false}, {"ac me", false}, {"ac_me", false},
		{"acmé", false}, {"ac.me", false}, {"acme\n", false},
		{"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", false}, // 64
	} {
		assert.Equal(t, tc.ok, ValidSlug(tc.slug), "%q", tc.slug)
	}

	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
		for _, bad := range []string{"", "Acme", "-acme", "acme-", "a_b", "ac me"} {
			_, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "X", Slug: bad, Creator: alice})
			assert.ErrorIs(t, err, ErrInvalidSlug, "%q", bad)
		}
		acme, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: alice})
		require.NoError(t, err)
		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme 2", Slug: "acme", Creator: bob})
		assert.ErrorIs(t, err, ErrSlugTaken)
		assert.Zero(t, fx.count(t, "SELECT count(*) FROM tenants WHERE org_id IS NULL"))
		assert.Equal(t, 1, fx.count(t, "SELECT count(*) FROM tenants"))

		other, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Other", Slug: "other", Creator: alice})
		require.NoError(t, err)
		_, err = s.UpdateOrganization(ctx, alice, other.ID, OrganizationChanges{Slug: ptr("acme")})
		assert.ErrorIs(t, err, ErrSlugTaken)
		_, err = s.UpdateOrganization(ctx, alice, other.ID, OrganizationChanges{Slug: ptr("Other")})
		assert.ErrorIs(t, err, ErrInvalidSlug)
		got, err := s.UpdateOrganization(ctx, alice, acme.ID, OrganizationChanges{Slug: ptr("acme-2")})
		require.NoError(t, err)
		assert.Equal(t, "acme-2", got.Slug)
	})
}

func ptr[V any](v V) *V { return &v }

func TestMaxOrganizationsPerUser(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{MaxOrganizationsPerUser: 2})
		alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
		a1 := fx.org(t, s, alice)
		fx.org(t, s, alice)
		_, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Third", Slug: "third", Creator: alice})
		assert.ErrorIs(t, err, ErrLimitReached)
		// Being a member (not an owner) of others does not count.
		b1 := fx.org(t, s, bob)
		_, err = s.AddMember(ctx, bob, b1.ID, alice, []string{RoleAdmin})
		require.NoError(t, err)
		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Third", Slug: "third", Creator: alice})
		assert.ErrorIs(t, err, ErrLimitReached)
		// Deleting one frees a place.
		require.NoError(t, s.DeleteOrganization(ctx, alice, a1.ID))
		fx.org(t, s, alice)

		// Concurrent creations by one user respect the limit.
		carol := fx.user(t, "carol")
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, _, errs[i] = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "C", Slug: "c-" + pgurl.RandomHex(6), Creator: carol})
			})
		}
		wg.Wait()
		var ok int
		for _, err := range errs {
			if err == nil {
				ok++
			} else {
				assert.ErrorIs(t, err, ErrLimitReached)
			}
		}
		assert.Equal(t, 2, ok)
		list, err := s.ListOrganizationsForUser(ctx, carol)
		require.NoError(t, err)
		assert.Len(t, list, 2)
	})
}

func TestUpdateOrganization(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, admin, member, stranger := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "member"), fx.user(t, "stranger")
		org, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Logo: "l.png",
			Metadata: json.RawMessage(`{"a":1}`), Creator: owner})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, admin, []string{RoleAdmin})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, member, nil)
		require.NoError(t, err)

		got, err := s.UpdateOrganization(ctx, admin, org.ID, OrganizationChanges{Name: ptr("Acme Inc")})
		require.NoError(t, err)
		assert.Equal(t, "Acme Inc", got.Name)
		assert.Equal(t, "acme", got.Slug, "unchanged")
		assert.Equal(t, "l.png", got.Logo, "unchanged")
		assert.JSONEq(t, `{"a":1}`, string(got.Metadata), "unchanged")
		assert.Equal(t, org.TenantID, got.TenantID)

		got, err = s.UpdateOrganization(ctx, owner, org.ID, OrganizationChanges{Logo: ptr(""), Metadata: json.RawMessage(`{"b":2}`)})
		require.NoError(t, err)
		assert.Empty(t, got.Logo, "an empty logo removes it")
		assert.JSONEq(t, `{"b":2}`, string(got.Metadata))
		assert.Equal(t, "Acme Inc", got.Name)
		if flavor == flavorNative {
			assert.True(t, !got.UpdatedAt.Before(org.UpdatedAt))
		}

		_, err = s.UpdateOrganization(ctx, member, org.ID, OrganizationChanges{Name: ptr("Mine")})
		assert.ErrorIs(t, err, ErrForbidden)
		_, err = s.UpdateOrganization(ctx, stranger, org.ID, OrganizationChanges{Name: ptr("Mine")})
		assert.ErrorIs(t, err, ErrNotMember)
		_, err = s.UpdateOrganization(ctx, owner, org.ID, OrganizationChanges{Name: ptr("")})
		assert.ErrorIs(t, err, ErrInvalidName)
		_, err = s.UpdateOrganization(ctx, owner, org.ID, OrganizationChanges{Metadata: json.RawMessage(`nope`)})
		assert.Error(t, err)

		after, err := s.GetOrganizationBySlug(ctx, member, "acme")
		require.NoError(t, err)
		assert.Equal(t, "Acme Inc", after.Name)
	})
}

func TestDeleteOrganization(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		owner, admin, member := fx.user(t, "owner"), fx.user(t, "admin"), fx.user(t, "member")
		org := fx.org(t, s, owner)
		_, err := s.AddMember(ctx, owner, org.ID, admin, []string{RoleAdmin})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, owner, org.ID, member, nil)
		require.NoError(t, err)
		_, err = s.CreateTeam(ctx, owner, org.ID, "core")
		require.NoError(t, err)

		assert.ErrorIs(t, s.DeleteOrganization(ctx, admin, org.ID), ErrForbidden, "admin lacks organization:delete")
		assert.ErrorIs(t, s.DeleteOrganization(ctx, member, org.ID), ErrForbidden)
		require.NoError(t, s.DeleteOrganization(ctx, owner, org.ID))

		sc := fx.Schema
		assert.Zero(t, fx.countWhere(t, sc.Organizations.Table, sc.Organizations.ID, string(org.ID)))
		assert.Zero(t, fx.countWhere(t, sc.Members.Table, sc.Members.OrganizationID, string(org.ID)))
		assert.Zero(t, fx.countWhere(t, sc.Teams.Table, sc.Teams.OrganizationID, string(org.ID)))
		assert.Zero(t, fx.count(t, "SELECT count(*) FROM tenants WHERE id = $1", string(org.TenantID)), "the bridge row cascades")
		_, err = s.ResolveTenant(ctx, owner, org.ID)
		assert.ErrorIs(t, err, ErrNotMember)
		assert.ErrorIs(t, s.DeleteOrganization(ctx, owner, org.ID), ErrNotMember)
	})
}

func TestGetOrganizationBySlug(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
		_, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: alice})
		require.NoError(t, err)

		got, err := s.GetOrganizationBySlug(ctx, alice, "acme")
		require.NoError(t, err)
		assert.Equal(t, "Acme", got.Name)

		// A non-member is refused alike for an existing slug, an unknown one
		// and an invalid one: the answer does not tell which slugs exist.
		for _, slug := range []string{"acme", "no-such-org", "Not A Slug"} {
			_, err := s.GetOrganizationBySlug(ctx, bob, slug)
			assert.ErrorIs(t, err, ErrNotMember, slug)
			assert.NotErrorIs(t, err, ErrNotFound, slug)
		}
	})
}

func TestListOrganizationsForUser(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice, bob, carol := fx.user(t, "alice"), fx.user(t, "bob"), fx.user(t, "carol")
		b, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "B", Slug: "bbb", Creator: alice})
		require.NoError(t, err)
		a, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "A", Slug: "aaa", Creator: bob})
		require.NoError(t, err)
		_, _, err = s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "C", Slug: "ccc", Creator: bob})
		require.NoError(t, err)
		_, err = s.AddMember(ctx, bob, a.ID, alice, nil)
		require.NoError(t, err)

		list, err := s.ListOrganizationsForUser(ctx, alice)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, []OrgID{a.ID, b.ID}, []OrgID{list[0].ID, list[1].ID}, "by slug")
		assert.Equal(t, a.TenantID, list[0].TenantID)

		list, err = s.ListOrganizationsForUser(ctx, carol)
		require.NoError(t, err)
		assert.Empty(t, list)
	})
}

func TestResolveTenant(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice, bob := fx.user(t, "alice"), fx.user(t, "bob")
		a := fx.org(t, s, alice)
		b := fx.org(t, s, bob)

		id, err := s.ResolveTenant(ctx, alice, a.ID)
		require.NoError(t, err)
		assert.Equal(t, a.TenantID, id)
		var bridged string
		require.NoError(t, fx.Admin.QueryRow(ctx, "SELECT org_id::text FROM tenants WHERE id = $1", string(id)).Scan(&bridged))
		assert.Equal(t, string(a.ID), bridged)

		for _, org := range []OrgID{b.ID, unknownOrg(flavor), "not-an-id"} {
			_, err := s.ResolveTenant(ctx, alice, org)
			assert.ErrorIs(t, err, ErrNotMember, org)
		}
		_, err = s.ResolveTenant(ctx, "", a.ID)
		assert.ErrorIs(t, err, ErrNotMember)

		// A removed member is refused at once.
		_, err = s.AddMember(ctx, alice, a.ID, bob, nil)
		require.NoError(t, err)
		_, err = s.ResolveTenant(ctx, bob, a.ID)
		require.NoError(t, err)
		require.NoError(t, s.RemoveMember(ctx, alice, a.ID, bob))
		_, err = s.ResolveTenant(ctx, bob, a.ID)
		assert.ErrorIs(t, err, ErrNotMember)

		// An organization without a bridge row (created by another service)
		// gets one on its first resolution, and keeps it.
		fx.exec(t, "DELETE FROM tenants WHERE id = $1", string(a.TenantID))
		first, err := s.ResolveTenant(ctx, alice, a.ID)
		require.NoError(t, err)
		require.NotEmpty(t, first)
		require.NotEqual(t, a.TenantID, first)
		again, err := s.ResolveTenant(ctx, alice, a.ID)
		require.NoError(t, err)
		require.Equal(t, first, again)
	})
}

// TestOrganizationFromAnotherService: an organization and its owner written
// straight into the tables, as a Better Auth service sharing the database
// does, work with the store: the first ResolveTenant of a member makes the
// organization's tenant (once, even when members resolve it at once), and a
// non-member still gets nothing.
func TestOrganizationFromAnotherService(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		var org string
		if flavor == "native" {
			require.NoError(t, fx.Admin.QueryRow(ctx, `INSERT INTO organizations (name, slug) VALUES ('Elsewhere', 'elsewhere') RETURNING id::text`).Scan(&org))
			fx.exec(t, `INSERT INTO members (organization_id, user_id, roles) VALUES ($1, 'ann', '{owner}'), ($1, 'ben', '{member}')`, org)
		} else {
			org = "ba-org-0000000000000000000000001"
			fx.exec(t, `INSERT INTO "user" (id, name, email, "emailVerified", "createdAt", "updatedAt") VALUES
				('ann', 'Ann', 'ann@x.test', true, now(), now()), ('ben', 'Ben', 'ben@x.test', true, now(), now())
				ON CONFLICT DO NOTHING`)
			fx.exec(t, `INSERT INTO organization (id, name, slug, "createdAt") VALUES ($1, 'Elsewhere', 'elsewhere', now())`, org)
			fx.exec(t, `INSERT INTO member (id, "organizationId", "userId", role, "createdAt") VALUES
				('m1', $1, 'ann', 'owner', now()), ('m2', $1, 'ben', 'member', now())`, org)
		}
		ids := make([]tenant.ID, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, u := range []UserID{"ann", "ben"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ids[i], errs[i] = s.ResolveTenant(ctx, u, OrgID(org))
			}()
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		require.NotEmpty(t, ids[0])
		require.Equal(t, ids[0], ids[1], "one tenant for the organization")
		var n int
		require.NoError(t, fx.Admin.QueryRow(ctx, "SELECT count(*) FROM tenants WHERE org_id::text = $1", org).Scan(&n))
		require.Equal(t, 1, n)
		_, err := s.ResolveTenant(ctx, "zed", OrgID(org))
		require.ErrorIs(t, err, ErrNotMember)
		members, err := s.ListMembers(ctx, "ben", OrgID(org), "", 10)
		require.NoError(t, err)
		require.Len(t, members, 2)
	})
}

// TestTenantRoot: with no tenants table the organization is the tenant.
func TestTenantRoot(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		_, fx := newTestStore(t, flavor, Config{})
		sc := fx.Schema
		sc.Tenants = TenantsTable{}
		s := fx.store(t, Config{Schema: sc})
		alice := fx.user(t, "alice")
		org, _, err := s.CreateOrganization(ctx, NewOrganization[UserID]{Name: "Acme", Slug: "acme", Creator: alice,
			Tenant: map[string]any{"ignored": true}})
		require.NoError(t, err)
		assert.Equal(t, tenant.ID(org.ID), org.TenantID)
		assert.Zero(t, fx.count(t, "SELECT count(*) FROM tenants"))
		id, err := s.ResolveTenant(ctx, alice, org.ID)
		require.NoError(t, err)
		assert.Equal(t, tenant.ID(org.ID), id)
		got, err := s.GetOrganizationBySlug(ctx, alice, "acme")
		require.NoError(t, err)
		assert.Equal(t, tenant.ID(org.ID), got.TenantID)
	})
}

// unknownOrg is a well-formed organization id that names nothing.
func unknownOrg(flavor string) OrgID {
	if flavor == flavorNative {
		return "00000000-0000-4000-8000-000000000000"
	}
	return OrgID(newTestID())
}

// TestCrossOrganization: a member of organization A — its owner, even — can
// read or change nothing of organization B, and the refusal is the one an
// unknown organization (or team) gets, word for word: B's existence does not
// leak.
func TestCrossOrganization(t *testing.T) {
	forEachFlavor(t, func(t *testing.T, flavor string) {
		ctx := context.Background()
		s, fx := newTestStore(t, flavor, Config{})
		alice, bob, carol := fx.user(t, "alice"), fx.user(t, "bob"), fx.user(t, "carol")
		a := fx.org(t, s, alice)
		b := fx.org(t, s, bob)
		_, err := s.AddMember(ctx, bob, b.ID, carol, nil)
		require.NoError(t, err)
		bTeam, err := s.CreateTeam(ctx, bob, b.ID, "b-team")
		require.NoError(t, err)
		require.NoError(t, s.AddTeamMember(ctx, bob, bTeam.ID, carol))
		require.NoError(t, s.CreateRole(ctx, bob, b.ID, "b-role", nil))
		aTeam, err := s.CreateTeam(ctx, alice, a.ID, "a-team")
		require.NoError(t, err)

		sc := fx.Schema
		snapshot := func() [4]int {
			return [4]int{
				fx.countWhere(t, sc.Members.Table, sc.Members.OrganizationID, string(b.ID)),
				fx.countWhere(t, sc.Teams.Table, sc.Teams.OrganizationID, string(b.ID)),
				fx.countWhere(t, sc.TeamMembers.Table, sc.TeamMembers.TeamID, string(bTeam.ID)),
				fx.countWhere(t, sc.Roles.Table, sc.Roles.OrganizationID, string(b.ID)),
			}
		}
		before := snapshot()

		orgOps := map[string]func(org OrgID) error{
			"UpdateOrganization": func(org OrgID) error {
				_, err := s.UpdateOrganization(ctx, alice, org, OrganizationChanges{Name: ptr("pwned")})
				return err
			},
			"DeleteOrganization": func(org OrgID) error { return s.DeleteOrganization(ctx, alice, org) },
			"ResolveTenant": func(org OrgID) error {
				_, err := s.ResolveTenant(ctx, alice, org)
				return err
			},
			"AddMember": func(org OrgID) error {
				_, err := s.AddMember(ctx, alice, org, alice, []string{RoleOwner})
				return err
			},
			"RemoveMember": func(org OrgID) error { return s.RemoveMember(ctx, alice, org, carol) },
			"UpdateMemberRoles": func(org OrgID) error {
				_, err := s.UpdateMemberRoles(ctx, alice, org, carol, []string{RoleAdmin})
				return err
			},
			"Leave": func(org OrgID) error { return s.Leave(ctx, alice, org) },
			"GetMember": func(org OrgID) error {
				_, err := s.GetMember(ctx, alice, org, carol)
				return err
			},
			"ListMembers": func(org OrgID) error {
				_, err := s.ListMembers(ctx, alice, org, "", 10)
				return err
			},
			"ListMembersAfter": func(org OrgID) error {
				_, err := s.ListMembers(ctx, alice, org, "a", 10)
				return err
			},
			"CreateTeam": func(org OrgID) error {
				_, err := s.CreateTeam(ctx, alice, org, "mine")
				return err
			},
			"ListTeams": func(org OrgID) error {
				_, err := s.ListTeams(ctx, alice, org)
				return err
			},
			"CreateRole": func(org OrgID) error { return s.CreateRole(ctx, alice, org, "mine", nil) },
			"DeleteRole": func(org OrgID) error { return s.DeleteRole(ctx, alice, org, "b-role") },
		}
		teamOps := map[string]func(team TeamID) error{
			"UpdateTeam": func(team TeamID) error {
				_, err := s.UpdateTeam(ctx, alice, team, "pwned")
				return err
			},
			"DeleteTeam":       func(team TeamID) error { return s.DeleteTeam(ctx, alice, team) },
			"AddTeamMember":    func(team TeamID) error { return s.AddTeamMember(ctx, alice, team, alice) },
			"AddTeamMember2":   func(team TeamID) error { return s.AddTeamMember(ctx, alice, team, carol) },
			"RemoveTeamMember": func(team TeamID) error { return s.RemoveTeamMember(ctx, alice, team, carol) },
			"ListTeamMembers": func(team TeamID) error {
				_, err := s.ListTeamMembers(ctx, alice, team)
				return err
			},
		}
		// The refusal for B and for an id naming nothing, with the id blanked.
		same := func(t *testing.T, name string, errB, errUnknown error, idB, idUnknown string) {
			t.Helper()
			require.ErrorIs(t, errB, ErrNotMember, name)
			require.ErrorIs(t, errUnknown, ErrNotMember, name)
			assert.NotErrorIs(t, errB, ErrForbidden, name)
			assert.NotErrorIs(t, errB, ErrNotFound, name)
			assert.Equal(t, strings.ReplaceAll(errUnknown.Error(), idUnknown, "<id>"), strings.ReplaceAll(errB.Error(), idB, "<id>"), name)
		}
		for name, op := range orgOps {
			errB := op(b.ID)
			for _, unknown := range []OrgID{unknownOrg(flavor), "garbage"} {
				same(t, name, errB, op(unknown), string(b.ID), string(unknown))
			}
		}
		for name, op := range teamOps {
			errB := op(bTeam.ID)
			for _, unknown := range []TeamID{TeamID(unknownOrg(flavor)), "garbage"} {
				same(t, name, errB, op(unknown), string(bTeam.ID), string(unknown))
			}
		}
		_, errB := s.GetOrganizationBySlug(ctx, alice, b.Slug)
		_, errUnknown := s.GetOrganizationBySlug(ctx, alice, "no-such-slug")
		same(t, "GetOrganizationBySlug", errB, errUnknown, b.Slug, "no-such-slug")
		list, err := s.ListOrganizationsForUser(ctx, alice)
		require.NoError(t, err)
		require.Len(t, list, 1)
		assert.Equal(t, a.ID, list[0].ID)

		// A's team cannot take B's members, and B's member cannot be moved
		// into A's team by A's owner.
		assert.ErrorIs(t, s.AddTeamMember(ctx, alice, aTeam.ID, carol), ErrNotMember)

		assert.Equal(t, before, snapshot(), "organization B is unchanged")
		got, err := s.GetOrganizationBySlug(ctx, bob, b.Slug)
		require.NoError(t, err)
		assert.Equal(t, b.Name, got.Name)
	})
}
