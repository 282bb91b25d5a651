package generator_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/generator"
	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/internal/pgurl"
	"github.com/tenantc/tenantc/orgstore"
	"github.com/tenantc/tenantc/tenant"
)

// TestOrganizationDeleteOnPostgres deletes an organization the way Better
// Auth does — a DELETE of its organization row by Better Auth's own role,
// which has no privilege on the tenant tables and runs no Go hook — on the
// schema Better Auth 1.7.25's migrator makes (golden case
// store-better-auth-1.7.25) with the generated migrations applied by a table
// owner that is neither a superuser nor BYPASSRLS. With detach (the default)
// the tenant row and its data stay, the tenant is listed by
// Store.DetachedTenants, and its data stays isolated from another tenant;
// with cascade the tenant row and its data go.
func TestOrganizationDeleteOnPostgres(t *testing.T) {
	for _, mode := range []string{"detach", "cascade"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := pgtest.NewDatabase(t)
			ba, baURL := loginRole(t, db, "ba", "NOBYPASSRLS")
			storeRole, storeURL := loginRole(t, db, "store", "BYPASSRLS")

			dir := t.TempDir()
			root := filepath.Join("testdata", "store-better-auth-1.7.25")
			require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "input"))))
			yaml := fmt.Sprintf("version: 1\nstore:\n  enabled: true\n  flavor: better-auth\n  on_organization_delete: %s\n  service_roles: [%s]\n", mode, ba)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "tenantc.yaml"), []byte(yaml), 0o644))
			res, err := generator.Run(ctx, goldenOptions(root, dir))
			require.NoError(t, err)
			for _, f := range res.Sources {
				db.Exec(t, db.OwnerURL, f.SQL)
			}
			ups, _ := migrationParts(res)
			for _, up := range ups {
				db.Exec(t, db.OwnerURL, up)
			}
			db.GrantApp(t)
			// Better Auth's role: its own tables only, nothing on tenants or projects.
			db.Exec(t, db.OwnerURL, fmt.Sprintf(`GRANT SELECT, INSERT, UPDATE, DELETE ON "user", session, account, verification,
				organization, member, invitation, team, "teamMember", "organizationRole" TO %[1]s;
				GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %[2]s`, ba, storeRole))

			// Two organizations with their tenants and a project each, as the
			// store makes them (the superuser stands in for the store's role).
			admin := pgtest.Connect(t, db.AdminURL)
			tenants := map[string]string{}
			for _, org := range []string{"acme", "globex"} {
				var tid string
				require.NoError(t, admin.QueryRow(ctx, `WITH o AS (INSERT INTO organization (id, name, slug, "createdAt") VALUES ($1, $1, $1, now()) RETURNING id)
					INSERT INTO tenants (name, org_id) SELECT id, id FROM o RETURNING id::text`, org).Scan(&tid))
				_, err := admin.Exec(ctx, `INSERT INTO projects (tenant_id, name) VALUES ($1, $2)`, tid, org+" project")
				require.NoError(t, err)
				tenants[org] = tid
			}

			// Better Auth deletes acme.
			baConn := pgtest.Connect(t, baURL)
			_, err = baConn.Exec(ctx, `SELECT 1 FROM projects`)
			require.Error(t, err, "Better Auth's role has no privilege on the tenant tables")
			tag, err := baConn.Exec(ctx, `DELETE FROM organization WHERE id = 'acme'`)
			require.NoError(t, err, "Better Auth's delete of an organization")
			require.EqualValues(t, 1, tag.RowsAffected())

			count := func(sql string, args ...any) int {
				var n int
				require.NoError(t, admin.QueryRow(ctx, sql, args...).Scan(&n), sql)
				return n
			}
			acme := tenants["acme"]
			store, err := orgstore.New[string, string, string, string, string](tenant.NewSystemDB(pool(t, storeURL)),
				orgstore.Config{Schema: betterAuthSchema()})
			require.NoError(t, err)
			detached, err := store.DetachedTenants(ctx)
			require.NoError(t, err)
			if mode == "cascade" {
				assert.Zero(t, count(`SELECT count(*) FROM tenants WHERE id = $1`, acme), "cascade: the tenant row goes")
				assert.Zero(t, count(`SELECT count(*) FROM projects WHERE tenant_id = $1`, acme), "cascade: its data goes")
				assert.Empty(t, detached)
			} else {
				assert.Equal(t, 1, count(`SELECT count(*) FROM tenants WHERE id = $1 AND org_id IS NULL`, acme), "detach: the tenant row stays, without organization")
				assert.Equal(t, 1, count(`SELECT count(*) FROM projects WHERE tenant_id = $1`, acme), "detach: its data stays")
				assert.Equal(t, []tenant.ID{tenant.ID(acme)}, detached)
			}
			assert.Equal(t, 1, count(`SELECT count(*) FROM projects WHERE tenant_id = $1`, tenants["globex"]), "the other tenant is untouched")

			// Isolation holds for what stays: as the application role, globex
			// sees its own project only, acme's (detached) only its own.
			app := pool(t, db.AppURL)
			for org, want := range map[string][]string{"globex": {"globex project"}, "acme": map[string][]string{"detach": {"acme project"}, "cascade": {}}[mode]} {
				var got []string
				err := tenant.Run(tenant.WithID(ctx, tenant.ID(tenants[org])), tenant.NewDB(app), func(ctx context.Context, sc *tenant.Scope) error {
					rows, err := sc.Querier().Query(ctx, `SELECT name FROM projects ORDER BY name`)
					if err != nil {
						return err
					}
					got, err = pgx.CollectRows(rows, pgx.RowTo[string])
					return err
				})
				require.NoError(t, err)
				assert.Equal(t, want, got, "tenant %s sees only its own projects", org)
			}
		})
	}
}

// betterAuthSchema is orgstore's Better Auth schema bridged to tenants, as
// the generated store.go of store-better-auth-1.7.25 sets it.
func betterAuthSchema() orgstore.Schema {
	s := orgstore.BetterAuth()
	s.Tenants = orgstore.TenantsTable{Table: "tenants", ID: "id", OrganizationID: "org_id"}
	return s
}

// loginRole makes a login role for db named after it, with attrs, dropped
// before the database is; it returns the name and a URL connecting as it.
func loginRole(t *testing.T, db *pgtest.DB, suffix, attrs string) (string, string) {
	t.Helper()
	role, pass := db.Name+"_"+suffix, pgurl.RandomHex(16)
	db.Exec(t, db.AdminURL, fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER %s", role, pass, attrs))
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), db.AdminURL)
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), fmt.Sprintf("DROP OWNED BY %[1]s; DROP ROLE %[1]s", role)); err != nil {
			t.Errorf("drop role %s: %v", role, err)
		}
	})
	u, err := pgurl.With(db.AdminURL, url.UserPassword(role, pass), db.Name)
	require.NoError(t, err)
	return role, u
}

func pool(t *testing.T, connURL string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), connURL)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}
