package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/internal/pgtest"
	"github.com/tenantc/tenantc/tenant"
)

// The whole runtime through the setter function (WithSetterFunction), on
// plain PostgreSQL: what Citus needs must keep every guarantee set_config
// gives, so it is tested the same way.

// setterFunctionSQL is the setter function tenantc's migrations create for
// distribute: citus, copied here so that these tests do not depend on the
// generator.
const setterFunctionSQL = `
CREATE OR REPLACE FUNCTION public.tenantc_set_tenant(setting text, value text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog AS $tenantc$
BEGIN
    IF setting IS NULL OR setting !~ '^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)+$' THEN
        RAISE EXCEPTION 'tenantc: invalid setting name %', quote_nullable(setting) USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF value IS NULL OR value = '' THEN
        RAISE EXCEPTION 'tenantc: no tenant' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SET LOCAL citus.propagate_set_commands = 'local';
    EXECUTE format('SET LOCAL %s = %L', setting, value);
END
$tenantc$;
`

// notesSchema is a scoped table with a text tenant key, where every tenant
// string is a tenant: the policy must compare a hostile one verbatim.
const notesSchema = `
CREATE TABLE notes (
	tenant_key text NOT NULL DEFAULT NULLIF(current_setting('app.tenant_id', true), ''),
	body       text NOT NULL
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenantc_tenant_isolation ON notes AS PERMISSIVE FOR ALL
	USING (tenant_key = (SELECT NULLIF(current_setting('app.tenant_id', true), '')))
	WITH CHECK (tenant_key = (SELECT NULLIF(current_setting('app.tenant_id', true), '')));
`

// newSetterDatabase is newDatabase plus the setter function and notes,
// created by the Owner as a migration would, and granted to App.
func newSetterDatabase(t testing.TB) *pgtest.DB {
	t.Helper()
	pdb := newDatabase(t)
	pdb.Exec(t, pdb.OwnerURL, setterFunctionSQL+notesSchema)
	pdb.GrantApp(t)
	return pdb
}

func setterDB(pool *pgxpool.Pool) *tenant.DB {
	return tenant.NewDB(pool, tenant.WithSetterFunction(tenant.DefaultSetterFunction))
}

// setCounter counts the statements pgx sent that set a tenant, by way.
type setCounter struct{ setter, setConfig atomic.Int64 }

func (c *setCounter) see(sql string) {
	if strings.Contains(sql, "tenantc_set_tenant") {
		c.setter.Add(1)
	}
	if strings.Contains(sql, "set_config") {
		c.setConfig.Add(1)
	}
}

type setTracer struct{ c *setCounter }

