package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

// hostileBatch is what a hostile tenant A sends in one batch, each statement
// aimed at B's rows. Its results are read in order by readHostile.
func hostileBatch() *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue("SELECT tenant_id::text, body FROM items WHERE tenant_id = $1", string(tenantB)) // read
	b.Queue("UPDATE items SET body = 'owned' WHERE tenant_id = $1", string(tenantB))         // update
	b.Queue("DELETE FROM items WHERE tenant_id = $1", string(tenantB))                       // delete
	b.Queue("SELECT count(*) FROM items")                                                    // A's own rows only
	return b
}

func readHostile(t *testing.T, br pgx.BatchResults) {
	t.Helper()
	rows, err := br.Query()
	require.NoError(t, err)
	n := 0
	for rows.Next() {
		n++
	}
	require.NoError(t, rows.Err())
	assert.Zero(t, n, "A's batch read B's rows")
	tag, err := br.Exec()
	require.NoError(t, err)
	assert.Zero(t, tag.RowsAffected(), "A's batch updated B's rows")
	tag, err = br.Exec()
	require.NoError(t, err)
	assert.Zero(t, tag.RowsAffected(), "A's batch deleted B's rows")
	var count int
	require.NoError(t, br.QueryRow().Scan(&count))
	assert.Equal(t, itemsPerTenant, count)
	require.NoError(t, br.Close())
}

// insertB is an INSERT of a row for B, which the policy's WITH CHECK refuses
// to A.
const insertB = "INSERT INTO items (tenant_id, body) VALUES ($1, 'planted')"

func TestBatchIsolation(t *testing.T) {
	pdb := newDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		pool := newPool(t, pdb.AppURL, mode, 1, nil)
		db := tenant.NewDB(pool)
		ctx := tenant.WithID(context.Background(), tenantA)

		t.Run("fast path", func(t *testing.T) {
			readHostile(t, db.Scope().Querier().SendBatch(ctx, hostileBatch()))
			assert.Empty(t, setting(t, pool), "the tenant outlived the batch")

			b := &pgx.Batch{}
			b.Queue("INSERT INTO items (body) VALUES ('mine')")
			b.Queue(insertB, string(tenantB))
			br := db.Scope().Querier().SendBatch(ctx, b)
			_, err := br.Exec()
			require.NoError(t, err)
			_, err = br.Exec()
			assertRLS(t, err)
			assertRLS(t, br.Close())
			assert.Empty(t, setting(t, pool))
		})
		t.Run("Run", func(t *testing.T) {
			err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
				readHostile(t, s.Querier().SendBatch(ctx, hostileBatch())) // first statement: carries BEGIN
				readHostile(t, s.Querier().SendBatch(ctx, hostileBatch())) // later: on the open transaction
				b := &pgx.Batch{}
				b.Queue(insertB, string(tenantB))
				return s.Querier().SendBatch(ctx, b).Close()
			})
			assertRLS(t, err)
			assert.Empty(t, setting(t, pool))
		})
		// Nothing of either attempt reached B's rows, and the one row A
		// inserted in the failed batch was rolled back with it.
		assert.ElementsMatch(t, []string{string(tenantB) + "#0", string(tenantB) + "#1", string(tenantB) + "#2"},
			bodies(t, tenant.WithID(context.Background(), tenantB), db.Scope().Querier(), tenantB))
		assert.Len(t, bodies(t, ctx, db.Scope().Querier(), tenantA), itemsPerTenant)
	})
}

func assertRLS(t *testing.T, err error) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "42501", pgErr.Code, "want the policy's refusal: %v", err)
}

func TestCopyFromIsolation(t *testing.T) {
	pdb := newDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		pool := newPool(t, pdb.AppURL, mode, 1, nil)
		db := tenant.NewDB(pool)
		ctx := tenant.WithID(context.Background(), tenantA)
		items := pgx.Identifier{"items"}

		// Rows naming another tenant: refused, none inserted.
		hostile := [][]any{{string(tenantA), "copied"}, {string(tenantB), "planted"}}
		_, err := db.Scope().Querier().CopyFrom(ctx, items, []string{"tenant_id", "body"}, pgx.CopyFromRows(hostile))
		assertRLS(t, err)
		assert.Empty(t, setting(t, pool))
		err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
			_, err := s.Querier().CopyFrom(ctx, items, []string{"tenant_id", "body"}, pgx.CopyFromRows(hostile))
			return err
		})
		assertRLS(t, err)

		// Rows without the tenant column get the scope's from its default.
		n, err := db.Scope().Querier().CopyFrom(ctx, items, []string{"body"}, pgx.CopyFromRows([][]any{{"c1"}, {"c2"}}))
		require.NoError(t, err)
		assert.EqualValues(t, 2, n)
		err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
			n, err := s.Querier().CopyFrom(ctx, items, []string{"body"}, pgx.CopyFromRows([][]any{{"c3"}}))
			assert.EqualValues(t, 1, n)
			return err
		})
		require.NoError(t, err)
		assert.Empty(t, setting(t, pool))
		got := bodies(t, ctx, db.Scope().Querier(), tenantA)
		assert.Subset(t, got, []string{"c1", "c2", "c3"})
		assert.NotContains(t, got, "copied")
		assert.Len(t, bodies(t, tenant.WithID(context.Background(), tenantB), db.Scope().Querier(), tenantB), itemsPerTenant)

		// Clean up for the next mode, as A.
		_, err = db.Scope().Querier().Exec(ctx, "DELETE FROM items WHERE body IN ('c1', 'c2', 'c3')")
		require.NoError(t, err)
	})
}

