package adoption

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // golang-migrate's pgx5:// driver
	_ "github.com/golang-migrate/migrate/v4/source/file"     // and its file:// source
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/generator/audit"
	"github.com/tenantc/tenantc/internal/generator/diag"
	"github.com/tenantc/tenantc/internal/generator/output"
	"github.com/tenantc/tenantc/internal/generator/sqlcrun"
	"github.com/tenantc/tenantc/internal/pgtest"
)

// blogTables are the blog's tables, the tenant root among them.
var blogTables = []string{"tenants", "users", "posts", "comments", "tags", "post_tags", "attachments"}

func TestMain(m *testing.M) {
	sqlcrun.Child() // this test binary is also the sqlc child of the generate runs below
	os.Exit(pgtest.Main(m))
}

// The blog as its team wrote it, before tenancy: golang-migrate migrations,
// bigserial ids, a self-reference (comment replies) and a join table.
var blogMigrations = map[string]string{
	"000001_blog.up.sql": `
CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL);
CREATE TABLE posts (
    id bigserial PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES users (id),
    slug text NOT NULL UNIQUE,
    title text NOT NULL,
    body text NOT NULL
);
CREATE TABLE comments (
    id bigserial PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    parent_id bigint REFERENCES comments (id) ON DELETE CASCADE,
    author_id bigint NOT NULL REFERENCES users (id),
    body text NOT NULL
);
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);
CREATE TABLE attachments (
    id bigserial PRIMARY KEY,
    post_id bigint REFERENCES posts (id) ON DELETE SET NULL,
    url text NOT NULL
);
`,
	"000001_blog.down.sql": `DROP TABLE attachments, post_tags, tags, comments, posts, users;`,
	// The team's own step towards tenancy: the tenants table, and the one
	// customer the existing rows belong to.
	"000002_tenants.up.sql": `
CREATE TABLE tenants (id bigserial PRIMARY KEY, name text NOT NULL);
INSERT INTO tenants (id, name) VALUES (1, 'the first customer');
SELECT setval('tenants_id_seq', 1);
`,
	"000002_tenants.down.sql": `DROP TABLE tenants;`,
}

// traffic is what the running application wrote: thousands of rows.
const traffic = `
INSERT INTO users (email, name) SELECT 'user' || u || '@example.com', 'user ' || u FROM generate_series(1, 200) u;
INSERT INTO posts (author_id, slug, title, body) SELECT 1 + p % 200, 'post-' || p, 'Post ' || p, 'body' FROM generate_series(1, 2000) p;
-- Comments 1-2000 are top-level, one per post; 2001-5000 reply to the comment 2000 before, on its post.
INSERT INTO comments (post_id, parent_id, author_id, body) SELECT c, NULL, 1 + c % 200, 'comment' FROM generate_series(1, 2000) c;
INSERT INTO comments (post_id, parent_id, author_id, body)
    SELECT 1 + (c - 1) % 2000, c - 2000, 1 + c % 200, 'reply' FROM generate_series(2001, 5000) c;
INSERT INTO tags (name) SELECT 'tag' || t FROM generate_series(1, 50) t;
INSERT INTO post_tags SELECT p, 1 + (p + k) % 50 FROM generate_series(1, 2000) p, generate_series(0, 1) k;
-- Attachments 1-900 belong to a post; 901-1000 are site-wide (no post).
INSERT INTO attachments (post_id, url) SELECT CASE WHEN a <= 900 THEN 1 + a % 2000 END, 'https://cdn.example.com/' || a FROM generate_series(1, 1000) a;
`