func (tr setTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	tr.c.see(d.SQL)
	return ctx
}
func (setTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (setTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (tr setTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	tr.c.see(d.SQL)
}
func (setTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// newSetterPool is newPool with c (if not nil) counting how tenants are set.
func newSetterPool(t testing.TB, connURL string, mode pgx.QueryExecMode, maxConns int32, c *setCounter) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(connURL)
	require.NoError(t, err)
	cfg.MaxConns = maxConns
	cfg.ConnConfig.DefaultQueryExecMode = mode
	if c != nil {
		cfg.ConnConfig.Tracer = setTracer{c}
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool
}

// settingsLeft returns app.tenant_id and citus.propagate_set_commands as a
// fresh statement on pool sees them: what the connection's next user
// inherits ("" for unset).
func settingsLeft(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	var s string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT
		coalesce(current_setting('app.tenant_id', true), '') || coalesce(current_setting('citus.propagate_set_commands', true), '')`).Scan(&s))
	return s
}

// TestSetterEntryPoints: every entry point sets the tenant through the
// setter function, never set_config, and each tenant sees and writes its
// own rows only, in every exec mode.
func TestSetterEntryPoints(t *testing.T) {
	pdb := newSetterDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		var c setCounter
		pool := newSetterPool(t, pdb.AppURL, mode, 1, &c)
		db := setterDB(pool)
		sdb := tenant.NewSQLDB(stdlib.OpenDBFromPool(newSetterPool(t, pdb.AppURL, mode, 1, &c)),
			tenant.WithSetterFunction(tenant.DefaultSetterFunction))
		q := db.Scope().Querier()
		items := pgx.Identifier{"items"}
		for _, id := range tenants {
			ctx := tenant.WithID(context.Background(), id)
			// Fast path: Query, QueryRow, Exec.
			assert.Len(t, bodies(t, ctx, q, id), itemsPerTenant)
			var set string
			require.NoError(t, q.QueryRow(ctx, "SELECT current_setting('app.tenant_id')").Scan(&set))
			assert.Equal(t, string(id), set)
			tag, err := q.Exec(ctx, "INSERT INTO items (body) VALUES ('new:fast')")
			require.NoError(t, err)
			assert.EqualValues(t, 1, tag.RowsAffected())

			// Fast path batch and CopyFrom.
			batch := func() *pgx.Batch {
				b := &pgx.Batch{}
				b.Queue("SELECT count(*) FROM items WHERE body NOT LIKE 'new:%'")
				b.Queue("SELECT current_setting('app.tenant_id')")
				return b
			}
			br := q.SendBatch(ctx, batch())
			var n int
			require.NoError(t, br.QueryRow().Scan(&n))
			require.NoError(t, br.QueryRow().Scan(&set))
			require.NoError(t, br.Close())
			assert.Equal(t, itemsPerTenant, n)
			assert.Equal(t, string(id), set)
			copied, err := q.CopyFrom(ctx, items, []string{"body"}, pgx.CopyFromRows([][]any{{"new:copy"}, {"new:copy"}}))
			require.NoError(t, err)
			assert.EqualValues(t, 2, copied)

			// Run: the setter rides with the first statement (here a batch),
			// later statements and a CopyFrom run on the open transaction.
			err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				br := s.Querier().SendBatch(ctx, batch())
				require.NoError(t, br.QueryRow().Scan(&n))
				require.NoError(t, br.QueryRow().Scan(&set))
				require.NoError(t, br.Close())
				assert.Equal(t, itemsPerTenant, n)
				assert.Equal(t, string(id), set)
				if _, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ('new:run')"); err != nil {
					return err
				}
				_, err := s.Querier().CopyFrom(ctx, items, []string{"body"}, pgx.CopyFromRows([][]any{{"new:runcopy"}}))
				return err
			})
			require.NoError(t, err)
			err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				got := bodies(t, ctx, s.Querier(), id) // the first statement is a query
				assert.Len(t, got, itemsPerTenant+5)
				assert.Subset(t, got, []string{"new:fast", "new:copy", "new:run", "new:runcopy"})
				return nil
			})
			require.NoError(t, err)

			// database/sql.
			err = tenant.RunSQL(ctx, sdb, func(ctx context.Context, s *tenant.SQLScope) error {
				assert.Len(t, sqlBodies(t, ctx, s.Querier(), id), itemsPerTenant+5)
				_, err := s.Querier().ExecContext(ctx, "INSERT INTO items (body) VALUES ('new:sql')")
				return err
			})
			require.NoError(t, err)
			assert.Len(t, bodies(t, ctx, q, id), itemsPerTenant+6)
			assert.Empty(t, settingsLeft(t, pool), "the tenant outlived its transaction")

			_, err = q.Exec(ctx, "DELETE FROM items WHERE body LIKE 'new:%'") // for the next mode
			require.NoError(t, err)
		}
		assert.Zero(t, c.setConfig.Load(), "statements that called set_config")
		assert.Positive(t, c.setter.Load(), "statements that called the setter")
	})
}

// evilIDs are tenant ids a hostile client might get through a resolver of
// a text key: quotes, backslashes, statement breaks, dollar quotes, a
// format() directive. Each must arrive as the setting's value verbatim and
// run nothing.
var evilIDs = []tenant.ID{
	`x'; DROP TABLE items; --`,
	`o'brien`,
	`''`,
	`\'; SELECT 1; --`,
	`back\slash\\`,
	`E'\x27'`,
	`$tenantc$; DROP TABLE notes; $tenantc$`,
	`$$; RESET ROLE; $$`,
	`%s %L %I`,
	`"quoted"`,
	"new\nline; DROP TABLE items",
	tenantB + `'; SET LOCAL app.tenant_id = '` + tenantB,
}

// TestSetterHostile: through the setter, tenant A can neither read, change,
// move nor plant B's rows, and a hostile tenant id reaches the policy
// verbatim and runs nothing: on a uuid key the policy's cast fails closed,
// on a text key it selects exactly the rows of that string.
func TestSetterHostile(t *testing.T) {
	pdb := newSetterDatabase(t)
	var seed strings.Builder
	seed.WriteString("INSERT INTO notes VALUES ('victim', 'victim''s note');\n")
	for i, id := range evilIDs {
		fmt.Fprintf(&seed, "INSERT INTO notes VALUES (%s, 'note %d');\n", pgQuote(string(id)), i)
	}
	pdb.Exec(t, pdb.AdminURL, seed.String())
	admin := pgtest.Connect(t, pdb.AdminURL)
	count := func(table string) int {
		var n int
		require.NoError(t, admin.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
		return n
	}
	items, notes := count("items"), count("notes")

	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		pool := newSetterPool(t, pdb.AppURL, mode, 1, nil)
		db := setterDB(pool)
		q := db.Scope().Querier()
		ctx := tenant.WithID(context.Background(), tenantA)

		t.Run("A against B", func(t *testing.T) {
			readHostile(t, q.SendBatch(ctx, hostileBatch()))
			_, err := q.Exec(ctx, insertB, string(tenantB))
			assertRLS(t, err)
			_, err = q.Exec(ctx, "UPDATE items SET tenant_id = $1", string(tenantB)) // move A's rows to B
			assertRLS(t, err)
			err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				readHostile(t, s.Querier().SendBatch(ctx, hostileBatch()))
				_, err := s.Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"},
					pgx.CopyFromRows([][]any{{string(tenantB), "planted"}}))
				return err
			})
			assertRLS(t, err)
			assert.Empty(t, settingsLeft(t, pool))
		})

		t.Run("hostile ids on a uuid key", func(t *testing.T) {
			for _, id := range evilIDs {
				ctx := tenant.WithID(context.Background(), id)
				rows, err := q.Query(ctx, "SELECT body FROM items")
				if err == nil {
					for rows.Next() {
						t.Errorf("id %q read a row", id)
					}
					err = rows.Err()
				}
				assert.Equal(t, "22P02", sqlState(err), "id %q: want the policy's uuid cast to fail: %v", id, err)
				err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					_, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ('planted')")
					return err
				})
				assert.Equal(t, "22P02", sqlState(err), "id %q: %v", id, err)
			}
			assert.Empty(t, settingsLeft(t, pool))
		})

		t.Run("hostile ids on a text key", func(t *testing.T) {
			for i, id := range evilIDs {
				ctx := tenant.WithID(context.Background(), id)
				var key, body, set string
				n := 0
				err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					rows, err := s.Querier().Query(ctx, "SELECT tenant_key, body, current_setting('app.tenant_id') FROM notes")
					if err != nil {
						return err
					}
					for rows.Next() {
						n++
						if err := rows.Scan(&key, &body, &set); err != nil {
							return err
						}
					}
					return rows.Err()
				})
				require.NoError(t, err, "id %q", id)
				assert.Equal(t, 1, n, "id %q: rows seen", id)
				assert.Equal(t, string(id), key, "the row of another key")
				assert.Equal(t, string(id), set, "the setting is not the id verbatim")
				assert.Equal(t, fmt.Sprintf("note %d", i), body)

				// A write gets the verbatim key from the column default, and
				// cannot name another key.
				b := &pgx.Batch{}
				b.Queue("INSERT INTO notes (body) VALUES ('written') RETURNING tenant_key")
				b.Queue("DELETE FROM notes WHERE body = 'written'")
				br := q.SendBatch(ctx, b)
				require.NoError(t, br.QueryRow().Scan(&key))
				tag, err := br.Exec()
				require.NoError(t, err)
				require.NoError(t, br.Close())
				assert.Equal(t, string(id), key)
				assert.EqualValues(t, 1, tag.RowsAffected())
				_, err = q.Exec(ctx, "INSERT INTO notes VALUES ('victim', 'planted')")
				assertRLS(t, err)
				tag, err = q.Exec(ctx, "DELETE FROM notes WHERE tenant_key = 'victim'")
				require.NoError(t, err)
				assert.Zero(t, tag.RowsAffected())
			}
			assert.Empty(t, settingsLeft(t, pool))
		})
	})

	// Nothing any id carried ran as SQL: every table and row is still there.
	assert.Equal(t, items, count("items"))
	assert.Equal(t, notes, count("notes"))

	// The function itself refuses a setting name that is not one, whoever
	// calls it, and an empty or NULL tenant.
	app := pgtest.Connect(t, pdb.AppURL)
	for _, args := range [][]any{
		{"app.tenant_id = 'x'; DROP TABLE items; --", string(tenantA)},
		{"app.tenant_id TO DEFAULT", string(tenantA)},
		{"tenant_id", string(tenantA)},
		{"App.Tenant_id", string(tenantA)},
		{nil, string(tenantA)},
		{"app.tenant_id", ""},
		{"app.tenant_id", nil},
	} {
		_, err := app.Exec(context.Background(), "SELECT public.tenantc_set_tenant($1, $2)", args...)
		assert.Equal(t, "22023", sqlState(err), "%q: %v", args, err)
	}
	assert.Equal(t, items, count("items"))
}

