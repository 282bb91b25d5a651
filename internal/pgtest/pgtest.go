package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantc/tenantc/internal/pgurl"
)

// DefaultURL is the superuser URL tried when DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// connectTimeout bounds every connection attempt, so an unreachable server
// costs seconds, not the whole test timeout.
const connectTimeout = 10 * time.Second

// The lookup happens once per process; mu also serialises it, so parallel
// tests wait for one cluster instead of starting several.
var (
	mu          sync.Mutex
	looked      bool     // the lookup has run
	adminURL    string   // its result, "" if none
	tried       []string // what the lookup tried, for the skip/fail message
	running     *cluster // throwaway cluster started by this process, if any
	mainRunning bool     // Main is active, so a cluster would be stopped
)

// Main wraps testing.M: call it from TestMain so that a throwaway cluster
// started by this package is stopped and deleted after the tests:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// A cluster that cannot be stopped turns a passing run into a failing one,
// because it would otherwise be leaked silently.
func Main(m *testing.M) int {
	mu.Lock()
	mainRunning = true
	mu.Unlock()

	code := m.Run()

	mu.Lock()
	defer mu.Unlock()
	mainRunning = false
	if running != nil {
		if err := running.stop(); err != nil {
			fmt.Fprintln(os.Stderr, "pgtest:", err)
			if code == 0 {
				code = 1
			}
		}
		running = nil
	}
	return code
}

// AdminURL returns a superuser connection string for the test cluster,
// finding or starting it once per process (see the package documentation for
// the order). If there is none, the test is skipped, or fails when the CI
// environment variable is true.
func AdminURL(tb testing.TB) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	if !looked {
		adminURL, tried = find(tb)
		looked = true
	}
	if adminURL != "" {
		return adminURL
	}
	msg := "pgtest: no PostgreSQL available; tried:\n\t" + strings.Join(tried, "\n\t")
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		tb.Fatal(msg)
	}
	tb.Skip(msg + "\n(with CI=true this is a failure)")
	return ""
}

// find looks for a superuser URL; it returns "" and what it tried if none.
func find(tb testing.TB) (string, []string) {
	var tried []string
	if u := os.Getenv("DATABASE_URL"); u != "" {
		if err := checkAdmin(u); err != nil {
			return "", []string{fmt.Sprintf("DATABASE_URL=%s: %v", redact(u), err)}
		}
		return u, nil
	}
	tried = append(tried, "DATABASE_URL: not set")

	if skip, _ := strconv.ParseBool(os.Getenv("PGTEST_NO_DEFAULT")); skip {
		tried = append(tried, DefaultURL+": skipped because PGTEST_NO_DEFAULT is set")
	} else if err := checkAdmin(DefaultURL); err != nil {
		tried = append(tried, fmt.Sprintf("%s: %v", DefaultURL, err))
	} else {
		return DefaultURL, nil
	}

	if !mainRunning {
		return "", append(tried, "throwaway cluster: not started, because TestMain does not call pgtest.Main and nothing would stop it")
	}
	start := time.Now()
	c, u, err := startCluster()
	if err == nil {
		if err = checkAdmin(u); err != nil {
			err = errors.Join(err, c.stop())
		}
	}
	if err != nil {
		return "", append(tried, "throwaway cluster: "+err.Error())
	}
	running = c
	tb.Logf("pgtest: started throwaway cluster (%s) in %s at %s, took %v", c.bin, c.dir, u, time.Since(start).Round(time.Millisecond))
	return u, nil
}

