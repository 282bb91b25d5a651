package tenant

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Scope returns the single-statement fast path: each Exec, Query or QueryRow
// on its Querier reads the tenant from that call's ctx and sends one batch,
// [set_config(setting, tenant, true), statement]. pgx runs a batch as one
// implicit transaction ending at its Sync, so the statement sees the tenant,
// the setting is gone when the batch ends, and it all costs one round trip.
// With [WithSetterFunction] the batch is [BEGIN, the call, statement,
// COMMIT], still one round trip (see there for why).
//
// Use it for statements that stand alone; use [Run] when several statements
// must see one another's effects atomically. The returned Scope is shared and
// safe for concurrent use.
func (db *DB) Scope() *Scope {
	if db == nil {
		return &Scope{kind: kindFast}
	}
	return &db.fast
}

type fastQuerier struct{ db *DB }

// batch checks everything that can fail without the server, then builds the
// batch. Nothing is acquired or sent when it fails.
func (q fastQuerier) batch(ctx context.Context, sql string, args []any) (*pgx.Batch, error) {
	if err := q.db.check(); err != nil {
		return nil, err
	}
	id, err := idFrom(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkArgs(args); err != nil {
		return nil, err
	}
	return q.db.statementBatch(id, sql, args), nil
}

// oneStatement is a fast-path batch and everything it points to, allocated
// at once: building it piece by piece (the batch, its slice, two queued
// queries, the argument slice) cost five allocations more per call.
type oneStatement struct {
	batch      pgx.Batch
	queued     [4]*pgx.QueuedQuery
	head, stmt pgx.QueuedQuery
	begin, end pgx.QueuedQuery // BEGIN and COMMIT, with a setter function
	setArgs    [2]any
}

// statementBatch is the batch of one statement: fastHead's, then sql.
func (db *DB) statementBatch(id ID, sql string, args []any) *pgx.Batch {
	o := &oneStatement{}
	o.setArgs = [2]any{db.settingArg, string(id)}
	o.head = pgx.QueuedQuery{SQL: db.setSQL, Arguments: o.setArgs[:]}
	o.stmt = pgx.QueuedQuery{SQL: sql, Arguments: args}
	o.batch.QueuedQueries = o.queued[:0]
	if db.setter == "" {
		o.batch.QueuedQueries = append(o.batch.QueuedQueries, &o.head, &o.stmt)
		return &o.batch
	}
	o.begin, o.end = pgx.QueuedQuery{SQL: "BEGIN"}, pgx.QueuedQuery{SQL: "COMMIT"}
	o.batch.QueuedQueries = append(o.batch.QueuedQueries, &o.begin, &o.head, &o.stmt, &o.end)
	return &o.batch
}

// fastHead is what the fast path queues before the caller's statements:
// set_config; or, with a setter function, BEGIN and the call, and COMMIT
// after them. Citus forwards the SET LOCAL the function runs to its workers
// only inside a transaction block, and a pipeline without BEGIN is none
// (PostgreSQL runs it as one transaction all the same, but not as a
// block): measured on Citus 13.2, every tenant saw no rows that way in
// every exec mode but the simple protocol's, whose multi-statement query is
// an implicit block. BEGIN and COMMIT ride in the same batch, so it is
// still one round trip.
func (db *DB) fastHead(id ID) []*pgx.QueuedQuery {
	set := &pgx.QueuedQuery{SQL: db.setSQL, Arguments: []any{db.settingArg, string(id)}}
	if db.setter == "" {
		return []*pgx.QueuedQuery{set}
	}
	return []*pgx.QueuedQuery{{SQL: "BEGIN"}, set}
}

// readHead reads the results of fastHead's statements.
func (db *DB) readHead(br pgx.BatchResults) error {
	_, err := br.Exec() // set_config, or BEGIN
	if err == nil && db.setter != "" {
		_, err = br.Exec() // the setter function
	}
	return err
}

// sendFast sends a fast-path batch on a connection of the pool, released
// when the results are closed. With set_config the batch is an implicit
// transaction, over at its end whatever happened, and pgxpool's own
// SendBatch does. With a setter function the batch is BEGIN … COMMIT, and
// a statement that fails makes the server skip the rest, COMMIT included:
// the connection is left in the failed transaction. pgxpool would destroy
// it on release (which is safe: the tenant goes with it); sending ROLLBACK
// first keeps it, at one more round trip, on errors only.
func (db *DB) sendFast(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if db.setter == "" {
		return db.pool.SendBatch(ctx, b) // releases its connection on Close
	}
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return failedBatch{err: err}
	}
	return &releasingBatch{BatchResults: c.Conn().SendBatch(ctx, b), ctx: ctx, conn: c}
}