// pgQuote is a string literal of s, standard_conforming_strings on.
func pgQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestSetterEndsWithTransaction: the tenant and citus.propagate_set_commands
// are transaction-local through the setter too: on a pool of one
// connection, the next use sees neither, after success and after an error
// in the middle of a batch or a transaction, which undoes the rest.
func TestSetterEndsWithTransaction(t *testing.T) {
	pdb := newSetterDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		pool := newSetterPool(t, pdb.AppURL, mode, 1, nil)
		db := setterDB(pool)
		// database/sql keeps its connection: its own pool, checked through it.
		sqlDB := stdlib.OpenDBFromPool(newSetterPool(t, pdb.AppURL, mode, 1, nil))
		sqlDB.SetMaxOpenConns(1)
		sdb := tenant.NewSQLDB(sqlDB, tenant.WithSetterFunction(tenant.DefaultSetterFunction))
		q := db.Scope().Querier()
		ctx := tenant.WithID(context.Background(), tenantA)
		failing := func() *pgx.Batch {
			b := &pgx.Batch{}
			b.Queue("INSERT INTO items (body) VALUES ('undone')")
			b.Queue("SELECT 1/0")
			b.Queue("INSERT INTO items (body) VALUES ('never')")
			return b
		}
		for name, use := range map[string]func() error{
			"fast path": func() error { _, err := q.Exec(ctx, "SELECT 1"); return err },
			"fast path, failing statement": func() error {
				_, err := q.Exec(ctx, "SELECT 1/0")
				return err
			},
			"fast batch, failing in the middle": func() error { return q.SendBatch(ctx, failing()).Close() },
			"Run, failing batch": func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					return s.Querier().SendBatch(ctx, failing()).Close()
				})
			},
			"Run, failing after a statement": func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					if _, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ('undone')"); err != nil {
						return err
					}
					_, err := s.Querier().Exec(ctx, "SELECT 1/0")
					return err
				})
			},
			"Run, fn failing": func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					if _, err := s.Querier().Exec(ctx, "INSERT INTO items (body) VALUES ('undone')"); err != nil {
						return err
					}
					return errors.New("fn failed")
				})
			},
			"RunSQL, failing statement": func() error {
				return tenant.RunSQL(ctx, sdb, func(ctx context.Context, s *tenant.SQLScope) error {
					if _, err := s.Querier().ExecContext(ctx, "INSERT INTO items (body) VALUES ('undone')"); err != nil {
						return err
					}
					_, err := s.Querier().ExecContext(ctx, "SELECT 1/0")
					return err
				})
			},
		} {
			err := use()
			if strings.Contains(name, "fail") {
				assert.Error(t, err, name)
			} else {
				assert.NoError(t, err, name)
			}
			assert.Empty(t, settingsLeft(t, pool), "%s: a setting outlived the transaction", name)
			var left string
			require.NoError(t, sqlDB.QueryRow(`SELECT coalesce(current_setting('app.tenant_id', true), '')
				|| coalesce(current_setting('citus.propagate_set_commands', true), '')`).Scan(&left))
			assert.Empty(t, left, "%s: a setting outlived the database/sql transaction", name)
			assert.Empty(t, bodies(t, tenant.WithID(ctx, tenantA), q, tenantA)[itemsPerTenant:], "%s: rows of a failed transaction", name)
		}
	})
}

