package db_test

// Run by generator's TestGoldenGoOnPostgres in the case's module: the
// repositories generated for sqlc's sql_package database/sql, over
// tenant.RunSQL on pgx's stdlib driver, on PostgreSQL as the application
// role. Every method runs for tenant A; tenant B is hostile: through its
// repositories, and through sqlc's Queries over its scope's Querier, it tries
// to read, change and delete A's rows and to write rows as A.

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"example.com/golden/gen/db"
	"github.com/tenantc/tenantc/tenant"
)

const tenantA, tenantB = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"

var errRollback = errors.New("roll back")

func TestDatabaseSQLRepositories(t *testing.T) {
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
	_, err = admin.Exec(ctx, `INSERT INTO events (tenant_id, seq, kind, amount_cents) VALUES ($1, 100, 'secret', 100)`, tenantA)
	must(t, err)
	var secretAt time.Time
	must(t, admin.QueryRow(ctx, `SELECT at FROM events WHERE tenant_id = $1 AND seq = 100`, tenantA).Scan(&secretAt))

	sqlDB, err := sql.Open("pgx", appURL)
	must(t, err)
	defer sqlDB.Close()
	tdb := tenant.NewSQLDB(sqlDB)
	must(t, tenant.VerifySQL(ctx, tdb))

	t.Run("every method, for A", func(t *testing.T) {
		err := tenant.RunSQL(tenant.WithID(ctx, tenantA), tdb, func(ctx context.Context, s *tenant.SQLScope) error {
			exercise(t, ctx, db.NewTenantRepos(s).Events)
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
	})

	t.Run("hostile B", func(t *testing.T) {
		err := tenant.RunSQL(tenant.WithID(ctx, tenantB), tdb, func(ctx context.Context, s *tenant.SQLScope) error {
			r := db.NewTenantRepos(s).Events
			if _, err := r.GetEvent(ctx, db.GetEventArgs{At: secretAt, Seq: 100}); !errors.Is(err, sql.ErrNoRows) {
				t.Fatalf("B's GetEvent of A's row: %v, want no rows", err)
			}
			if n, err := r.CountEvents(ctx); err != nil || n != 0 {
				t.Fatalf("B's CountEvents = %d, %v; want 0", n, err)
			}
			if es, err := r.EventsOfKind(ctx, db.EventsOfKindArgs{Kind: "secret"}); err != nil || len(es) != 0 {
				t.Fatalf("B's EventsOfKind(secret) = %+v, %v", es, err)
			}
			if kinds, err := r.EventKinds(ctx, 0); err != nil || len(kinds) != 0 {
				t.Fatalf("B's EventKinds = %v, %v; want none", kinds, err)
			}
			if _, err := r.UpdateEvent(ctx, db.UpdateEventArgs{Kind: "stolen", At: secretAt, Seq: 100}); !errors.Is(err, sql.ErrNoRows) {
				t.Fatalf("B's UpdateEvent of A's row: %v, want no rows", err)
			}
			if n, err := r.DeleteEvent(ctx, db.DeleteEventArgs{At: secretAt, Seq: 100}); err != nil || n != 0 {
				t.Fatalf("B's DeleteEvent of A's row deleted %d, %v", n, err)
			}
			// sqlc's own methods over B's scope, given A's tenant outright.
			q := db.New(s.Querier())
			if n, err := q.CountEvents(ctx, tenantA); err != nil || n != 0 {
				t.Fatalf("CountEvents(A) through B's scope = %d, %v; want 0", n, err)
			}
			// A's id in ctx cannot switch the transaction's tenant.
			if _, err := r.EventKinds(tenant.WithID(ctx, tenantA), 0); !errors.Is(err, tenant.ErrTenantMismatch) {
				t.Fatalf("EventKinds with A's id in B's transaction: %v, want ErrTenantMismatch", err)
			}
			_, err := q.CreateEvent(ctx, db.CreateEventParams{TenantID: tenantA, Seq: 8})
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
				t.Fatalf("CreateEvent as A through B's scope: %v, want the policy's 42501", err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
	})

	t.Run("fails closed", func(t *testing.T) {
		called := false
		err := tenant.RunSQL(ctx, tdb, func(context.Context, *tenant.SQLScope) error { called = true; return nil })
		if !errors.Is(err, tenant.ErrNoTenant) || called {
			t.Fatalf("RunSQL without a tenant: %v (fn called: %v), want ErrNoTenant", err, called)
		}
		var leaked *tenant.SQLScope
		must(t, tenant.RunSQL(tenant.WithID(ctx, tenantA), tdb, func(_ context.Context, s *tenant.SQLScope) error { leaked = s; return nil }))
		if _, err := db.NewEventsRepo(leaked).EventKinds(ctx, 0); !errors.Is(err, tenant.ErrScopeClosed) {
			t.Fatalf("a repository of a scope after RunSQL: %v, want ErrScopeClosed", err)
		}
		if _, err := db.NewEventsRepo(nil).CountEvents(ctx); err == nil {
			t.Fatal("a repository of a nil scope ran")
		}
	})

	var kinds []string
	rows, err := admin.Query(ctx, `SELECT kind FROM events ORDER BY seq`)
	must(t, err)
	kinds, err = pgx.CollectRows(rows, pgx.RowTo[string])
	must(t, err)
	if !slices.Equal(kinds, []string{"secret"}) {
		t.Fatalf("rows after the rolled back runs: %v, want A's one secret", kinds)
	}
}

func exercise(t *testing.T, ctx context.Context, r *db.EventsRepo) {
	for seq := range int32(3) {
		e, err := r.CreateEvent(ctx, db.CreateEventArgs{Seq: seq})
		must(t, err)
		if e.TenantID != tenantA || e.Kind != "note" || e.AmountCents != 0 || e.At.IsZero() || e.Note.Valid {
			t.Fatalf("CreateEvent without the defaulted columns: %+v", e)
		}
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	set, err := r.CreateEvent(ctx, db.CreateEventArgs{At: sql.NullTime{Time: at, Valid: true}, Seq: 9,
		Kind: sql.NullString{String: "payment", Valid: true}, AmountCents: sql.NullInt64{Int64: 500, Valid: true}, Note: sql.NullString{String: "n", Valid: true}})
	must(t, err)
	if !set.At.Equal(at) || set.Kind != "payment" || set.AmountCents != 500 || set.Note.String != "n" {
		t.Fatalf("CreateEvent with every column set: %+v", set)
	}
	n, err := r.CountEvents(ctx)
	must(t, err)
	if n != 5 {
		t.Fatalf("CountEvents = %d, want 5 (A's seeded row and four new ones)", n)
	}
	page, err := r.ListEvents(ctx, 2)
	must(t, err)
	var all []db.Event
	for len(page) > 0 {
		all = append(all, page...)
		last := page[len(page)-1]
		page, err = r.ListEventsAfter(ctx, db.ListEventsAfterArgs{AfterAt: last.At, AfterSeq: last.Seq, PageSize: 2})
		must(t, err)
		if len(all) > 10 {
			t.Fatal("ListEventsAfter does not advance")
		}
	}
	if len(all) != 5 {
		t.Fatalf("paging read %d rows, want 5", len(all))
	}
	got, err := r.GetEvent(ctx, db.GetEventArgs{At: set.At, Seq: set.Seq})
	must(t, err)
	if got.Seq != 9 || !got.At.Equal(at) {
		t.Fatalf("GetEvent = %+v", got)
	}
	upd, err := r.UpdateEvent(ctx, db.UpdateEventArgs{Kind: "refund", AmountCents: 7, At: set.At, Seq: set.Seq})
	must(t, err)
	if upd.Kind != "refund" || upd.AmountCents != 7 || upd.Note.Valid {
		t.Fatalf("UpdateEvent: %+v", upd)
	}
	refunds, err := r.EventsOfKind(ctx, db.EventsOfKindArgs{Kind: "refund", MinCents: 7})
	must(t, err)
	if len(refunds) != 1 || refunds[0].Seq != 9 {
		t.Fatalf("EventsOfKind: %+v", refunds)
	}
	kinds, err := r.EventKinds(ctx, 0)
	must(t, err)
	if !slices.Equal(kinds, []string{"note", "refund", "secret"}) {
		t.Fatalf("EventKinds = %v", kinds)
	}
	deleted, err := r.DeleteEvent(ctx, db.DeleteEventArgs{At: set.At, Seq: set.Seq})
	must(t, err)
	if deleted != 1 {
		t.Fatalf("DeleteEvent deleted %d rows", deleted)
	}
	if _, err := r.GetEvent(ctx, db.GetEventArgs{At: set.At, Seq: set.Seq}); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("GetEvent after delete: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
