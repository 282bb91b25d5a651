// Package isolation runs the generated repositories of one newcomer project
// as the application role and checks that tenants stay apart.
package isolation

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/tenantc/tenantc/tenant"

	"example.com/saas/{{APP}}/gen/db"
)

var (
	tenantA = tenant.ID("aaaaaaaa-0000-4000-8000-00000000000a")
	tenantB = tenant.ID("bbbbbbbb-0000-4000-8000-00000000000b")
)

// seeded is what seed created for one tenant.
type seeded struct {
	contact, deal, note pgtype.UUID
	email               string
}

// Check seeds two tenants through the repositories and tries to reach each
// one's rows as the other, and with no tenant at all. pool must connect as
// the application role: no BYPASSRLS, owning nothing.
func Check(ctx context.Context, pool *pgxpool.Pool) error {
	tdb := tenant.NewDB(pool)
	if err := tenant.Verify(ctx, tdb); err != nil {
		return fmt.Errorf("verify the application role: %w", err)
	}
	a, err := seed(ctx, tdb, tenantA, "a")
	if err != nil {
		return fmt.Errorf("seed tenant A: %w", err)
	}
	b, err := seed(ctx, tdb, tenantB, "b")
	if err != nil {
		return fmt.Errorf("seed tenant B: %w", err)
	}
	checks := []struct {
		name string
		run  func() error
	}{
		{"A sees its own rows only", func() error { return seesOnlyOwn(ctx, tdb, tenantA, a) }},
		{"B sees its own rows only", func() error { return seesOnlyOwn(ctx, tdb, tenantB, b) }},
		{"A cannot read, change or delete B's rows", func() error { return cannotReach(ctx, tdb, tenantA, b) }},
		{"B cannot read, change or delete A's rows", func() error { return cannotReach(ctx, tdb, tenantB, a) }},
		{"A cannot attach a deal to B's contact", func() error { return cannotReference(ctx, tdb, tenantA, b) }},
		{"no tenant is ErrNoTenant", func() error { return noTenant(ctx, tdb) }},
		{"the bare pool sees no tenant rows", func() error { return barePool(ctx, pool) }},
		{"the global table is shared", func() error { return globalPlans(ctx, pool) }},
		{"the HTTP middleware scopes each request", func() error { return overHTTP(tdb) }},
	}
	for _, c := range checks {
		if err := c.run(); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		fmt.Println("ok:", c.name)
	}
	return nil
}

// seed creates the tenant as the README says a tenant is created without
// BYPASSRLS — inside a transaction of that very tenant — and one contact,
// deal and note through the repositories.
func seed(ctx context.Context, tdb *tenant.DB, id tenant.ID, suffix string) (seeded, error) {
	var s seeded
	s.email = "ann@" + suffix + ".test"
	err := tenant.Run(tenant.WithID(ctx, id), tdb, func(ctx context.Context, sc *tenant.Scope) error {
		if _, err := sc.Querier().Exec(ctx, "INSERT INTO tenants (id, name, plan_id) VALUES ($1, $2, 'free')", string(id), "tenant "+suffix); err != nil {
			return fmt.Errorf("insert tenant: %w", err)
		}
		repos := db.NewTenantRepos(sc)
		var err error
		if s.contact, err = repos.Contacts.AddContact(ctx, db.AddContactParams{Email: s.email, Name: "Ann " + suffix}); err != nil {
			return err
		}
		if s.deal, err = repos.Deals.AddDeal(ctx, db.AddDealParams{ContactID: s.contact, Title: "deal " + suffix, AmountCents: 1000}); err != nil {
			return err
		}
		s.note, err = repos.Notes.AddNote(ctx, db.AddNoteParams{DealID: s.deal, Body: "note " + suffix})
		return err
	})
	return s, err
}

func seesOnlyOwn(ctx context.Context, tdb *tenant.DB, id tenant.ID, own seeded) error {
	ctx = tenant.WithID(ctx, id)
	contacts := db.NewContactsRepo(tdb.Scope())
	n, err := contacts.CountContacts(ctx)
	if err != nil {
		return err
	}
	list, err := contacts.ListContacts(ctx, 100)
	if err != nil {
		return err
	}
	if n != 1 || len(list) != 1 || list[0].ID != own.contact || list[0].TenantID != id {
		return fmt.Errorf("count %d, list %+v: want exactly the own contact %v", n, list, own.contact)
	}
	deals, err := db.NewDealsRepo(tdb.Scope()).DealsOfContact(ctx, own.contact)
	if err != nil || len(deals) != 1 || deals[0].ID != own.deal {
		return fmt.Errorf("deals of the own contact: %+v, %v", deals, err)
	}
	notes, err := db.NewNotesRepo(tdb.Scope()).CountNotes(ctx)
	if err != nil || notes != 1 {
		return fmt.Errorf("notes: %d, %v", notes, err)
	}
	return nil
}