// TestSetterConcurrency: many goroutines, each its own tenant, on a pool of
// few connections, mixing the fast path, batches and Run: no call sees a
// row of another tenant, and no connection keeps a tenant.
func TestSetterConcurrency(t *testing.T) {
	const (
		workers  = 24
		calls    = 40
		maxConns = 3
	)
	pdb := newSetterDatabase(t)
	// One tenant per worker, each with its own rows.
	ids := make([]tenant.ID, workers)
	var seed strings.Builder
	for w := range ids {
		ids[w] = tenant.ID(fmt.Sprintf("eeeeeeee-0000-4000-8000-%012d", w))
		fmt.Fprintf(&seed, "INSERT INTO tenants VALUES ('%s', 'w%d');\n", ids[w], w)
		for n := range itemsPerTenant {
			fmt.Fprintf(&seed, "INSERT INTO items (tenant_id, body) VALUES ('%s', 'w%d#%d');\n", ids[w], w, n)
		}
	}
	pdb.Exec(t, pdb.AdminURL, seed.String())
	pool := newSetterPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, maxConns, nil)
	db := setterDB(pool)
	q := db.Scope().Querier()

	var seen, foreign, failed atomic.Int64
	read := func(ctx context.Context, q tenant.Querier, want tenant.ID) error {
		rows, err := q.Query(ctx, "SELECT tenant_id::text FROM items")
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			var tid string
			if err := rows.Scan(&tid); err != nil {
				return err
			}
			n++
			if tid != string(want) {
				foreign.Add(1)
			}
		}
		seen.Add(int64(n))
		if err := rows.Err(); err != nil {
			return err
		}
		if n != itemsPerTenant {
			return fmt.Errorf("tenant %s saw %d rows", want, n)
		}
		return nil
	}
	var wg sync.WaitGroup
	for w, id := range ids {
		wg.Go(func() {
			ctx := tenant.WithID(context.Background(), id)
			for i := range calls {
				var err error
				switch (w + i) % 3 {
				case 0:
					err = read(ctx, q, id)
				case 1:
					err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
						if err := read(ctx, s.Querier(), id); err != nil {
							return err
						}
						return read(ctx, s.Querier(), id)
					})
				case 2:
					b := &pgx.Batch{}
					b.Queue("SELECT count(*) FILTER (WHERE tenant_id <> $1), count(*) FROM items", string(id))
					var other, all int64
					br := q.SendBatch(ctx, b)
					if err = br.QueryRow().Scan(&other, &all); err == nil && (other != 0 || all != itemsPerTenant) {
						err = fmt.Errorf("batch of %s: %d foreign rows of %d", id, other, all)
					}
					if cerr := br.Close(); err == nil {
						err = cerr
					}
					foreign.Add(other)
				}
				if err != nil {
					failed.Add(1)
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Zero(t, foreign.Load(), "rows of another tenant")
	assert.Zero(t, failed.Load())
	assert.Positive(t, seen.Load())
	// Every connection of the pool, held at once: none has a tenant left.
	var conns []*pgxpool.Conn
	for range maxConns {
		c, err := pool.Acquire(context.Background())
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for _, c := range conns {
		var s string
		require.NoError(t, c.QueryRow(context.Background(), "SELECT coalesce(current_setting('app.tenant_id', true), '')").Scan(&s))
		assert.Empty(t, s)
		c.Release()
	}
}

// TestSetterMissing: a setter function that is missing, or that the role
// may not call, fails every statement loudly (never zero rows), and Verify
// names the problem and the fix at start-up.
func TestSetterMissing(t *testing.T) {
	ctx := tenant.WithID(context.Background(), tenantA)
	// each uses db and sdb every way and returns the errors.
	each := func(db *tenant.DB, sdb *tenant.SQLDB) map[string]error {
		q := db.Scope().Querier()
		errs := map[string]error{}
		rows, err := q.Query(ctx, "SELECT body FROM items")
		if err == nil {
			for rows.Next() {
				t.Error("read a row without a tenant set")
			}
			err = rows.Err()
		}
		errs["fast Query"] = err
		_, errs["fast Exec"] = q.Exec(ctx, "INSERT INTO items (body) VALUES ('x')")
		errs["fast QueryRow"] = q.QueryRow(ctx, "SELECT count(*) FROM items").Scan(new(int))
		b := &pgx.Batch{}
		b.Queue("SELECT count(*) FROM items")
		errs["fast SendBatch"] = q.SendBatch(ctx, b).Close()
		_, errs["fast CopyFrom"] = q.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, pgx.CopyFromRows([][]any{{"x"}}))
		errs["Run"] = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
			return s.Querier().QueryRow(ctx, "SELECT count(*) FROM items").Scan(new(int))
		})
		errs["RunSQL"] = tenant.RunSQL(ctx, sdb, func(ctx context.Context, s *tenant.SQLScope) error {
			return s.Querier().QueryRowContext(ctx, "SELECT count(*) FROM items").Scan(new(int))
		})
		return errs
	}
	newDBs := func(t *testing.T, url, setter string) (*tenant.DB, *tenant.SQLDB) {
		pool := newSetterPool(t, url, pgx.QueryExecModeCacheStatement, 2, nil)
		return tenant.NewDB(pool, tenant.WithSetterFunction(setter)),
			tenant.NewSQLDB(stdlib.OpenDBFromPool(pool), tenant.WithSetterFunction(setter))
	}

	t.Run("present: Verify passes and tells the mode", func(t *testing.T) {
		pdb := newSetterDatabase(t)
		db, sdb := newDBs(t, pdb.AppURL, tenant.DefaultSetterFunction)
		assert.NoError(t, tenant.Verify(ctx, db))
		assert.NoError(t, tenant.VerifySQL(ctx, sdb))
		assert.Equal(t, tenant.DefaultSetterFunction, db.SetterFunction())
		assert.Equal(t, tenant.DefaultSetterFunction, sdb.SetterFunction())
		pool := newSetterPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil)
		plain := tenant.NewDB(pool)
		assert.Empty(t, plain.SetterFunction())
		assert.NoError(t, tenant.Verify(ctx, plain), "set_config on plain PostgreSQL")
		unqualified := tenant.NewDB(pool, tenant.WithSetterFunction("tenantc_set_tenant"))
		assert.NoError(t, tenant.Verify(ctx, unqualified), "unqualified, found through the search_path")
		assert.Len(t, bodies(t, ctx, unqualified.Scope().Querier(), tenantA), itemsPerTenant)
	})
	t.Run("missing", func(t *testing.T) {
		pdb := newDatabase(t) // no function
		db, sdb := newDBs(t, pdb.AppURL, tenant.DefaultSetterFunction)
		for way, err := range each(db, sdb) {
			assert.Equal(t, "42883", sqlState(err), "%s: want undefined_function: %v", way, err)
		}
		for _, err := range []error{tenant.Verify(ctx, db), tenant.VerifySQL(ctx, sdb)} {
			assert.ErrorContains(t, err, "setter function public.tenantc_set_tenant(text, text) does not exist")
			assert.ErrorContains(t, err, "distribute: citus")
			assert.NotErrorIs(t, err, tenant.ErrUnsafeRole)
		}
	})
	t.Run("another signature", func(t *testing.T) {
		pdb := newDatabase(t)
		pdb.Exec(t, pdb.OwnerURL, `CREATE FUNCTION public.tenantc_set_tenant(setting text, value uuid) RETURNS void
			LANGUAGE sql AS $$ SELECT set_config(setting, value::text, true) $$;`)
		db, _ := newDBs(t, pdb.AppURL, tenant.DefaultSetterFunction)
		assert.ErrorContains(t, tenant.Verify(ctx, db), "public.tenantc_set_tenant(text, text) does not exist")
		_, err := db.Scope().Querier().Exec(ctx, "SELECT 1")
		assert.Equal(t, "42883", sqlState(err), "the casts pick (text, text) only: %v", err)
	})
	t.Run("not executable", func(t *testing.T) {
		pdb := newSetterDatabase(t)
		pdb.Exec(t, pdb.OwnerURL, fmt.Sprintf(`REVOKE EXECUTE ON FUNCTION public.tenantc_set_tenant(text, text) FROM PUBLIC, %s;`, pdb.App))
		db, sdb := newDBs(t, pdb.AppURL, tenant.DefaultSetterFunction)
		for way, err := range each(db, sdb) {
			assert.Equal(t, "42501", sqlState(err), "%s: want insufficient_privilege: %v", way, err)
		}
		assert.ErrorContains(t, tenant.Verify(ctx, db), "may not call setter function public.tenantc_set_tenant(text, text): "+
			"it lacks EXECUTE (GRANT EXECUTE ON FUNCTION public.tenantc_set_tenant(text, text) TO <role>)")
	})
	t.Run("schema not usable", func(t *testing.T) {
		pdb := newDatabase(t)
		pdb.Exec(t, pdb.OwnerURL, "CREATE SCHEMA private;\n"+strings.ReplaceAll(setterFunctionSQL, "public.", "private."))
		db, sdb := newDBs(t, pdb.AppURL, "private.tenantc_set_tenant")
		for way, err := range each(db, sdb) {
			assert.Equal(t, "42501", sqlState(err), "%s: want insufficient_privilege: %v", way, err)
		}
		assert.ErrorContains(t, tenant.Verify(ctx, db), "it lacks USAGE on its schema (GRANT USAGE ON SCHEMA private TO <role>)")
	})
}

