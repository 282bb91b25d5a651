package db_test

// Run by generator's TestGoldenGoOnPostgres in the case's module: every
// batch method of the scoped repository, each element's tenant filled from
// the scope, on the fast path and in Run; ids of B's notes sent by A reach
// nothing; a scope without a tenant to give fails every element.

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"example.com/golden/gen/db"
	"github.com/tenantc/tenantc/tenant"
)

const tenantA, tenantB tenant.ID = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestBatchMethods(t *testing.T) {
	adminURL, appURL := os.Getenv("GOLDEN_ADMIN_URL"), os.Getenv("GOLDEN_APP_URL")
	if adminURL == "" || appURL == "" {
		t.Fatal("GOLDEN_ADMIN_URL and GOLDEN_APP_URL name the case's database; run generator's TestGoldenGoOnPostgres")
	}
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, adminURL)
	must(t, err)
	defer admin.Close()
	_, err = admin.Exec(ctx, `INSERT INTO tenants (id, name) VALUES ($1, 'a'), ($2, 'b')`, tenantA, tenantB)
	must(t, err)
	_, err = admin.Exec(ctx, `INSERT INTO notes (tenant_id, id, title, year) VALUES ($1, 1, 'b1', 2001), ($1, 2, 'b2', 2001)`, tenantB)
	must(t, err)
	pool, err := pgxpool.New(ctx, appURL)
	must(t, err)
	defer pool.Close()
	tdb := tenant.NewDB(pool)
	ctxA := tenant.WithID(ctx, tenantA)

	exercise := func(t *testing.T, ctx context.Context, r *db.NotesRepo, firstID int64) {
		var created []db.Note
		r.CreateNotes(ctx, []db.CreateNotesArgs{{ID: firstID, Title: "a1", Year: 2001}, {ID: firstID + 1, Title: "a2", Year: 2001}}).
			QueryRow(func(_ int, n db.Note, err error) { must(t, err); created = append(created, n) })
		for _, n := range created {
			if n.TenantID != tenantA {
				t.Fatalf("CreateNotes wrote a note of %s", n.TenantID)
			}
		}
		// B's ids 1 and 2, sent by A: the scope's tenant is in every element.
		r.RetitleNotes(ctx, []db.RetitleNotesArgs{{Title: "owned", ID: 1}, {Title: "owned", ID: 2}}).Exec(func(_ int, err error) { must(t, err) })
		r.DeleteNotes(ctx, []int64{1, 2}).Exec(func(_ int, err error) { must(t, err) })
		var titles []string
		r.NotesOfYearForTenant(ctx, []int32{2001}).Query(func(_ int, rows []db.NotesOfYearForTenantRow, err error) {
			must(t, err)
			for _, n := range rows {
				titles = append(titles, n.Title)
			}
		})
		r.NotesOfYear(ctx, []int32{2001}).Query(func(_ int, rows []db.Note, err error) {
			must(t, err)
			for _, n := range rows {
				if n.TenantID != tenantA {
					t.Fatalf("NotesOfYear read a note of %s", n.TenantID)
				}
			}
		})
		if !slices.Equal(titles, []string{"a1", "a2"}) {
			t.Fatalf("A's notes of 2001: %v", titles)
		}
		// Delete A's own: the batch reaches A's rows.
		r.DeleteNotes(ctx, []int64{firstID, firstID + 1}).Exec(func(_ int, err error) { must(t, err) })
	}
	t.Run("fast path", func(t *testing.T) { exercise(t, ctxA, db.NewNotesRepo(tdb.Scope()), 10) })
	t.Run("Run", func(t *testing.T) {
		must(t, tenant.Run(ctxA, tdb, func(ctx context.Context, s *tenant.Scope) error {
			exercise(t, ctx, db.NewNotesRepo(s), 20)
			return nil
		}))
	})
	var b1, b2 string
	must(t, admin.QueryRow(ctx, `SELECT (SELECT title FROM notes WHERE tenant_id = $1 AND id = 1), (SELECT title FROM notes WHERE tenant_id = $1 AND id = 2)`, tenantB).Scan(&b1, &b2))
	if b1 != "b1" || b2 != "b2" {
		t.Fatalf("B's notes after A's batches: %q, %q", b1, b2)
	}

	// No tenant to give: every element fails, nothing is sent.
	failed := 0
	db.NewNotesRepo(tdb.Scope()).DeleteNotes(ctx, []int64{1, 2, 3}).Exec(func(_ int, err error) {
		if !errors.Is(err, tenant.ErrNoTenant) {
			t.Fatalf("DeleteNotes without a tenant: %v", err)
		}
		failed++
	})
	if failed != 3 {
		t.Fatalf("%d of 3 elements reported the missing tenant", failed)
	}
	// A System scope has no tenant: the scoped repository refuses it.
	err = tenant.System(ctx, tenant.NewSystemDB(admin), func(ctx context.Context, s *tenant.Scope) error {
		var errs []error
		db.NewNotesRepo(s).CreateNotes(ctx, []db.CreateNotesArgs{{ID: 99, Title: "sys"}}).QueryRow(func(_ int, _ db.Note, err error) { errs = append(errs, err) })
		if len(errs) != 1 || !errors.Is(errs[0], tenant.ErrSystemScope) {
			t.Fatalf("CreateNotes in a System scope: %v", errs)
		}
		return nil
	})
	must(t, err)
	var n int
	must(t, admin.QueryRow(ctx, "SELECT count(*) FROM notes WHERE id = 99").Scan(&n))
	if n != 0 {
		t.Fatal("a System scope's batch ran without a tenant")
	}
}
