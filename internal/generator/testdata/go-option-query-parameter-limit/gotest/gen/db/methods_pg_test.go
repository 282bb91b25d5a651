package db_test

// Run by generator's TestGoldenGoOnPostgres in the case's module: every
// generated method, on PostgreSQL, with sqlc's query_parameter_limit: 4
// (positional parameters) and a keyset over a timestamptz and an integer.

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/golden/gen/db"
	"github.com/tenantc/tenantc/tenant"
)

const tenantA, tenantB = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"

var errRollback = errors.New("roll back")

func TestEveryMethod(t *testing.T) {
	adminURL, appURL := os.Getenv("GOLDEN_ADMIN_URL"), os.Getenv("GOLDEN_APP_URL")
	if adminURL == "" || appURL == "" {
		t.Fatal("GOLDEN_ADMIN_URL and GOLDEN_APP_URL name the case's database; run generator's TestGoldenGoOnPostgres")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL)
	must(t, err)
	defer admin.Close(ctx)
	_, err = admin.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, 'a'), ($2, 'b');
		`, tenantA, tenantB)
	must(t, err)
	_, err = admin.Exec(ctx, `INSERT INTO events (tenant_id, seq, kind) VALUES ($1, 1, 'b-only')`, tenantB)
	must(t, err)

	pool, err := pgxpool.New(ctx, appURL)
	must(t, err)
	defer pool.Close()
	tdb := tenant.NewDB(pool)
	err = tenant.Run(tenant.WithID(ctx, tenantA), tdb, func(ctx context.Context, s *tenant.Scope) error {
		exercise(t, ctx, db.NewTenantRepos(s).Events)
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
}

func exercise(t *testing.T, ctx context.Context, r *db.EventsRepo) {
	// Defaults left to the database: at = now() (one value in a transaction,
	// so seq tells the rows apart), kind = 'note', amount_cents = 0.
	for seq := range int32(3) {
		e, err := r.CreateEvent(ctx, db.CreateEventArgs{Seq: seq})
		must(t, err)
		if e.TenantID != tenantA || e.Kind != "note" || e.AmountCents != 0 || !e.At.Valid || e.Note.Valid {
			t.Fatalf("CreateEvent without the defaulted columns: %+v", e)
		}
	}
	at := pgtype.Timestamptz{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Valid: true}
	set, err := r.CreateEvent(ctx, db.CreateEventArgs{At: at, Seq: 9,
		Kind: pgtype.Text{String: "payment", Valid: true}, AmountCents: pgtype.Int8{Int64: 500, Valid: true}, Note: pgtype.Text{String: "n", Valid: true}})
	must(t, err)
	if !set.At.Time.Equal(at.Time) || set.Kind != "payment" || set.AmountCents != 500 || set.Note.String != "n" {
		t.Fatalf("CreateEvent with every column set: %+v", set)
	}

	n, err := r.CountEvents(ctx)
	must(t, err)
	if n != 4 {
		t.Fatalf("CountEvents = %d, want 4 (B's row is not A's)", n)
	}

	// Page one row at a time: the set row (2026-01-02) first, then seq 0, 1, 2.
	page, err := r.ListEvents(ctx, 1)
	must(t, err)
	var all []db.Event
	for len(page) > 0 {
		all = append(all, page...)
		last := page[len(page)-1]
		page, err = r.ListEventsAfter(ctx, last.At, last.Seq, 1)
		must(t, err)
		if len(all) > 10 {
			t.Fatal("ListEventsAfter does not advance")
		}
	}
	var seqs []int32
	for _, e := range all {
		seqs = append(seqs, e.Seq)
		got, err := r.GetEvent(ctx, e.At, e.Seq)
		must(t, err)
		if got != e {
			t.Fatalf("GetEvent = %+v, want %+v", got, e)
		}
	}
	if !slices.Equal(seqs, []int32{9, 0, 1, 2}) {
		t.Fatalf("paging read seqs %v, want [9 0 1 2]", seqs)
	}

	upd, err := r.UpdateEvent(ctx, db.UpdateEventArgs{Kind: "refund", AmountCents: 7, Note: pgtype.Text{}, At: set.At, Seq: set.Seq})
	must(t, err)
	if upd.Kind != "refund" || upd.AmountCents != 7 || upd.Note.Valid {
		t.Fatalf("UpdateEvent: %+v", upd)
	}
	refunds, err := r.EventsOfKind(ctx, "refund", 7)
	must(t, err)
	if len(refunds) != 1 || refunds[0].Seq != 9 {
		t.Fatalf("EventsOfKind: %+v", refunds)
	}
	kinds, err := r.EventKinds(ctx, 0)
	must(t, err)
	if !slices.Equal(kinds, []string{"note", "refund"}) {
		t.Fatalf("EventKinds = %v: only A's kinds", kinds)
	}

	deleted, err := r.DeleteEvent(ctx, set.At, set.Seq)
	must(t, err)
	if deleted != 1 {
		t.Fatalf("DeleteEvent deleted %d rows", deleted)
	}
	if _, err := r.GetEvent(ctx, set.At, set.Seq); !errors.Is(err, pgx.ErrNoRows) {
		t.Fatalf("GetEvent after delete: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