// TestBatchFailClosed: without a tenant nothing is acquired or sent; a
// set_config that fails skips every statement of the batch.
func TestBatchFailClosed(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, &c)
	db := tenant.NewDB(pool)
	q := db.Scope().Querier()
	ctx := context.Background()

	br := q.SendBatch(ctx, hostileBatch())
	_, err := br.Exec()
	assert.ErrorIs(t, err, tenant.ErrNoTenant)
	rows, err := br.Query()
	assert.ErrorIs(t, err, tenant.ErrNoTenant)
	assert.False(t, rows.Next())
	assert.ErrorIs(t, br.QueryRow().Scan(new(int)), tenant.ErrNoTenant)
	assert.ErrorIs(t, br.Close(), tenant.ErrNoTenant)
	_, err = q.CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, pgx.CopyFromRows([][]any{{"x"}}))
	assert.ErrorIs(t, err, tenant.ErrNoTenant)
	assert.Zero(t, c.trips.Load(), "round trips")
	assert.Zero(t, pool.Stat().AcquireCount(), "connections acquired")

	// A batch that begins its own transaction is refused before sending.
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	b.Queue("DELETE FROM items")
	tctx := tenant.WithID(ctx, tenantA)
	assert.ErrorContains(t, q.SendBatch(tctx, b).Close(), "begins a transaction")
	assert.Zero(t, c.trips.Load(), "round trips")

	// plpgsql.variable_conflict, once plpgsql is loaded on the connection,
	// refuses a tenant id as its value: set_config fails, and the INSERT
	// queued after it, into a table without RLS, must not run.
	_, err = pool.Exec(ctx, "DO $$ BEGIN END $$")
	require.NoError(t, err)
	bad := tenant.NewDB(pool, tenant.WithSetting("plpgsql.variable_conflict"))
	b = &pgx.Batch{}
	b.Queue("INSERT INTO plain_items VALUES ($1, 99, 'ran')", string(tenantA))
	br = bad.Scope().Querier().SendBatch(tctx, b)
	_, err = br.Exec()
	require.Error(t, err)
	assert.ErrorContains(t, err, "variable_conflict")
	assert.Error(t, br.Close())
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM plain_items WHERE id = 99").Scan(&n))
	assert.Zero(t, n, "a statement ran after set_config failed")
}

