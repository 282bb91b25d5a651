package tenant_test

import (
	"context"
	"database/sql"
	"log"
	"net/http"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver of ExampleRunSQL

	"github.com/tenantc/tenantc/tenant"
)

// A service's wiring: the application pool, verified at start-up; a separate
// BYPASSRLS pool for the membership lookup; the middleware; and a handler
// that runs its statements in the request's tenant.
func Example() {
	ctx := context.Background()
	appPool, err := pgxpool.New(ctx, os.Getenv("APP_DATABASE_URL")) // a NOBYPASSRLS role that owns nothing
	if err != nil {
		log.Fatal(err)
	}
	db := tenant.NewDB(appPool)
	if err := tenant.Verify(ctx, db); err != nil {
		log.Fatal(err) // e.g. the role is a superuser or owns the tables
	}
	sysPool, err := pgxpool.New(ctx, os.Getenv("SYSTEM_DATABASE_URL")) // a BYPASSRLS role
	if err != nil {
		log.Fatal(err)
	}
	members := tenant.MembershipQuery(tenant.NewSystemDB(sysPool), `
		SELECT o.tenant_id FROM member m JOIN organization o ON o.id = m."organizationId"
		WHERE m."userId" = $1 AND (o.id = $2 OR o.slug = $2) LIMIT 1`)

	var sessions tenant.Sessions // the app's session check
	var keys tenant.Keys         // the app's API key store
	mw := &tenant.Middleware{Resolvers: []tenant.Resolver{
		tenant.APIKey("Authorization", keys),
		tenant.Header("X-Organization", sessions, members),
		tenant.ActiveOrganization(sessions, members),
	}}

	http.Handle("/projects", mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := tenant.Run(r.Context(), db, func(ctx context.Context, s *tenant.Scope) error {
			// queries.New(s.Querier()) in generated code.
			_, err := s.Querier().Exec(ctx, "INSERT INTO projects (name) VALUES ($1)", r.FormValue("name"))
			return err
		})
		if err != nil {
			http.Error(w, "could not create the project", http.StatusInternalServerError)
		}
	})))
}

// The database/sql flavour, for sqlc's sql_package database/sql: a *sql.DB
// on pgx's stdlib driver, verified at start-up, and every scoped statement
// inside RunSQL.
func ExampleRunSQL() {
	ctx := context.Background()
	sqlDB, err := sql.Open("pgx", os.Getenv("APP_DATABASE_URL")) // import _ "github.com/jackc/pgx/v5/stdlib"
	if err != nil {
		log.Fatal(err)
	}
	db := tenant.NewSQLDB(sqlDB)
	if err := tenant.VerifySQL(ctx, db); err != nil {
		log.Fatal(err)
	}
	ctx = tenant.WithID(ctx, "3f1c0b8e-0000-4000-8000-000000000001") // usually tenant.Middleware's
	err = tenant.RunSQL(ctx, db, func(ctx context.Context, s *tenant.SQLScope) error {
		// queries.NewTenantRepos(s) in generated code.
		_, err := s.Querier().ExecContext(ctx, "INSERT INTO projects (name) VALUES ($1)", "launch")
		return err
	})
	if err != nil {
		log.Print(err)
	}
}
