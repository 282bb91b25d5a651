package db_test

// Run by generator's TestGoldenGoOnPostgres in the case's module: the
// repositories generated under sqlc's emit_methods_with_db_argument, on
// PostgreSQL as the application role. Tenant B is hostile: through its
// repositories, and through sqlc's Queries handed its scope's Querier, it
// tries to read, change and delete tenant A's rows and to write rows as A.

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/golden/gen/db"
	"github.com/tenantc/tenantc/tenant"
)

const tenantA, tenantB = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"

var errRollback = errors.New("roll back")

func TestDBArgumentRepositories(t *testing.T) {
	adminURL, appURL := os.Getenv("GOLDEN_ADMIN_URL"), os.Getenv("GOLDEN_APP_URL")
	if adminURL == "" || appURL == "" {
		t.Fatal("GOLDEN_ADMIN_URL and GOLDEN_APP_URL name the case's database; run generator's TestGoldenGoOnPostgres")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL)
	must(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, 'a'), ($2, 'b')`, tenantA, tenantB)
	must(t, err)
	_, err = admin.Exec(ctx, `INSERT INTO event_kinds (name, label) VALUES ('note', 'Note'), ('secret', 'Secret')`)
	must(t, err)
	_, err = admin.Exec(ctx, `INSERT INTO events (tenant_id, seq, kind, amount_cents) VALUES ($1, 1, 'secret', 100), ($1, 2, 'secret', 200)`, tenantA)
	must(t, err)
	var aAt pgtype.Timestamptz
	must(t, admin.QueryRow(ctx, `SELECT at FROM events WHERE tenant_id = $1 AND seq = 1`, tenantA).Scan(&aAt))

	pool, err := pgxpool.New(ctx, appURL)
	must(t, err)
	defer pool.Close()
	tdb := tenant.NewDB(pool)

	t.Run("global repository over the pool", func(t *testing.T) {
		kinds, err := db.NewEventKindsRepo(pool).ListEventKinds(ctx)
		must(t, err)
		if len(kinds) != 2 || kinds[0].Name != "note" || kinds[1].Name != "secret" {
			t.Fatalf("ListEventKinds = %+v", kinds)
		}
	})

	t.Run("owner sees its rows", func(t *testing.T) {
		r := db.NewTenantRepos(tdb.Scope()).Events
		n, err := r.CountEvents(tenant.WithID(ctx, tenantA))
		must(t, err)
		if n != 2 {
			t.Fatalf("A's CountEvents = %d, want 2", n)
		}
		got, err := r.GetEvent(tenant.WithID(ctx, tenantA), db.GetEventArgs{At: aAt, Seq: 1})
		must(t, err)
		if got.TenantID != tenantA || got.Kind != "secret" {
			t.Fatalf("A's GetEvent = %+v", got)
		}
	})

	// hostile is everything tenant B tries against A's rows, in scope s.
	hostile := func(t *testing.T, ctx context.Context, s *tenant.Scope) {
		r := db.NewTenantRepos(s).Events
		if _, err := r.GetEvent(ctx, db.GetEventArgs{At: aAt, Seq: 1}); !errors.Is(err, pgx.ErrNoRows) {
			t.Fatalf("B's GetEvent of A's row: %v, want no rows", err)
		}
		if n, err := r.CountEvents(ctx); err != nil || n != 0 {
			t.Fatalf("B's CountEvents = %d, %v; want 0", n, err)
		}
		if page, err := r.ListEvents(ctx, 10); err != nil || len(page) != 0 {
			t.Fatalf("B's ListEvents = %+v, %v; want none", page, err)
		}
		if es, err := r.EventsOfKind(ctx, db.EventsOfKindArgs{Kind: "secret"}); err != nil || len(es) != 0 {
			t.Fatalf("B's EventsOfKind(secret) = %+v, %v; want none", es, err)
		}
		if kinds, err := r.EventKinds(ctx, 0); err != nil || len(kinds) != 0 {
			t.Fatalf("B's EventKinds = %v, %v; want none (A's kinds are A's)", kinds, err)
		}
		if _, err := r.UpdateEvent(ctx, db.UpdateEventArgs{Kind: "stolen", At: aAt, Seq: 1}); !errors.Is(err, pgx.ErrNoRows) {
			t.Fatalf("B's UpdateEvent of A's row: %v, want no rows", err)
		}
		if n, err := r.DeleteEvent(ctx, db.DeleteEventArgs{At: aAt, Seq: 1}); err != nil || n != 0 {
			t.Fatalf("B's DeleteEvent of A's row deleted %d, %v", n, err)
		}
		if n, err := r.DeleteEventsOfKind(ctx, "secret"); err != nil || n != 0 {
			t.Fatalf("B's DeleteEventsOfKind(secret) deleted %d, %v", n, err)
		}
		// A create takes no tenant: the row is B's.
		e, err := r.CreateEvent(ctx, db.CreateEventArgs{Seq: 7})
		must(t, err)
		if e.TenantID != tenantB {
			t.Fatalf("B's CreateEvent wrote a row of %s", e.TenantID)
		}

		// Past the repository: sqlc's own methods take a DBTX, but handed the
		// scope's Querier they still run as B, whatever tenant they are given.
		q := db.New()
		if n, err := q.CountEvents(ctx, s.Querier(), tenantA); err != nil || n != 0 {
			t.Fatalf("CountEvents(A) through B's scope = %d, %v; want 0", n, err)
		}
		_, err = q.CreateEvent(ctx, s.Querier(), db.CreateEventParams{TenantID: tenantA, Seq: 8})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Fatalf("CreateEvent as A through B's scope: %v, want the policy's 42501", err)
		}
	}

	t.Run("hostile tenant in Run", func(t *testing.T) {
		err := tenant.Run(tenant.WithID(ctx, tenantB), tdb, func(ctx context.Context, s *tenant.Scope) error {
			// A's id in ctx cannot switch the transaction's tenant.
			if _, err := db.NewEventsRepo(s).EventKinds(tenant.WithID(ctx, tenantA), 0); !errors.Is(err, tenant.ErrTenantMismatch) {
				t.Fatalf("EventKinds with A's id in B's transaction: %v, want ErrTenantMismatch", err)
			}
			hostile(t, ctx, s) // rolled back: B has no rows again on the fast path
			return errRollback
		})
		if !errors.Is(err, errRollback) && !isAborted(err) {
			t.Fatal(err)
		}
	})

	t.Run("hostile tenant on the fast path", func(t *testing.T) {
		hostile(t, tenant.WithID(ctx, tenantB), tdb.Scope())
		// Without a tenant in ctx nothing runs.
		if _, err := db.NewEventsRepo(tdb.Scope()).CountEvents(ctx); !errors.Is(err, tenant.ErrNoTenant) {
			t.Fatalf("CountEvents without a tenant: %v, want ErrNoTenant", err)
		}
		if _, err := db.NewEventsRepo(tdb.Scope()).EventKinds(ctx, 0); !errors.Is(err, tenant.ErrNoTenant) {
			t.Fatalf("EventKinds without a tenant: %v, want ErrNoTenant", err)
		}
	})

	// A's rows are as A wrote them.
	var rows []string
	r, err := admin.Query(ctx, `SELECT kind FROM events WHERE tenant_id = $1 ORDER BY seq`, tenantA)
	must(t, err)
	rows, err = pgx.CollectRows(r, pgx.RowTo[string])
	must(t, err)
	if !slices.Equal(rows, []string{"secret", "secret"}) {
		t.Fatalf("A's rows after B's attempts: %v", rows)
	}
}

// isAborted: Run's function ends in a failed transaction after the refused
// insert, so Run may report that instead of the function's error.
func isAborted(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "25P02"
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