// TestAdoptPopulatedBlog is the adoption, step by step:
//
//  1. the project: the blog's migrations, applied by golang-migrate, and its
//     traffic;
//  2. tenantc init proposes tenantc.yaml (sqlc.yaml names the migrations as
//     the schema): the root tenants, users global, the other tables
//     undecided with a via: suggestion each (init_test.go);
//  3. the user reviews it: the undecided tables declared scoped as init
//     suggested, the existing rows given to the first customer;
//  4. tenantc generate writes the backfill and RLS migrations (and sqlc's
//     code with the repositories);
//  5. golang-migrate applies them, as a non-superuser owner;
//
// then every row has the tenant its FK path gives it (computed by the test
// from the data before), tenantc check --probe as the application role finds
// nothing, a second tenant cannot read, change, delete, reference or take
// the first's rows (nor the first the second's), and migrating down to the
// blog's own migrations restores its shape and data, and up again works.
func TestAdoptPopulatedBlog(t *testing.T) {
	ctx := t.Context()
	db := pgtest.NewDatabase(t)
	admin := pgtest.Connect(t, db.AdminURL) // a superuser: the test's own view, past RLS

	// 1. The project as it runs today.
	dir := t.TempDir()
	migDir := filepath.Join(dir, "migrations")
	require.NoError(t, os.MkdirAll(migDir, 0o755))
	for name, sql := range blogMigrations {
		require.NoError(t, os.WriteFile(filepath.Join(migDir, name), []byte(sql), 0o644))
	}
	require.NoError(t, newMigrate(t, db.OwnerURL, migDir).Up())
	db.Exec(t, db.OwnerURL, traffic)
	want := expectedTenants(t, admin)
	shape, data := pgtest.Shape(t, admin, "schema_migrations"), pgtest.Digests(t, admin, blogTables...)

	// 2. tenantc init proposes tenantc.yaml; 3. the user reviews it.
	proposed := initProject(t, dir)
	t.Logf("tenantc init proposed:\n%s", proposed)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), []byte(review(t, proposed)), 0o644))

	// vet, before generate, judges the tables as their backfill will leave
	// them: no indirectly-owned or unclassified error for a declared table.
	// (What it reports is what any table has before generate writes its
	// migrations: no row level security yet.)
	vetted, err := generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	for _, d := range vetted.Diagnostics {
		require.NotContains(t, []string{"indirectly-owned", "unclassified-table"}, d.Rule, "vet before generate: %s", d)
	}

	// 4. tenantc generate.
	res, err := generator.Run(ctx, generator.Options{Dir: dir})
	require.NoError(t, err, "%v", res)
	_, err = output.Write(dir, res.Files, res.Prune...)
	require.NoError(t, err)
	require.Len(t, res.Backfills, 3, "columns, fill, keys")
	again, err := generator.Run(ctx, generator.Options{Dir: dir})
	require.NoError(t, err)
	changes, err := output.Diff(dir, again.Files, again.Prune...)
	require.NoError(t, err)
	require.Empty(t, changes, "a second generate writes nothing")
	vetted, err = generator.Vet(generator.Options{Dir: dir})
	require.NoError(t, err)
	require.False(t, vetted.Diagnostics.HasErrors(), "vet after generate: %v", vetted.Diagnostics)

	// 5. golang-migrate applies tenantc's migrations after the blog's.
	require.NoError(t, newMigrate(t, db.OwnerURL, migDir).Up())
	requireTenants(t, admin, want)

	db.GrantApp(t)
	checkIsolation(t, db, admin, res)
	attack(t, db)

	// Down to the blog's own migrations: its shape and data as they were.
	require.NoError(t, newMigrate(t, db.OwnerURL, migDir).Migrate(2))
	require.Equal(t, shape, pgtest.Shape(t, admin, "schema_migrations"), "down restores the blog's shape")
	require.Equal(t, data, pgtest.Digests(t, admin, blogTables...), "down keeps the blog's data")

	// And up again: the same tenants.
	require.NoError(t, newMigrate(t, db.OwnerURL, migDir).Up())
	requireTenants(t, admin, want)
	checkIsolation(t, db, admin, res)
}