// TestBatchRoundTrips: a fast-path batch costs what the bare batch costs;
// in Run it adds nothing but COMMIT (first statement) or nothing at all
// (later). CopyFrom costs what a batch costs.
func TestBatchRoundTrips(t *testing.T) {
	pdb := newDatabase(t)
	const plain = "SELECT body FROM plain_items WHERE tenant_id = $1 AND id = $2"
	const scoped = "SELECT body FROM items WHERE id = $1"
	sysURL := newRole(t, pdb, "sys", "BYPASSRLS")
	sysRow := 1000 // plain_items ids of System's copies
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		var c, sc counters
		pool := newPool(t, pdb.AppURL, mode, 1, &c)
		sys := tenant.NewSystemDB(newPool(t, sysURL, mode, 1, &sc))
		db := tenant.NewDB(pool)
		ctx := tenant.WithID(context.Background(), tenantA)
		batch := func(sql string, tenantArg bool) *pgx.Batch {
			b := &pgx.Batch{}
			for i := range 3 {
				if tenantArg {
					b.Queue(sql, string(tenantA), i)
				} else {
					b.Queue(sql, i)
				}
			}
			return b
		}
		rows := func() pgx.CopyFromSource {
			return pgx.CopyFromRows([][]any{{"r1"}, {"r2"}, {"r3"}})
		}
		ways := []struct {
			name string
			c    *counters
			run  func() error
		}{
			{"bare batch, no tenant (baseline)", &c, func() error {
				return pool.SendBatch(ctx, batch(plain, true)).Close()
			}},
			{"fast path batch", &c, func() error {
				return db.Scope().Querier().SendBatch(ctx, batch(scoped, false)).Close()
			}},
			{"Run, one batch", &c, func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					return s.Querier().SendBatch(ctx, batch(scoped, false)).Close()
				})
			}},
			{"Run, a statement", &c, func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					_, err := s.Querier().Exec(ctx, "SELECT 1")
					return err
				})
			}},
			{"Run, a statement then a batch", &c, func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					if _, err := s.Querier().Exec(ctx, "SELECT 1"); err != nil {
						return err
					}
					return s.Querier().SendBatch(ctx, batch(scoped, false)).Close()
				})
			}},
			{"fast path CopyFrom", &c, func() error {
				_, err := db.Scope().Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, rows())
				return err
			}},
			{"Run, one CopyFrom", &c, func() error {
				return tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
					_, err := s.Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, rows())
					return err
				})
			}},
			{"System, one CopyFrom (real COPY)", &sc, func() error {
				return tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
					_, err := s.Querier().CopyFrom(ctx, pgx.Identifier{"plain_items"}, []string{"tenant_id", "id", "body"},
						pgx.CopyFromRows([][]any{{string(tenantD), sysRow, "sys"}}))
					sysRow++
					return err
				})
			}},
		}
		trips := map[string]int64{}
		for _, w := range ways {
			require.NoError(t, w.run(), w.name) // warm-up
			require.NoError(t, w.run(), w.name)
			w.c.reset()
			require.NoError(t, w.run(), w.name)
			trips[w.name] = w.c.trips.Load()
			t.Logf("%-36s %d round trips", w.name, trips[w.name])
		}
		bare := trips[ways[0].name]
		assert.Equal(t, bare, trips["fast path batch"], "set_config rides in the batch")
		assert.Equal(t, bare+1, trips["Run, one batch"], "BEGIN and set_config ride in the batch, COMMIT follows")
		assert.Equal(t, trips["Run, a statement"]+bare, trips["Run, a statement then a batch"], "a later batch in Run costs the bare batch")
		assert.Equal(t, bare, trips["fast path CopyFrom"])
		assert.Equal(t, bare+1, trips["Run, one CopyFrom"])
		if mode != pgx.QueryExecModeDescribeExec {
			assert.EqualValues(t, 1, trips["fast path batch"])
			assert.EqualValues(t, 2, trips["Run, one batch"])
			assert.EqualValues(t, 1, trips["fast path CopyFrom"])
		}
	})
}

// TestBatchConcurrentTenants: tenants batching at once on a pool of two
// connections. Every row records the tenant its batch was sent for and the
// setting it ran under; every read sees its own tenant's rows only.
func TestBatchConcurrentTenants(t *testing.T) {
	const workers, rounds = 8, 20
	pdb := newDatabase(t)
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 2, nil)
	db := tenant.NewDB(pool)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := tenants[w%2]
			ctx := tenant.WithID(context.Background(), id)
			for r := range rounds {
				b := &pgx.Batch{}
				b.Queue("INSERT INTO items (body) VALUES ($1 || '/' || current_setting('app.tenant_id', true))", string(id))
				b.Queue("SELECT count(*) FROM items WHERE tenant_id <> $1", string(id))
				run := func(q tenant.Querier) error {
					br := q.SendBatch(ctx, b)
					if _, err := br.Exec(); err != nil {
						br.Close()
						return err
					}
					var others int
					if err := br.QueryRow().Scan(&others); err != nil {
						br.Close()
						return err
					}
					if others != 0 {
						br.Close()
						return fmt.Errorf("tenant %s saw %d rows of others", id, others)
					}
					return br.Close()
				}
				var err error
				if r%2 == 0 {
					err = run(db.Scope().Querier())
				} else {
					err = tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error { return run(s.Querier()) })
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var mismatched, total int
	admin := pgxConnect(t, pdb.AdminURL)
	require.NoError(t, admin.QueryRow(context.Background(),
		`SELECT count(*) FILTER (WHERE body <> tenant_id::text || '/' || tenant_id::text), count(*)
		FROM items WHERE body LIKE '%/%'`).Scan(&mismatched, &total))
	assert.Zero(t, mismatched, "rows written under another tenant's setting")
	assert.Equal(t, workers*rounds, total)
	assert.Empty(t, setting(t, pool))
}

