package pgtest_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
)

// TestMain uses pgtest.Main so a throwaway cluster, if one was needed, is
// stopped after the tests.
func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func TestOwnerCanCreateTable(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, `CREATE TABLE note (id int PRIMARY KEY, body text);
		INSERT INTO note VALUES (1, 'a'), (2, 'b');`)

	var owner string
	err := pgtest.Connect(t, db.AdminURL).QueryRow(ctx,
		`SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'note'`).Scan(&owner)
	require.NoError(t, err)
	assert.Equal(t, db.Owner, owner)
}

// The point of the package: neither role may skip row-level security.
func TestRolesAreNotPrivileged(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	admin := pgtest.Connect(t, db.AdminURL)
	for _, role := range []string{db.Owner, db.App} {
		var login, super, bypassRLS, createDB, createRole bool
		err := admin.QueryRow(ctx, `SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole
			FROM pg_roles WHERE rolname = $1`, role).Scan(&login, &super, &bypassRLS, &createDB, &createRole)
		require.NoError(t, err, role)
		assert.True(t, login, "%s can log in", role)
		assert.False(t, super, "%s is superuser", role)
		assert.False(t, bypassRLS, "%s has BYPASSRLS", role)
		assert.False(t, createDB, "%s has CREATEDB", role)
		assert.False(t, createRole, "%s has CREATEROLE", role)
	}
}

func TestRLSHidesRowsFromOwnerAndApp(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	// Rows go in before the policy: USING (false) would also reject inserts.
	db.Exec(t, db.OwnerURL, `
		CREATE TABLE secret (id int PRIMARY KEY);
		INSERT INTO secret VALUES (1), (2), (3);
		ALTER TABLE secret ENABLE ROW LEVEL SECURITY;
		ALTER TABLE secret FORCE ROW LEVEL SECURITY; -- or the owner would skip it
		CREATE POLICY nobody ON secret USING (false);`)
	db.GrantApp(t)

	count := func(url string) int {
		var n int
		require.NoError(t, pgtest.Connect(t, url).QueryRow(ctx, `SELECT count(*) FROM secret`).Scan(&n))
		return n
	}
	assert.Equal(t, 0, count(db.AppURL), "rows visible to App")
	assert.Equal(t, 0, count(db.OwnerURL), "rows visible to Owner")
	assert.Equal(t, 3, count(db.AdminURL), "rows visible to the superuser")
}

// GrantApp reaches beyond public: schema usage, tables and sequences.
func TestGrantApp(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDatabase(t)
	db.Exec(t, db.OwnerURL, `CREATE SCHEMA shop;
		CREATE TABLE shop.item (id serial PRIMARY KEY, name text NOT NULL);
		CREATE FUNCTION shop.item_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM shop.item';`)
	db.GrantApp(t)

	db.Exec(t, db.AppURL, `INSERT INTO shop.item (name) VALUES ('x'), ('y');
		UPDATE shop.item SET name = 'z' WHERE id = 2; DELETE FROM shop.item WHERE id = 1;`)
	var n int
	require.NoError(t, pgtest.Connect(t, db.AppURL).QueryRow(ctx, `SELECT shop.item_count()`).Scan(&n))
	assert.Equal(t, 1, n)
}

func TestCleanupDropsDatabaseAndRoles(t *testing.T) {
	t.Parallel()
	// Independent of any DB, and opened first so the test skips cleanly
	// when there is no PostgreSQL.
	admin := pgtest.Connect(t, pgtest.AdminURL(t))

	var db *pgtest.DB
	var forgotten *pgx.Conn
	t.Cleanup(func() {
		if forgotten != nil {
			forgotten.Close(ctx)
		}
	})
	t.Run("test", func(t *testing.T) {
		db = pgtest.NewDatabase(t)
		// A connection the test never closes: cleanup must terminate it,
		// or DROP DATABASE would fail.
		var err error
		forgotten, err = pgx.Connect(ctx, db.AppURL)
		require.NoError(t, err)
	})
	require.NotNil(t, db)

	var roles, dbs int
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM pg_roles WHERE rolname IN ($1, $2)`,
		db.Owner, db.App).Scan(&roles))
	require.NoError(t, admin.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = $1`,
		db.Name).Scan(&dbs))
	assert.Zero(t, roles, "roles left after cleanup")
	assert.Zero(t, dbs, "databases left after cleanup")
}