func newMigrate(t *testing.T, url, dir string) *migrate.Migrate {
	m, err := migrate.New("file://"+dir, "pgx5://"+strings.TrimPrefix(url, "postgres://"))
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// checkIsolation runs what tenantc check --probe runs, as the application
// role: no errors.
func checkIsolation(t *testing.T, db *pgtest.DB, admin *pgx.Conn, res *generator.Result) {
	t.Helper()
	checked, err := audit.Check(t.Context(), admin, audit.Options{Config: res.Config, Role: db.App, Probe: true})
	require.NoError(t, err)
	var errs []string
	for _, d := range checked.Diagnostics {
		if d.Severity == diag.Error {
			errs = append(errs, d.String())
		}
	}
	require.Empty(t, errs, "tenantc check --probe as the application role")
}

// asTenant runs f in a transaction of the application role for tenant id,
// as the generated repositories do (set_config local to the transaction).
func asTenant(t *testing.T, app *pgx.Conn, id string, f func(tx pgx.Tx) error) error {
	t.Helper()
	tx, err := app.Begin(t.Context())
	require.NoError(t, err)
	defer tx.Rollback(context.Background())
	_, err = tx.Exec(t.Context(), "SELECT set_config('app.tenant_id', $1, true)", id)
	require.NoError(t, err)
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit(t.Context())
}

// attack: a second tenant signs up and writes; each tenant then goes for the
// other's rows by id, the way a hostile tenant would with guessed ids.
func attack(t *testing.T, db *pgtest.DB) {
	t.Helper()
	ctx := t.Context()
	app := pgtest.Connect(t, db.AppURL)
	const a, b = "1", "2"

	// Tenant B is created (its row is visible to it alone) and writes.
	require.NoError(t, asTenant(t, app, b, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO tenants (id, name) VALUES (2, 'the second customer')")
		return err
	}))
	var bPost, bComment, bTag int64
	require.NoError(t, asTenant(t, app, b, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "INSERT INTO posts (author_id, slug, title, body) VALUES (1, 'post-1', 'B''s first', 'secret') RETURNING id").Scan(&bPost); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "INSERT INTO comments (post_id, author_id, body) VALUES ($1, 1, 'b') RETURNING id", bPost).Scan(&bComment); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "INSERT INTO tags (name) VALUES ('tag1') RETURNING id").Scan(&bTag)
	}), "B may reuse A's slug and tag name: keys are per tenant")

	for _, c := range []struct{ actor, victim string }{{a, b}, {b, a}} {
		victimPost, victimComment := bPost, bComment
		ownPost := int64(1) // A's post 1
		if c.victim == a {
			victimPost, victimComment, ownPost = 1, 1, bPost
		}
		require.NoError(t, asTenant(t, app, c.actor, func(tx pgx.Tx) error {
			var n int
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM posts WHERE id = $1", victimPost).Scan(&n); err != nil {
				return err
			}
			require.Zero(t, n, "%s reads %s's post", c.actor, c.victim)
			if err := tx.QueryRow(ctx, "SELECT count(*) FROM comments WHERE post_id = $1", victimPost).Scan(&n); err != nil {
				return err
			}
			require.Zero(t, n, "%s reads %s's comments", c.actor, c.victim)
			for _, sql := range []string{
				"UPDATE posts SET title = 'pwned' WHERE id = $1",
				"UPDATE comments SET body = 'pwned' WHERE id = $1",
				"DELETE FROM comments WHERE id = $1",
			} {
				id := victimPost
				if strings.Contains(sql, "comments") {
					id = victimComment
				}
				tag, err := tx.Exec(ctx, sql, id)
				if err != nil {
					return err
				}
				require.Zero(t, tag.RowsAffected(), "%s: %s on %s's row", c.actor, sql, c.victim)
			}
			return nil
		}))
		// A comment of the actor on the victim's post: the composite foreign
		// key (tenant_id, post_id) finds no such post of the actor's.
		err := asTenant(t, app, c.actor, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO comments (post_id, author_id, body) VALUES ($1, 1, 'spam')", victimPost)
			return err
		})
		requireSQLState(t, err, "23503", "%s comments on %s's post", c.actor, c.victim)
		// A reply of the actor's to the victim's comment, on the actor's post.
		err = asTenant(t, app, c.actor, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO comments (post_id, parent_id, author_id, body) VALUES ($1, $2, 1, 'spam')", ownPost, victimComment)
			return err
		})
		requireSQLState(t, err, "23503", "%s replies to %s's comment", c.actor, c.victim)
		// Moving its own row to the victim.
		err = asTenant(t, app, c.actor, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE posts SET tenant_id = $1 WHERE id = $2", c.victim, ownPost)
			return err
		})
		requireSQLState(t, err, "42501", "%s moves its post to %s", c.actor, c.victim)
	}

	// Nothing of B's changed, and B's rows are B's.
	require.NoError(t, asTenant(t, app, b, func(tx pgx.Tx) error {
		var title string
		var comments int
		if err := tx.QueryRow(ctx, "SELECT title FROM posts WHERE id = $1", bPost).Scan(&title); err != nil {
			return err
		}
		require.Equal(t, "B's first", title)
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM comments").Scan(&comments); err != nil {
			return err
		}
		require.Equal(t, 1, comments, "B sees its one comment and none of A's 5000")
		return nil
	}))

	// Remove B again (as the test, past RLS), so that down finds the
	// blog's rows alone.
	db.Exec(t, db.AdminURL, "DELETE FROM post_tags WHERE tenant_id = 2; DELETE FROM comments WHERE tenant_id = 2; DELETE FROM posts WHERE tenant_id = 2; DELETE FROM tags WHERE tenant_id = 2; DELETE FROM tenants WHERE id = 2;")
}