// releasingBatch are the results of sendFast's BEGIN … COMMIT batch.
type releasingBatch struct {
	pgx.BatchResults
	ctx  context.Context
	conn *pgxpool.Conn // nil once released
	err  error         // of the first Close
}

func (b *releasingBatch) Close() error {
	if b.conn == nil {
		return b.err
	}
	b.err = b.BatchResults.Close()
	if pc := b.conn.Conn().PgConn(); !pc.IsClosed() && !pc.IsBusy() && pc.TxStatus() != 'I' {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), rollbackTimeout)
		_, _ = b.conn.Exec(rctx, "ROLLBACK") // b.err is the one to report
		cancel()
	}
	b.conn.Release() // destroys the connection if it is still in a transaction
	b.conn = nil
	return b.err
}

func (q fastQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	b, err := q.batch(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	br := q.db.sendFast(ctx, b)
	var tag pgconn.CommandTag
	if err = q.db.readHead(br); err == nil {
		tag, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (q fastQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	b, err := q.batch(ctx, sql, args)
	if err != nil {
		return errRows{err}, err
	}
	br := q.db.sendFast(ctx, b)
	return lastRows(br, func() error { return q.db.readHead(br) })
}

// lastRows returns the rows of the next statement of br (the last but for
// sendFast's COMMIT), after open has read
// the results of the statements before it. On any error the batch is closed.
func lastRows(br pgx.BatchResults, open func() error) (pgx.Rows, error) {
	if err := open(); err != nil {
		_ = br.Close() // same error as open's
		return errRows{err}, err
	}
	rows, err := br.Query()
	if err != nil {
		rows.Close()
		_ = br.Close()
		return errRows{err}, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (q fastQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, _ := q.Query(ctx, sql, args...)
	return row{rows}
}

// batchRows are the rows of the last statement of a batch. The batch (and
// with it the pooled connection) stays open while they are read and is
// closed with them, the way pgxpool's own rows release their connection:
// on Close, or when Next or Scan reaches the end or an error.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults // nil once closed
	err error            // from closing the batch
}

func (r *batchRows) Close() {
	r.Rows.Close()
	if r.br != nil {
		r.err = r.br.Close()
		r.br = nil
	}
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Scan(dest ...any) error {
	err := r.Rows.Scan(dest...)
	if err != nil {
		r.Close()
	}
	return err
}

func (r *batchRows) Values() ([]any, error) {
	v, err := r.Rows.Values()
	if err != nil {
		r.Close()
	}
	return v, err
}

// row is pgx's QueryRow contract over any Rows: the first row or
// [pgx.ErrNoRows], rows closed afterwards.
type row struct{ rows pgx.Rows }

func (r row) Scan(dest ...any) error {
	defer r.rows.Close()
	if err := r.rows.Err(); err != nil {
		return err
	}
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errRows are Rows that failed before anything was sent.
type errRows struct{ err error }

func (r errRows) Close()                                       {}
func (r errRows) Err() error                                   { return r.err }
func (r errRows) CommandTag() pgconn.CommandTag                { return pgconn.CommandTag{} }
func (r errRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r errRows) Next() bool                                   { return false }
func (r errRows) Scan(...any) error                            { return r.err }
func (r errRows) Values() ([]any, error)                       { return nil, r.err }
func (r errRows) RawValues() [][]byte                          { return nil }
func (r errRows) Conn() *pgx.Conn                              { return nil }
func (r errRows) TypeMap() *pgtype.Map                         { return nil }

// errQuerier is the Querier of a nil Scope.
type errQuerier struct{ err error }

func (q errQuerier) Exec(context.Context, string, ...any) (pgconn.CommandTag, error) {
	return pgconn.CommandTag{}, q.err
}
func (q errQuerier) Query(context.Context, string, ...any) (pgx.Rows, error) {
	return errRows(q), q.err
}
func (q errQuerier) QueryRow(context.Context, string, ...any) pgx.Row { return row{errRows(q)} }
