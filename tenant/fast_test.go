package tenant_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tenantc/tenantc/tenant"
)

func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestFastPath(t *testing.T) {
	pdb := newDatabase(t)
	forEachMode(t, func(t *testing.T, mode pgx.QueryExecMode) {
		// One connection: whatever a call leaves behind, the next one sees.
		pool := newPool(t, pdb.AppURL, mode, 1, nil)
		db := tenant.NewDB(pool)
		q := db.Scope().Querier()
		ctxA := tenant.WithID(context.Background(), tenantA)
		ctxB := tenant.WithID(context.Background(), tenantB)

		t.Run("sees only its tenant", func(t *testing.T) {
			assert.Len(t, bodies(t, ctxA, q, tenantA), itemsPerTenant)
			assert.Len(t, bodies(t, ctxB, q, tenantB), itemsPerTenant)
			var n int
			require.NoError(t, q.QueryRow(ctxA, "SELECT count(*) FROM tenants").Scan(&n))
			assert.Equal(t, 1, n, "the tenant root shows its own row only")
		})

		t.Run("setting is set for the statement and gone afterwards", func(t *testing.T) {
			var s string
			require.NoError(t, q.QueryRow(ctxA, "SELECT current_setting('app.tenant_id')").Scan(&s))
			assert.Equal(t, string(tenantA), s)
			assert.Equal(t, "", setting(t, pool))
			_, err := q.Exec(ctxB, "SELECT 1")
			require.NoError(t, err)
			assert.Equal(t, "", setting(t, pool))
		})

		t.Run("rows keep the batch open until closed", func(t *testing.T) {
			rows, err := q.Query(ctxA, "SELECT body FROM items ORDER BY id")
			require.NoError(t, err)
			assert.EqualValues(t, 1, pool.Stat().AcquiredConns(), "connection held while rows are open")
			require.True(t, rows.Next())
			rows.Close() // early: the rest is drained, the batch closed
			require.NoError(t, rows.Err())
			assert.EqualValues(t, 0, pool.Stat().AcquiredConns())
			assert.Equal(t, "", setting(t, pool))

			rows, err = q.Query(ctxA, "SELECT body FROM items")
			require.NoError(t, err)
			n := 0
			for rows.Next() {
				n++
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, itemsPerTenant, n)
			assert.EqualValues(t, 0, pool.Stat().AcquiredConns(), "released when Next reached the end")
			assert.Equal(t, "SELECT 3", rows.CommandTag().String())
		})

		t.Run("writes take the tenant from the setting", func(t *testing.T) {
			tag, err := q.Exec(ctxA, "INSERT INTO items (body) VALUES ($1)", "fast-"+mode.String())
			require.NoError(t, err)
			assert.EqualValues(t, 1, tag.RowsAffected())
			assert.Contains(t, bodies(t, ctxA, q, tenantA), "fast-"+mode.String())
			assert.NotContains(t, bodies(t, ctxB, q, tenantB), "fast-"+mode.String())
			_, err = q.Exec(ctxA, "DELETE FROM items WHERE body = $1", "fast-"+mode.String())
			require.NoError(t, err)
		})

		t.Run("errors surface normally", func(t *testing.T) {
			// A write into another tenant: the policy's WITH CHECK.
			_, err := q.Exec(ctxA, "INSERT INTO items (tenant_id, body) VALUES ($1, 'x')", string(tenantB))
			assert.Equal(t, "42501", sqlState(err), "%v", err)

			// A statement error, through each method.
			_, err = q.Exec(ctxA, "SELEC 1")
			assert.Equal(t, "42601", sqlState(err), "%v", err)
			rows, err := q.Query(ctxA, "SELEC 1")
			if err == nil {
				for rows.Next() {
				}
				err = rows.Err()
			}
			assert.Equal(t, "42601", sqlState(err), "%v", err)
			assert.Equal(t, "42601", sqlState(q.QueryRow(ctxA, "SELEC 1").Scan(new(int))), "QueryRow")

			// A tenant key the policy cannot cast.
			bad := tenant.WithID(context.Background(), "not-a-uuid")
			assert.Equal(t, "22P02", sqlState(q.QueryRow(bad, "SELECT count(*) FROM items").Scan(new(int))))

			// set_config itself failing: the value is not valid UTF-8.
			// The statement after it must not run.
			badUTF8 := tenant.WithID(context.Background(), "\xff")
			_, err = q.Exec(badUTF8, "INSERT INTO items (tenant_id, body) VALUES ($1, 'never')", string(tenantA))
			assert.Equal(t, "22021", sqlState(err), "%v", err)
			_, err = q.Query(badUTF8, "SELECT 1")
			assert.Equal(t, "22021", sqlState(err), "%v", err)
			assert.NotContains(t, bodies(t, ctxA, q, tenantA), "never")

			// No row is ErrNoRows, as with pgx.
			assert.ErrorIs(t, q.QueryRow(ctxA, "SELECT 1 FROM items WHERE false").Scan(new(int)), pgx.ErrNoRows)

			// After all that, the connection is clean and usable.
			assert.Equal(t, "", setting(t, pool))
			assert.Len(t, bodies(t, ctxA, q, tenantA), itemsPerTenant)
			assert.EqualValues(t, 0, pool.Stat().AcquiredConns())
		})

		t.Run("per-query options are refused", func(t *testing.T) {
			_, err := q.Exec(ctxA, "SELECT $1::int", pgx.QueryExecModeExec, 1)
			assert.Error(t, err)
			// QueryRewriters such as NamedArgs are fine.
			var n int
			require.NoError(t, q.QueryRow(ctxA, "SELECT @n::int", pgx.NamedArgs{"n": 7}).Scan(&n))
			assert.Equal(t, 7, n)
		})
	})
}
