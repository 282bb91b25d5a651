// Package pgtest gives tests a real PostgreSQL database, never a mock.
//
// Each test calls [NewDatabase] and gets its own freshly created database
// plus two freshly created roles: Owner, which owns the database and the
// tables the test creates, and App, which owns nothing and is granted access
// with [DB.GrantApp]. Everything is dropped in t.Cleanup, even when the test
// fails.
//
// # Why the roles are not superusers
//
// Superusers and roles with BYPASSRLS skip row-level security entirely, and
// table owners skip it unless the table has FORCE ROW LEVEL SECURITY. A test
// that checks tenant isolation as a superuser would pass no matter what the
// policies say. So Owner and App are LOGIN NOSUPERUSER NOBYPASSRLS (and
// NOCREATEDB NOCREATEROLE); only [DB.AdminURL] is a superuser, for setup and
// for looking behind the policies.
//
// # Where the database comes from
//
// The first call to [AdminURL] in a test binary looks for a superuser URL,
// in this order, and remembers the answer for the rest of the process:
//
//  1. DATABASE_URL, if set. It must be a postgres:// URL for a superuser.
//     If it is set but unusable, nothing else is tried: an explicit setting
//     that silently falls back would hide a broken CI configuration.
//  2. [DefaultURL], postgres://postgres@127.0.0.1:5432/postgres, unless
//     PGTEST_NO_DEFAULT is set to a true value (1, true). That override
//     exists to exercise step 3 on a machine that has a server running.
//  3. A throwaway cluster: initdb and pg_ctl are taken from PATH, else from
//     the newest /usr/lib/postgresql/*/bin. The cluster lives in a temporary
//     directory (data, log and unix socket), listens on a free 127.0.0.1
//     port with trust authentication and durability turned off, and is
//     stopped and deleted by [Main] when the tests end. initdb and postgres
//     refuse to run as root, so when the tests run as root the directory is
//     handed to the "postgres" OS user and the commands run as that user
//     (runuser, else su). This step needs TestMain to call [Main];
//     without it nothing would stop the cluster, so it is not started.
//
// So every test package using pgtest should have
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// If all of that fails, the test is skipped with a message listing what was
// tried, or fails with that message when CI is true: on CI a missing
// database is a broken setup, not a reason to pass.
//
// A test binary killed by -timeout or a panic does not reach the end of
// [Main]; its cluster keeps running in $TMPDIR/pgtest-*. Stop it with
// pg_ctl -D <dir>/data stop (as the postgres user when root).
package pgtest
