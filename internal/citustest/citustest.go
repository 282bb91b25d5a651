// Package citustest gives a test its own database on a real Citus cluster,
// the way package pgtest gives one on a plain PostgreSQL.
//
// CI cannot install Citus (Debian has no package for it), so these tests run
// only where CITUS_URL names the superuser URL of a Citus coordinator whose
// workers are registered in that URL's database (citus_add_node); without
// it they are skipped, also under CI=true. README "Scaling out" says how the
// cluster the tests were run on was built.
//
// Citus keeps its metadata per database, so a fresh database is not a Citus
// database by itself: [NewDatabase] creates it on every node
// (citus.enable_create_database_propagation), installs the extension on the
// workers and then on the coordinator, and registers the coordinator and the
// same workers in it. Roles are cluster-wide objects Citus propagates from the
// coordinator, so the two roles exist on every node.
package citustest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
)

// EnvVar names the coordinator's superuser URL.
const EnvVar = "CITUS_URL"

// URL returns CITUS_URL, or skips the test.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		tb.Skip(EnvVar + " is not set: this test needs a real Citus cluster (see README, Scaling out)")
	}
	return u
}

type node struct {
	host string
	port int
}

// NewDatabase creates, on the cluster of CITUS_URL, a database owned by a
// fresh Owner role plus a fresh App role (both LOGIN NOSUPERUSER NOBYPASSRLS
// NOCREATEDB NOCREATEROLE, as pgtest's), with Citus installed and the workers
// registered. t.Cleanup drops them on every node.
func NewDatabase(tb testing.TB) *pgtest.DB {
	tb.Helper()
	admin := URL(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn := connect(ctx, tb, admin)
	defer conn.Close(ctx)

	var coordinator node
	if err := conn.QueryRow(ctx, `SELECT nodename, nodeport FROM pg_dist_node WHERE groupid = 0`).Scan(&coordinator.host, &coordinator.port); err != nil {
		tb.Fatalf("citustest: %s has no coordinator in pg_dist_node (run citus_set_coordinator_host): %v", EnvVar, err)
	}
	rows, _ := conn.Query(ctx, `SELECT nodename, nodeport FROM pg_dist_node
		WHERE groupid <> 0 AND noderole = 'primary' AND isactive ORDER BY nodeid`)
	workers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (node, error) {
		var n node
		return n, r.Scan(&n.host, &n.port)
	})
	if err != nil || len(workers) == 0 {
		tb.Fatalf("citustest: %s lists no active workers in pg_dist_node (%v)", EnvVar, err)
	}

	id := pgurl.RandomHex(6)
	db := &pgtest.DB{Name: "tcc_" + id, Owner: "tcc_" + id + "_owner", App: "tcc_" + id + "_app"}
	ownerPass, appPass := pgurl.RandomHex(16), pgurl.RandomHex(16)
	db.AdminURL = with(tb, admin, nil, db.Name)
	db.OwnerURL = with(tb, admin, url.UserPassword(db.Owner, ownerPass), db.Name)
	db.AppURL = with(tb, admin, url.UserPassword(db.App, appPass), db.Name)
	tb.Cleanup(func() { drop(tb, admin, db) })

	const role = "CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
	for _, stmt := range []string{
		fmt.Sprintf(role, db.Owner, ownerPass),
		fmt.Sprintf(role, db.App, appPass),
		"SET citus.enable_create_database_propagation = on",
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", db.Name, db.Owner),
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			tb.Fatalf("citustest: %s: %v", redactStmt(stmt), err)
		}
	}
	// (Citus propagates only CREATE DATABASE from template1.) The workers
	// first: registering a worker needs the extension there.
	for _, w := range workers {
		exec(ctx, tb, withHost(tb, admin, w, db.Name), "CREATE EXTENSION IF NOT EXISTS citus")
	}
	c := connect(ctx, tb, db.AdminURL)
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS citus"); err != nil {
		tb.Fatalf("citustest: CREATE EXTENSION citus on the coordinator: %v", err)
	}
	if _, err := c.Exec(ctx, "SELECT citus_set_coordinator_host($1, $2)", coordinator.host, coordinator.port); err != nil {
		tb.Fatalf("citustest: citus_set_coordinator_host: %v", err)
	}
	for _, w := range workers {
		if _, err := c.Exec(ctx, "SELECT citus_add_node($1, $2)", w.host, w.port); err != nil {
			tb.Fatalf("citustest: citus_add_node(%s, %d): %v", w.host, w.port, err)
		}
	}
	return db
}

// drop removes the database (on every node) and the roles.
func drop(tb testing.TB, admin string, db *pgtest.DB) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Errorf("citustest: cleanup: %s and its roles left behind: %v", db.Name, err)
		return
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()`, db.Name),
		"SET citus.enable_create_database_propagation = on",
		"DROP DATABASE IF EXISTS " + db.Name + " WITH (FORCE)",
		"DROP ROLE IF EXISTS " + db.Owner + ", " + db.App,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			tb.Errorf("citustest: cleanup: %s: %v", stmt, err)
		}
	}
}

func connect(ctx context.Context, tb testing.TB, u string) *pgx.Conn {
	tb.Helper()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		tb.Fatalf("citustest: connect: %v", err)
	}
	return conn
}

func exec(ctx context.Context, tb testing.TB, u, stmt string) {
	tb.Helper()
	conn := connect(ctx, tb, u)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		tb.Fatalf("citustest: %s on %s: %v", stmt, conn.Config().Host, err)
	}
}

func with(tb testing.TB, admin string, user *url.Userinfo, dbName string) string {
	tb.Helper()
	u, err := pgurl.With(admin, user, dbName)
	if err != nil {
		tb.Fatalf("citustest: %s: %v", EnvVar, err)
	}
	return u
}

// withHost is admin pointed at node n's database dbName.
func withHost(tb testing.TB, admin string, n node, dbName string) string {
	tb.Helper()
	p, err := url.Parse(with(tb, admin, nil, dbName))
	if err != nil {
		tb.Fatalf("citustest: %s: %v", EnvVar, err)
	}
	p.Host = n.host + ":" + strconv.Itoa(n.port)
	return p.String()
}

// redactStmt hides a CREATE ROLE's password in messages.
func redactStmt(stmt string) string {
	before, _, _ := strings.Cut(stmt, " PASSWORD")
	return before
}
