package tenant_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

// TestPgBouncer runs both scoped paths through PgBouncer in transaction
// pooling mode, where consecutive transactions of one client connection land
// on different server connections and session state is not supported. It
// starts Debian's pgbouncer (apt-get install -y pgbouncer) for the test
// database; without it the test is skipped, or fails under CI=true.
func TestPgBouncer(t *testing.T) {
	pdb := newDatabase(t)
	bouncerURL := startPgBouncer(t, pdb)

	// PgBouncer before 1.21 (Debian 12 ships 1.18) keeps no prepared
	// statements across transactions, so pgx must not rely on named ones:
	// the modes pgx documents for PgBouncer.
	for _, mode := range []pgx.QueryExecMode{
		pgx.QueryExecModeExec,
		pgx.QueryExecModeCacheDescribe,
		pgx.QueryExecModeSimpleProtocol,
	} {
		t.Run(mode.String(), func(t *testing.T) {
			// More client connections than the 2 server connections, so
			// transactions of different tenants share server connections.
			pool := newPool(t, bouncerURL, mode, 8, nil)
			db := tenant.NewDB(pool)
			fast := db.Scope().Querier()

			// Transaction pooling is in effect: four client connections
			// share at most two server backends.
			pids := map[uint32]bool{}
			var held []func()
			for range 4 {
				c, err := pool.Acquire(context.Background())
				require.NoError(t, err)
				var pid uint32
				require.NoError(t, c.QueryRow(context.Background(), "SELECT pg_backend_pid()").Scan(&pid))
				pids[pid] = true
				held = append(held, c.Release)
			}
			for _, release := range held {
				release()
			}
			assert.LessOrEqual(t, len(pids), 2, "server backends behind 4 client connections")

			var wg sync.WaitGroup
			for w := range 16 {
				rng := rand.New(rand.NewPCG(uint64(w), 2))
				wg.Go(func() {
					for range 40 {
						id := tenants[rng.IntN(len(tenants))]
						ctx := tenant.WithID(context.Background(), id)
						switch rng.IntN(3) {
						case 0:
							assert.Len(t, bodies(t, ctx, fast, id), itemsPerTenant)
							continue
						case 1: // a fast-path batch: one implicit transaction, one server connection
							b := &pgx.Batch{}
							b.Queue("SELECT current_setting('app.tenant_id')")
							b.Queue("SELECT count(*) FROM items")
							br := fast.SendBatch(ctx, b)
							var set string
							var n int
							assert.NoError(t, br.QueryRow().Scan(&set))
							assert.NoError(t, br.QueryRow().Scan(&n))
							assert.NoError(t, br.Close())
							assert.Equal(t, string(id), set, "the batch's statements on its set_config's server connection")
							assert.Equal(t, itemsPerTenant, n)
							continue
						}
						err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
							q := s.Querier()
							if _, err := q.Exec(ctx, "INSERT INTO items (body) VALUES ('bouncer')"); err != nil {
								return err
							}
							got := bodies(t, ctx, q, id)
							assert.Len(t, got, itemsPerTenant+1)
							var set string
							if err := q.QueryRow(ctx, "SELECT current_setting('app.tenant_id')").Scan(&set); err != nil {
								return err
							}
							assert.Equal(t, string(id), set, "every statement of the transaction on one server connection")
							return errRollback
						})
						assert.ErrorIs(t, err, errRollback)
					}
				})
			}
			wg.Wait()

			// Whatever server connection a bare statement lands on carries no tenant.
			for range 10 {
				assert.Equal(t, "", setting(t, pool))
				var n int
				require.NoError(t, pool.QueryRow(context.Background(), "SELECT count(*) FROM items").Scan(&n))
				assert.Zero(t, n)
			}
		})
	}
}

var errRollback = fmt.Errorf("roll back")

// startPgBouncer starts pgbouncer on a free loopback port in front of pdb's
// database, in transaction pooling with 2 server connections, and returns
// the App role's URL through it. It is stopped when the test ends.
func startPgBouncer(t *testing.T, pdb *pgtest.DB) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin = "/usr/sbin/pgbouncer" // not on a non-root PATH
	}
	if _, err := os.Stat(bin); err != nil {
		msg := "pgbouncer is not installed (apt-get install -y pgbouncer)"
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}

	app, err := url.Parse(pdb.AppURL)
	require.NoError(t, err)
	password, _ := app.User.Password()
	port := freePort(t)
	// Not t.TempDir: its parent is closed to the postgres OS user.
	dir, err := os.MkdirTemp("", "tenant-pgbouncer-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	files := map[string]string{
		// trust: the client is not checked here, the server checks the
		// login; the password is for that server login.
		"userlist.txt": fmt.Sprintf("%q %q\n", app.User.Username(), password),
		"pgbouncer.ini": fmt.Sprintf(`[databases]
%s = host=%s port=%s dbname=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
logfile = %s
pidfile = %s
`, pdb.Name, app.Hostname(), app.Port(), pdb.Name, port,
			filepath.Join(dir, "userlist.txt"), filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid")),
	}
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}

	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	cmd.Dir = dir
	if os.Geteuid() == 0 {
		// pgbouncer refuses to run as root; like pgtest's initdb, run it as
		// the postgres OS user, here by setting the child's credentials
		// directly, so the process we start (and stop) is pgbouncer itself.
		u, err := user.Lookup("postgres")
		require.NoError(t, err, "running as root, which pgbouncer refuses, and no postgres OS user")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		for _, p := range []string{dir, filepath.Join(dir, "userlist.txt"), filepath.Join(dir, "pgbouncer.ini")} {
			require.NoError(t, os.Chown(p, uid, gid))
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT) // "safe shutdown": the test's clients are gone
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	// Wait until it accepts connections.
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgbouncer exited: %v\n%s", err, log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgbouncer did not listen on %s: %v\n%s", addr, err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	u := *app
	u.Host = addr
	return u.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