func requireSQLState(t *testing.T, err error, code string, msgAndArgs ...any) {
	t.Helper()
	var pe *pgconn.PgError
	require.True(t, errors.As(err, &pe), "want SQLSTATE %s, got %v: %v", code, err, msgAndArgs)
	require.Equal(t, code, pe.Code, msgAndArgs...)
}

// expectedTenants computes every row's tenant from the data before tenantc,
// by the test's own joins: in a single-tenant blog everything is the first
// customer's, so the tenant of a row is that of the post it hangs off (its
// own, for a comment; the root comment's post's, for a reply — which the
// traffic keeps on the same post), and 1 for posts, tags and site-wide
// attachments.
func expectedTenants(t *testing.T, conn *pgx.Conn) map[string]int64 {
	t.Helper()
	want := pgtest.KeyedInts(t, conn, `
WITH RECURSIVE thread AS (
    SELECT id, post_id AS root_post FROM comments WHERE parent_id IS NULL
    UNION ALL SELECT c.id, t.root_post FROM comments c JOIN thread t ON c.parent_id = t.id
), post_tenant AS (SELECT id, 1::bigint AS tenant FROM posts)
SELECT 'comments ' || c.id, pt.tenant FROM thread th JOIN comments c ON c.id = th.id
    JOIN post_tenant pt ON pt.id = c.post_id JOIN post_tenant rt ON rt.id = th.root_post AND rt.tenant = pt.tenant
UNION ALL SELECT 'posts ' || id, tenant FROM post_tenant
UNION ALL SELECT 'tags ' || id, 1 FROM tags
UNION ALL SELECT 'post_tags ' || x.post_id || ' ' || x.tag_id, pt.tenant FROM post_tags x JOIN post_tenant pt ON pt.id = x.post_id
UNION ALL SELECT 'attachments ' || a.id, coalesce(pt.tenant, 1) FROM attachments a LEFT JOIN post_tenant pt ON pt.id = a.post_id`)
	require.Len(t, want, 5000+2000+50+4000+1000, "every row of the scoped tables")
	return want
}

func requireTenants(t *testing.T, conn *pgx.Conn, want map[string]int64) {
	t.Helper()
	require.Equal(t, want, pgtest.KeyedInts(t, conn, `
SELECT 'comments ' || id, tenant_id FROM comments
UNION ALL SELECT 'posts ' || id, tenant_id FROM posts
UNION ALL SELECT 'tags ' || id, tenant_id FROM tags
UNION ALL SELECT 'post_tags ' || post_id || ' ' || tag_id, tenant_id FROM post_tags
UNION ALL SELECT 'attachments ' || id, tenant_id FROM attachments`))
}