func cannotReach(ctx context.Context, tdb *tenant.DB, id tenant.ID, other seeded) error {
	ctx = tenant.WithID(ctx, id)
	contacts := db.NewContactsRepo(tdb.Scope())
	if c, err := contacts.GetContact(ctx, other.contact); !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("GetContact of the other tenant's contact: %+v, %v; want pgx.ErrNoRows", c, err)
	}
	if c, err := contacts.ContactByEmail(ctx, other.email); !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("ContactByEmail of the other tenant's email: %+v, %v; want pgx.ErrNoRows", c, err)
	}
	if d, err := db.NewDealsRepo(tdb.Scope()).DealsOfContact(ctx, other.contact); err != nil || len(d) != 0 {
		return fmt.Errorf("DealsOfContact of the other tenant's contact: %+v, %v; want none", d, err)
	}
	if n, err := db.NewNotesRepo(tdb.Scope()).DeleteNote(ctx, other.note); err != nil || n != 0 {
		return fmt.Errorf("DeleteNote of the other tenant's note: %d rows, %v; want 0", n, err)
	}
	if n, err := contacts.DeleteContact(ctx, other.contact); err != nil || n != 0 {
		return fmt.Errorf("DeleteContact of the other tenant's contact: %d rows, %v; want 0", n, err)
	}
	return nil
}

// cannotReference: the composite foreign key keeps a deal inside its
// tenant, although FK checks skip RLS.
func cannotReference(ctx context.Context, tdb *tenant.DB, id tenant.ID, other seeded) error {
	ctx = tenant.WithID(ctx, id)
	deal, err := db.NewDealsRepo(tdb.Scope()).AddDeal(ctx, db.AddDealParams{ContactID: other.contact, Title: "stolen"})
	if err == nil {
		return fmt.Errorf("AddDeal on the other tenant's contact succeeded: %v", deal)
	}
	return nil
}

func noTenant(ctx context.Context, tdb *tenant.DB) error {
	if n, err := db.NewContactsRepo(tdb.Scope()).CountContacts(ctx); !errors.Is(err, tenant.ErrNoTenant) {
		return fmt.Errorf("CountContacts without a tenant: %d, %v; want tenant.ErrNoTenant", n, err)
	}
	err := tenant.Run(ctx, tdb, func(context.Context, *tenant.Scope) error { return nil })
	if !errors.Is(err, tenant.ErrNoTenant) {
		return fmt.Errorf("tenant.Run without a tenant: %v; want tenant.ErrNoTenant", err)
	}
	return nil
}

// barePool: SQL on the pool itself, as a forgotten scope would run it,
// fails closed.
func barePool(ctx context.Context, pool *pgxpool.Pool) error {
	for _, table := range []string{"tenants", "contacts", "deals", "notes"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			return fmt.Errorf("%s: %d rows without a tenant", table, n)
		}
	}
	return nil
}

func globalPlans(ctx context.Context, pool *pgxpool.Pool) error {
	plans, err := db.NewPlansRepo(pool).ListPlans(ctx)
	if err != nil || len(plans) != 2 {
		return fmt.Errorf("ListPlans: %+v, %v; want the 2 plans", plans, err)
	}
	return nil
}

// overHTTP serves the contacts count behind tenant.Middleware, the tenant
// read from a header through tenant.ParseUUID, as a net/http service would.
func overHTTP(tdb *tenant.DB) error {
	mw := &tenant.Middleware{Resolvers: []tenant.Resolver{tenant.ResolverFunc(func(r *http.Request) (tenant.ID, error) {
		v := r.Header.Get("X-Tenant")
		if v == "" {
			return "", tenant.ErrNoMatch
		}
		return tenant.ParseUUID(v)
	})}}
	srv := httptest.NewServer(mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		list, err := db.NewContactsRepo(tdb.Scope()).ListContacts(r.Context(), 100)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, c := range list {
			fmt.Fprintln(w, c.TenantID, c.Email)
		}
	})))
	defer srv.Close()
	for _, tc := range []struct {
		header string
		status int
		body   string
	}{
		{string(tenantA), 200, string(tenantA) + " ann@a.test\n"},
		{strings.ToUpper(string(tenantB)), 200, string(tenantB) + " ann@b.test\n"}, // ParseUUID canonicalises
		{"acme", 400, "Bad Request\n"},
		{"", 401, "Unauthorized\n"},
	} {
		req, err := http.NewRequest("GET", srv.URL, nil)
		if err != nil {
			return err
		}
		if tc.header != "" {
			req.Header.Set("X-Tenant", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != tc.status || string(body) != tc.body {
			return fmt.Errorf("X-Tenant %q: %d %q; want %d %q", tc.header, resp.StatusCode, body, tc.status, tc.body)
		}
	}
	return nil
}