// checkAdmin connects to u and checks that it is a superuser URL in URL form
// (NewDatabase derives the role URLs from it by swapping user and database).
func checkAdmin(u string) error {
	if p, err := url.Parse(u); err != nil || (p.Scheme != "postgres" && p.Scheme != "postgresql") {
		return errors.New("not a postgres:// URL (keyword=value strings are not supported)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var super bool
	if err := conn.QueryRow(ctx, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&super); err != nil {
		return err
	}
	if !super {
		return errors.New("connected, but the role is not a superuser")
	}
	return nil
}

// DB is a fresh database for one test, with its two roles.
type DB struct {
	Name     string // database name, unique per test and process
	AdminURL string // superuser, connected to this database
	Owner    string // owns the database and the tables a test creates as it: LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
	OwnerURL string // Owner, connected to this database
	App      string // application role: LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE, owns nothing
	AppURL   string // App, connected to this database
}

// NewDatabase creates two roles and a database owned by the first, for this
// test only. t.Cleanup drops them again, whether or not the test passed:
// it terminates the remaining connections to the database, drops it, then
// drops both roles.
//
// Names are "tc_" plus random hex (with "_owner"/"_app" for the roles):
// lower case, safe unquoted. The roles get random passwords in their URLs,
// unneeded with trust auth but enough for a password-protected DATABASE_URL.
func NewDatabase(tb testing.TB) *DB {
	tb.Helper()
	admin := AdminURL(tb)
	id := pgurl.RandomHex(6)
	db := &DB{Name: "tc_" + id, Owner: "tc_" + id + "_owner", App: "tc_" + id + "_app"}
	ownerPass, appPass := pgurl.RandomHex(16), pgurl.RandomHex(16)
	db.AdminURL = withUserDB(admin, nil, db.Name)
	db.OwnerURL = withUserDB(admin, url.UserPassword(db.Owner, ownerPass), db.Name)
	db.AppURL = withUserDB(admin, url.UserPassword(db.App, appPass), db.Name)

	// Registered before anything is created: roles are cluster-wide and must
	// not outlive the test even if a CREATE below fails.
	tb.Cleanup(func() { db.drop(tb, admin) })

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := dial(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: connect as admin: %v", err)
	}
	defer conn.Close(ctx)
	const role = "CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
	for _, stmt := range []string{
		fmt.Sprintf(role, db.Owner, ownerPass),
		fmt.Sprintf(role, db.App, appPass),
		// template0: nothing someone added to template1 leaks in, and
		// template1 being in use cannot make CREATE DATABASE fail.
		// Separate statement: CREATE DATABASE refuses a transaction block.
		fmt.Sprintf("CREATE DATABASE %s OWNER %s TEMPLATE template0", db.Name, db.Owner),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			tb.Fatalf("pgtest: %s: %v", strings.SplitN(stmt, " PASSWORD", 2)[0], err)
		}
	}
	return db
}

// drop removes the database and roles of db, reporting (not stopping at)
// each failure so as much as possible is cleaned up.
func (db *DB) drop(tb testing.TB, admin string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := dial(ctx, admin)
	if err != nil {
		tb.Errorf("pgtest: cleanup: database %s and roles %s, %s left behind: %v", db.Name, db.Owner, db.App, err)
		return
	}
	defer conn.Close(ctx)
	// Connections a test left open would make DROP DATABASE fail.
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE (datname = $1 OR usename IN ($2, $3)) AND pid <> pg_backend_pid()`, db.Name, db.Owner, db.App); err != nil {
		tb.Errorf("pgtest: cleanup: terminate connections: %v", err)
	}
	for _, stmt := range []string{
		"DROP DATABASE IF EXISTS " + db.Name,
		"DROP ROLE IF EXISTS " + db.Owner + ", " + db.App,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			tb.Errorf("pgtest: cleanup: %s: %v", stmt, err)
		}
	}
}

// Connect opens a connection to url; it is closed in tb.Cleanup.
func Connect(tb testing.TB, url string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	defer cancel()
	conn, err := dial(ctx, url)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs sql on url over the simple protocol, so it may hold several
// statements (run as one implicit transaction). On error the test fails,
// showing the line of sql the server pointed at.
func (db *DB) Exec(tb testing.TB, url, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTimeout)
	conn, err := dial(ctx, url)
	cancel()
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.PgConn().Exec(context.Background(), sql).ReadAll(); err != nil {
		tb.Fatalf("pgtest: exec in %s as %s: %s", db.Name, conn.Config().User, describe(sql, err))
	}
}

// GrantApp lets App use what Owner has created so far: USAGE on every
// non-system schema, and in those schemas SELECT, INSERT, UPDATE, DELETE on
// all tables, USAGE and SELECT on all sequences, EXECUTE on all functions
// and procedures. It runs as Owner, as a migration would. Objects created
// afterwards need another call.
func (db *DB) GrantApp(tb testing.TB) {
	tb.Helper()
	conn := Connect(tb, db.OwnerURL)
	rows, _ := conn.Query(context.Background(), `SELECT nspname FROM pg_namespace
		WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' ORDER BY 1`)
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		tb.Fatalf("pgtest: list schemas: %v", err)
	}
	var sql strings.Builder
	for _, s := range schemas {
		s = pgx.Identifier{s}.Sanitize()
		fmt.Fprintf(&sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, db.App)
		fmt.Fprintf(&sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s;\n", s, db.App)
		fmt.Fprintf(&sql, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %s TO %s;\n", s, db.App)
		fmt.Fprintf(&sql, "GRANT EXECUTE ON ALL ROUTINES IN SCHEMA %s TO %s;\n", s, db.App)
	}
	db.Exec(tb, db.OwnerURL, sql.String())
}

// dial connects to u, naming the (password-free) URL in its error.
func dial(ctx context.Context, u string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", redact(u), err)
	}
	return conn, nil
}

// withUserDB returns admin with the database replaced by db and, unless user
// is nil, the user replaced by user (admin was checked by checkAdmin).
func withUserDB(admin string, user *url.Userinfo, db string) string {
	u, _ := pgurl.With(admin, user, db)
	return u
}

// redact hides the password of a URL for messages.
func redact(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Redacted()
	}
	return "(unparsable connection string)"
}

// describe formats a statement error with the line and column it points at.
func describe(sql string, err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	msg := pe.Error()
	if pe.Detail != "" {
		msg += "\nDETAIL: " + pe.Detail
	}
	if pe.Hint != "" {
		msg += "\nHINT: " + pe.Hint
	}
	// Position counts characters, from 1, into the whole sql string.
	r := []rune(sql)
	pos := int(pe.Position) - 1
	if pos < 0 || pos > len(r) {
		return msg
	}
	start := pos
	for start > 0 && r[start-1] != '\n' {
		start--
	}
	end := pos
	for end < len(r) && r[end] != '\n' {
		end++
	}
	line := strings.Count(string(r[:start]), "\n") + 1
	// Keep tabs in the caret's indentation so it lines up under the text.
	indent := []rune(strings.Repeat(" ", pos-start))
	for i, c := range r[start:pos] {
		if c == '\t' {
			indent[i] = '\t'
		}
	}
	return fmt.Sprintf("%s\nat line %d, column %d:\n%s\n%s^", msg, line, pos-start+1, string(r[start:end]), string(indent))
}