func pgxConnect(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// TestBatchAfterRun: batch results that outlive Run answer ErrScopeClosed
// instead of reading a connection back in the pool; a batch sent after Run
// is refused.
func TestBatchAfterRun(t *testing.T) {
	pdb := newDatabase(t)
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, nil)
	db := tenant.NewDB(pool)
	ctx := tenant.WithID(context.Background(), tenantA)
	var kept pgx.BatchResults
	var scope *tenant.Scope
	err := tenant.Run(ctx, db, func(ctx context.Context, s *tenant.Scope) error {
		scope = s
		kept = s.Querier().SendBatch(ctx, hostileBatch())
		return nil
	})
	require.Error(t, err, "COMMIT with the batch unread fails")
	_, err = kept.Exec()
	assert.ErrorIs(t, err, tenant.ErrScopeClosed)
	assert.ErrorIs(t, kept.Close(), tenant.ErrScopeClosed)
	assert.ErrorIs(t, scope.Querier().SendBatch(ctx, hostileBatch()).Close(), tenant.ErrScopeClosed)
	_, err = scope.Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"body"}, pgx.CopyFromRows([][]any{{"late"}}))
	assert.ErrorIs(t, err, tenant.ErrScopeClosed)
	assert.Empty(t, setting(t, pool))
	assert.Len(t, bodies(t, ctx, db.Scope().Querier(), tenantA), itemsPerTenant)
}

// TestSystemBatchAndCopy: System's batch and its real COPY reach every
// tenant's rows, as its other statements do.
func TestSystemBatchAndCopy(t *testing.T) {
	pdb := newDatabase(t)
	sys := tenant.NewSystemDB(newPool(t, newRole(t, pdb, "sys", "BYPASSRLS"), pgx.QueryExecModeCacheStatement, 1, nil))
	ctx := context.Background()
	err := tenant.System(ctx, sys, func(ctx context.Context, s *tenant.Scope) error {
		n, err := s.Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"},
			pgx.CopyFromRows([][]any{{string(tenantA), "sysA"}, {string(tenantB), "sysB"}}))
		if err != nil {
			return err
		}
		assert.EqualValues(t, 2, n)
		b := &pgx.Batch{}
		b.Queue("SELECT count(*) FROM items")
		b.Queue("SELECT count(DISTINCT tenant_id) FROM items WHERE body LIKE 'sys%'")
		br := s.Querier().SendBatch(ctx, b)
		var all, distinct int
		if err := br.QueryRow().Scan(&all); err != nil {
			return errors.Join(err, br.Close())
		}
		if err := br.QueryRow().Scan(&distinct); err != nil {
			return errors.Join(err, br.Close())
		}
		assert.Equal(t, len(tenants)*itemsPerTenant+2, all)
		assert.Equal(t, 2, distinct)
		return br.Close()
	})
	require.NoError(t, err)
}

// TestCopyFromChunks: 250 rows travel as two INSERTs of 100 rows and 50 of
// one; a row of another tenant anywhere refuses the whole copy. The source
// reuses one slice for every row, as pgx.CopyFromFunc sources may.
func TestCopyFromChunks(t *testing.T) {
	pdb := newDatabase(t)
	var c counters
	pool := newPool(t, pdb.AppURL, pgx.QueryExecModeCacheStatement, 1, &c)
	db := tenant.NewDB(pool)
	ctx := tenant.WithID(context.Background(), tenantA)
	source := func(rows int, hostileAt int) pgx.CopyFromSource {
		row := make([]any, 2)
		i := 0
		return pgx.CopyFromFunc(func() ([]any, error) {
			if i == rows {
				return nil, nil
			}
			i++
			row[0], row[1] = string(tenantA), fmt.Sprintf("chunk-%d", i)
			if i == hostileAt {
				row[0] = string(tenantB)
			}
			return row, nil
		})
	}
	for _, at := range []int{1, 150, 250} {
		_, err := db.Scope().Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"}, source(250, at))
		assertRLS(t, err)
	}
	assert.Len(t, bodies(t, ctx, db.Scope().Querier(), tenantA), itemsPerTenant, "a refused copy left rows")
	n, err := db.Scope().Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"}, source(250, 0))
	require.NoError(t, err)
	assert.EqualValues(t, 250, n)
	got := bodies(t, ctx, db.Scope().Querier(), tenantA)
	require.Len(t, got, itemsPerTenant+250)
	assert.Equal(t, "chunk-1", got[itemsPerTenant])
	assert.Equal(t, "chunk-250", got[len(got)-1], "a reused row slice must not repeat the last row")
	// Again, with both statements prepared (a failed batch drops them from
	// pgx's cache): one round trip for 250 rows.
	c.reset()
	n, err = db.Scope().Querier().CopyFrom(ctx, pgx.Identifier{"items"}, []string{"tenant_id", "body"}, source(250, 0))
	require.NoError(t, err)
	assert.EqualValues(t, 250, n)
	assert.EqualValues(t, 1, c.trips.Load(), "round trips of a 250-row CopyFrom")
	assert.Empty(t, setting(t, pool))
}
