package store_test

// Run by generator's TestGoldenGoOnPostgres in the case's module: bigint
// tenant keys under sql_package database/sql, over tenant.RunSQL on pgx's
// stdlib driver. The key comes back from database/sql as an int64 and is
// scanned into tenant.ID as its text; account B is hostile to account A.

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"example.com/golden/internal/store"
	"github.com/tenantc/tenantc/tenant"
)

var errRollback = errors.New("roll back")

func TestBigintKeyOverDatabaseSQL(t *testing.T) {
	adminURL, appURL := os.Getenv("GOLDEN_ADMIN_URL"), os.Getenv("GOLDEN_APP_URL")
	if adminURL == "" || appURL == "" {
		t.Fatal("GOLDEN_ADMIN_URL and GOLDEN_APP_URL name the case's database; run generator's TestGoldenGoOnPostgres")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL)
	must(t, err)
	defer admin.Close(ctx)
	var a, b int64
	must(t, admin.QueryRow(ctx, `INSERT INTO accounts (name) VALUES ('a') RETURNING id`).Scan(&a))
	must(t, admin.QueryRow(ctx, `INSERT INTO accounts (name) VALUES ('b') RETURNING id`).Scan(&b))
	_, err = admin.Exec(ctx, `INSERT INTO currencies VALUES ('EUR', 'Euro');
		INSERT INTO invoices VALUES (`+strconv.FormatInt(a, 10)+`, 1, 'EUR', 10.00), (`+strconv.FormatInt(a, 10)+`, 2, 'EUR', 0)`)
	must(t, err)
	idA, idB := tenant.ID(strconv.FormatInt(a, 10)), tenant.ID(strconv.FormatInt(b, 10))

	sqlDB, err := sql.Open("pgx", appURL)
	must(t, err)
	defer sqlDB.Close()
	tdb := tenant.NewSQLDB(sqlDB)

	currencies, err := store.NewCurrenciesRepo(sqlDB).ListCurrencies(ctx)
	must(t, err)
	if len(currencies) != 1 || currencies[0].Code != "EUR" {
		t.Fatalf("ListCurrencies = %+v", currencies)
	}

	err = tenant.RunSQL(tenant.WithID(ctx, idA), tdb, func(ctx context.Context, s *tenant.SQLScope) error {
		r := store.NewTenantRepos(s).Invoices
		inv, err := r.GetInvoice(ctx, 1)
		must(t, err)
		if inv.AccountID != idA || inv.Total != "10.00" {
			t.Fatalf("A's GetInvoice(1) = %+v", inv)
		}
		n, err := r.CountInvoices(ctx)
		must(t, err)
		if n != 1 {
			t.Fatalf("A's CountInvoices = %d, want 1 (total > 0)", n)
		}
		created, err := r.CreateInvoice(ctx, store.CreateInvoiceArgs{Number: 3, Currency: "EUR", Total: "5.50"})
		must(t, err)
		if created.AccountID != idA {
			t.Fatalf("A's CreateInvoice wrote a row of %q", created.AccountID)
		}
		rows, err := r.InvoicesWithCurrency(ctx, "0")
		must(t, err)
		if len(rows) != 2 || rows[0].CurrencyName != "Euro" {
			t.Fatalf("A's InvoicesWithCurrency = %+v", rows)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}

	err = tenant.RunSQL(tenant.WithID(ctx, idB), tdb, func(ctx context.Context, s *tenant.SQLScope) error {
		r := store.NewTenantRepos(s).Invoices
		if _, err := r.GetInvoice(ctx, 1); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("B's GetInvoice of A's invoice: %v, want no rows", err)
		}
		if n, err := r.CountInvoices(ctx); err != nil || n != 0 {
			t.Fatalf("B's CountInvoices = %d, %v", n, err)
		}
		if _, err := r.UpdateInvoice(ctx, store.UpdateInvoiceArgs{Currency: "EUR", Total: "0", Number: 1}); !errors.Is(err, sql.ErrNoRows) {
			t.Fatalf("B's UpdateInvoice of A's invoice: %v, want no rows", err)
		}
		if n, err := r.DeleteInvoice(ctx, 1); err != nil || n != 0 {
			t.Fatalf("B's DeleteInvoice of A's invoice deleted %d, %v", n, err)
		}
		q := store.New(s.Querier())
		if n, err := q.CountInvoices(ctx, idA); err != nil || n != 0 {
			t.Fatalf("CountInvoices(A) through B's scope = %d, %v", n, err)
		}
		_, err := q.CreateInvoice(ctx, store.CreateInvoiceParams{AccountID: idA, Number: 9, Currency: "EUR", Total: "1"})
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Fatalf("CreateInvoice as A through B's scope: %v, want the policy's 42501", err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	var n int
	must(t, admin.QueryRow(ctx, `SELECT count(*) FROM invoices WHERE account_id = $1 AND total = 10.00`, a).Scan(&n))
	if n != 1 {
		t.Fatalf("A's invoice after B's attempts: %d rows", n)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