// TestSetterRoundTrips: the setter rides where set_config rode: the fast
// path (a statement, a batch, a CopyFrom) costs what the bare statement
// costs, Run one more (COMMIT); and its text is prepared once per
// connection, whatever the tenant.
func TestSetterRoundTrips(t *testing.T) {
	pdb := newSetterDatabase(t)
	const query = "SELECT body FROM items ORDER BY id"
	const plain = "SELECT body FROM plain_items WHERE tenant_id = $1 ORDER BY id"
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		var c counters
		pool := newPool(t, pdb.AppURL, mode, 1, &c)
		db := setterDB(pool)
		ctx := tenant.WithID(context.Background(), tenantA)
		collect := func(rows pgx.Rows, err error) error {
			if err != nil {
				return err
			}
			_, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		}
		batch := func() *pgx.Batch {
			b := &pgx.Batch{}
			b.Queue(query)
			b.Queue(query)
			return b
		}
		ways := []struct {
			name string
			run  func() error
		}{
			{"bare", func() error { return collect(pool.Query(ctx, plain, string(tenantA))) }},
			{"fast", func() error { return collect(db.Scope().Querier().Query(ctx, query)) }},
			{"fast batch", func() error { return db.Scope().Querier().SendBatch(ctx, batch()).Close() }},
			{"fast CopyFrom", func() error {
				_, err := db.Scope().Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"},
					pgx.CopyFromRows([][]any{{"copied"}, {"copied"}}))
				return err
			}},
			{"Run", func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					return collect(s.Querier().Query(ctx, query))
				})
			}},
		}
		trips := map[string]int64{}
		for _, w := range ways {
			require.NoError(t, w.run())
			require.NoError(t, w.run())
			c.reset()
			require.NoError(t, w.run())
			trips[w.name] = c.trips.Load()
			t.Logf("%-14s %d round trips", w.name, trips[w.name])
		}
		assert.Equal(t, trips["bare"], trips["fast"])
		assert.Equal(t, trips["bare"], trips["fast batch"])
		assert.Equal(t, trips["bare"], trips["fast CopyFrom"])
		assert.Equal(t, trips["fast"]+1, trips["Run"])
		if mode != pgx.QueryExecModeDescribeExec {
			assert.EqualValues(t, 1, trips["fast"])
			assert.EqualValues(t, 2, trips["Run"])
		}

		if mode == pgx.QueryExecModeCacheStatement {
			for _, id := range tenants {
				require.NoError(t, collect(db.Scope().Querier().Query(tenant.WithID(ctx, id), query)))
			}
			var n int
			// The name is a parameter: this statement is prepared too.
			require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements
				WHERE strpos(statement, $1) > 0`, "tenantc_set_tenant").Scan(&n))
			assert.Equal(t, 1, n, "setter statements prepared on the connection")
		}
	})
}

// TestWithSetterFunction: the name is one or two lower-case identifiers;
// anything else is an error of every use, before anything is sent.
func TestWithSetterFunction(t *testing.T) {
	long := strings.Repeat("f", 63)
	for name, valid := range map[string]bool{
		"public.tenantc_set_tenant": true, "tenantc_set_tenant": true, "s1._f2": true, long: true, "app." + long: true,
		"": false, "a.b.c": false, "public.": false, ".f": false, "Public.f": false, "public.F": false, "1s.f": false,
		"s.1f": false, long + "f": false, "f()": false, `"f"`: false, "f; DROP TABLE items": false, "s.f-g": false, "s .f": false,
	} {
		pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none") // never dialled
		require.NoError(t, err)
		db := tenant.NewDB(pool, tenant.WithSetterFunction(name))
		ctx := tenant.WithID(context.Background(), tenantA)
		errs := []error{
			tenant.Verify(ctx, db),
			tenant.Run(ctx, db, func(context.Context, *tenant.Scope) error { return nil }),
			tenant.RunSQL(ctx, tenant.NewSQLDB(stdlib.OpenDBFromPool(pool), tenant.WithSetterFunction(name)),
				func(context.Context, *tenant.SQLScope) error { return nil }),
		}
		_, err = db.Scope().Querier().Exec(ctx, "SELECT 1")
		errs = append(errs, err)
		_, err = db.Scope().TenantID(ctx)
		errs = append(errs, err)
		pool.Close()
		for _, err := range errs {
			if valid {
				if err != nil {
					assert.NotContains(t, err.Error(), "invalid setter function name", name) // fails later, dialling
				}
				assert.Equal(t, name, db.SetterFunction())
			} else {
				assert.ErrorContains(t, err, "invalid setter function name", name)
				assert.Empty(t, db.SetterFunction())
			}
		}
	}
}

// TestSetterFastPathErrors: with a setter function the fast path's batch is
// BEGIN … COMMIT (see fastHead). A failing statement leaves that
// transaction failed, and the runtime rolls it back before releasing the
// connection: the connection is kept, not destroyed, with nothing of the
// tenant left; the error costs one round trip more. A batch's results stop
// at the caller's statements.
func TestSetterFastPathErrors(t *testing.T) {
	pdb := newSetterDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		var c counters
		pool := newPool(t, pdb.AppURL, mode, 1, &c)
		db := setterDB(pool)
		q := db.Scope().Querier()
		ctx := tenant.WithID(context.Background(), tenantA)
		var pid int
		require.NoError(t, pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid))
		failing := map[string]func() error{
			"Exec": func() error { _, err := q.Exec(ctx, "SELECT 1/0"); return err },
			"Query": func() error {
				rows, err := q.Query(ctx, "SELECT 1/0")
				if err == nil {
					for rows.Next() {
					}
					err = rows.Err()
				}
				return err
			},
			"QueryRow": func() error { return q.QueryRow(ctx, "SELECT 1/0").Scan(new(int)) },
			"SendBatch": func() error {
				b := &pgx.Batch{}
				b.Queue("SELECT 1")
				b.Queue("SELECT 1/0")
				b.Queue("SELECT 1")
				return q.SendBatch(ctx, b).Close()
			},
			"CopyFrom": func() error {
				_, err := q.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"},
					pgx.CopyFromRows([][]any{{string(tenantB), "planted"}}))
				return err
			},
		}
		for name, f := range failing {
			assert.Error(t, f(), name) // warm-up: pgx describes a new statement first
			c.reset()
			assert.Error(t, f(), name)
			switch mode {
			case pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol:
				assert.EqualValues(t, 2, c.trips.Load(), "%s: the batch, then ROLLBACK", name)
			default:
				// pgx drops a failed batch's statements from its caches, so it
				// prepares them again and deallocates the old ones (before
				// ROLLBACK here): round trips set_config's batch pays too.
				t.Logf("%s: %d round trips", name, c.trips.Load())
			}
			var now int
			require.NoError(t, pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&now))
			assert.Equal(t, pid, now, "%s: the connection was replaced", name)
			assert.Empty(t, settingsLeft(t, pool), name)
		}
		assert.Len(t, bodies(t, ctx, q, tenantA), itemsPerTenant)

		b := &pgx.Batch{}
		b.Queue("SELECT 1")
		br := q.SendBatch(ctx, b)
		_, err := br.Exec()
		require.NoError(t, err)
		_, err = br.Exec()
		assert.ErrorContains(t, err, "no more results in batch", "the scope's COMMIT is not the caller's")
		require.NoError(t, br.Close())
		require.NoError(t, br.Close(), "Close twice")
		assert.Empty(t, settingsLeft(t, pool))
	})
}

// TestSetterCancellation hammers the setter's fast path (whose batch is
// BEGIN … COMMIT) with contexts cancelled at random moments, failing
// statements mixed in: no call sees another tenant's rows, and no pooled
// connection keeps a tenant or an open transaction.
func TestSetterCancellation(t *testing.T) {
	const (
		workers  = 16
		calls    = 150
		maxConns = 2
	)
	pdb := newSetterDatabase(t)
	pool := newSetterPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, maxConns, nil)
	db := setterDB(pool)
	q := db.Scope().Querier()
	var foreign, cancelled atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			id := tenants[w%len(tenants)]
			for i := range calls {
				ctx, cancel := context.WithCancel(tenant.WithID(context.Background(), id))
				if i%3 == 0 {
					time.AfterFunc(time.Duration((w*7+i*13)%2000)*time.Microsecond, cancel)
				}
				var err error
				if i%5 == 0 {
					b := &pgx.Batch{}
					b.Queue("SELECT count(*) FROM items WHERE tenant_id <> $1", string(id))
					b.Queue("SELECT 1/0")
					err = q.SendBatch(ctx, b).Close()
				} else {
					var other int64
					err = q.QueryRow(ctx, "SELECT count(*) FROM items WHERE tenant_id <> $1", string(id)).Scan(&other)
					foreign.Add(other)
				}
				if ctx.Err() != nil {
					cancelled.Add(1)
				} else if err != nil && i%5 != 0 {
					t.Errorf("tenant %s: %v", id, err)
				}
				cancel()
			}
		})
	}
	wg.Wait()
	assert.Zero(t, foreign.Load(), "rows of another tenant")
	t.Logf("%d calls cancelled", cancelled.Load())
	var conns []*pgxpool.Conn
	for range maxConns {
		c, err := pool.Acquire(context.Background())
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for _, c := range conns {
		var s string
		require.NoError(t, c.QueryRow(context.Background(), "SELECT coalesce(current_setting('app.tenant_id', true), '')").Scan(&s))
		assert.Empty(t, s)
		assert.Equal(t, byte('I'), c.Conn().PgConn().TxStatus())
		c.Release()
	}
}
