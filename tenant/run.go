package tenant

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
)

// rollbackTimeout bounds the ROLLBACK sent after fn failed, panicked or its
// context was cancelled. The ROLLBACK ignores that cancellation: a client
// that went away should not cost the pool a connection, which it would if
// the connection were released inside a transaction and so destroyed.
const rollbackTimeout = 5 * time.Second

var (
	errTxNotOpen = errors.New("tenant: the transaction is not open: its first statement failed before BEGIN ran, or fn ended it")
	errAborted   = errors.New("tenant: the transaction was rolled back: fn returned nil after a statement failed")
)

// Run calls fn inside one transaction whose tenant is ctx's, and commits if
// fn returns nil. It rolls back if fn returns an error (which Run returns,
// as the first error, like [pgx.BeginTxFunc]), if fn panics (the panic goes
// on after the rollback), or if ctx is done when fn returns (Run then
// returns ctx.Err()). If fn swallows a failed statement and returns nil, the
// transaction is aborted and Run returns an error: nothing was committed.
//
// Without a tenant in ctx Run returns [ErrNoTenant] (for an ID that is not
// canonical, [ErrInvalidID]) before acquiring a connection or sending
// anything.
//
// The transaction starts lazily: the first statement fn sends carries BEGIN
// and set_config in the same batch, so a transaction of one statement costs
// two round trips (that batch, then COMMIT) where BEGIN, set_config, the
// statement and COMMIT sent one by one cost four. A fn that sends nothing
// acquires no connection.
//
// The Scope given to fn is valid until Run returns; after that its methods
// return [ErrScopeClosed] rather than run outside the transaction. A
// statement that a goroutine fn started is still running is waited for
// before COMMIT or ROLLBACK; rows still open then are cut off (they answer
// ErrScopeClosed, and Run's COMMIT fails, since the connection is busy).
func Run(ctx context.Context, db *DB, fn func(ctx context.Context, s *Scope) error) error {
	if err := db.check(); err != nil {
		return err
	}
	if fn == nil {
		return errNilFn
	}
	id, err := idFrom(ctx)
	if err != nil {
		return err
	}
	return runTx(ctx, &txState{pool: db.pool, setting: db.setting, setSQL: db.setSQL, id: id}, kindTx, fn)
}

func runTx(ctx context.Context, t *txState, kind scopeKind, fn func(context.Context, *Scope) error) (err error) {
	panicking := true
	defer func() {
		if panicking { // or runtime.Goexit: roll back, then let it continue
			t.finish(ctx, errors.New("tenant: fn panicked"))
		}
	}()
	fnErr := fn(ctx, &Scope{kind: kind, tx: t})
	panicking = false
	return t.finish(ctx, fnErr)
}

// txState is the transaction of one Run or System call.
//
// Its mutex is the scope's: it is held for every call into pgx on the
// transaction's connection — an Exec from send to result, a Query's send,
// each method of the rows it returns, a QueryRow's Scan — and finish takes
// it to set done. So a Scope leaked to a goroutine that outlives Run either
// completes its call before finish (finish waits for it) or finds done set
// and gets ErrScopeClosed: it never reaches the connection once that is on
// its way back to the pool, where another tenant's Run may already hold it.
// The lock is not held between calls, so rows left open never block finish.
type txState struct {
	pool    *pgxpool.Pool
	setting string // unused by System
	setSQL  string // the DB's statement that sets the tenant; unused by System
	id      ID     // "" for System: nothing is set

	mu      sync.Mutex
	conn    *pgxpool.Conn // nil until the first statement
	started bool          // the first statement was attempted
	done    bool          // Run or System has returned (or is finishing)
}

// check refuses, before taking the lock, what needs no connection to refuse.
func (t *txState) check(ctx context.Context, args []any) error {
	if err := checkArgs(args); err != nil {
		return err
	}
	if t.id == "" {
		return nil
	}
	switch id, err := idFrom(ctx); {
	case errors.Is(err, ErrInvalidID):
		return err
	case err == nil && id != t.id:
		return ErrTenantMismatch
	}
	return nil
}

// useLocked returns the connection for the next statement, and whether that
// statement must carry BEGIN (and set_config) with it. t.mu must be held,
// and stay held until the statement's call into pgx has returned.
func (t *txState) useLocked(ctx context.Context) (conn *pgx.Conn, first bool, err error) {
	switch {
	case t.done:
		return nil, false, ErrScopeClosed
	case !t.started:
		t.started = true
		c, err := t.pool.Acquire(ctx)
		if err != nil {
			return nil, false, err
		}
		t.conn = c
		return c.Conn(), true, nil
	case t.conn == nil: // acquiring for the first statement failed
		return nil, false, errTxNotOpen
	}
	// A statement sent while no transaction is open would run in autocommit.
	// (While rows of an earlier statement are still open the status is not
	// updated; pgx then refuses the statement as "conn busy" by itself.)
	if pc := t.conn.Conn().PgConn(); !pc.IsBusy() && pc.TxStatus() == 'I' {
		return nil, false, errTxNotOpen
	}
	return t.conn.Conn(), false, nil
}

// start queues what opens the transaction ahead of the first statement.
func (t *txState) start(sql string, args []any) *pgx.Batch {
	b := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, 3)}
	b.Queue("BEGIN")
	if t.id != "" {
		b.Queue(t.setSQL, t.setting, string(t.id))
	}
	b.Queue(sql, args...)
	return b
}

// openResults reads the results of start's own statements.
func (t *txState) openResults(br pgx.BatchResults) error {
	_, err := br.Exec() // BEGIN
	if err == nil && t.id != "" {
		_, err = br.Exec() // set_config
	}
	return err
}

// finish commits or rolls back and returns the connection to the pool. It
// takes the scope's lock, so it waits for a statement in flight on another
// goroutine; once done is set no statement touches the connection again,
// and the lock is not needed for COMMIT, ROLLBACK and Release. A
// connection left inside a transaction (a failed COMMIT or ROLLBACK, rows
// left open) is destroyed by pgxpool on release, so no setting outlives
// the call.
func (t *txState) finish(ctx context.Context, fnErr error) error {
	t.mu.Lock()
	t.done = true
	c, started := t.conn, t.started
	t.conn = nil
	t.mu.Unlock()

	if fnErr == nil {
		fnErr = ctx.Err()
	}
	if c == nil { // nothing was sent, or the first Acquire failed
		if fnErr == nil && started {
			return errTxNotOpen
		}
		return fnErr
	}
	defer c.Release()
	pc := c.Conn().PgConn()
	open := pc.IsBusy() || pc.TxStatus() != 'I'

	if fnErr != nil {
		if open {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
			_, _ = c.Exec(rctx, "ROLLBACK") // fnErr is the one to report
			cancel()
		}
		return fnErr
	}
	if !open {
		return errTxNotOpen
	}
	tag, err := c.Exec(ctx, "COMMIT")
	if err != nil {
		return err
	}
	// COMMIT of an aborted transaction succeeds as ROLLBACK.
	if tag.String() == "ROLLBACK" {
		return errors.Join(errAborted, pgx.ErrTxCommitRollback)
	}
	return nil
}

// txQuerier runs statements in a Run or System transaction, each under the
// scope's lock (see txState).
type txQuerier struct{ t *txState }

func (q txQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := q.t.check(ctx, args); err != nil {
		return pgconn.CommandTag{}, err
	}
	q.t.mu.Lock()
	defer q.t.mu.Unlock()
	conn, first, err := q.t.useLocked(ctx)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	if !first {
		return conn.Exec(ctx, sql, args...)
	}
	br := conn.SendBatch(ctx, q.t.start(sql, args))
	var tag pgconn.CommandTag
	if err = q.t.openResults(br); err == nil {
		tag, err = br.Exec()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (q txQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := q.t.check(ctx, args); err != nil {
		return errRows{err}, err
	}
	q.t.mu.Lock()
	defer q.t.mu.Unlock()
	rows, err := q.queryLocked(ctx, sql, args)
	if err != nil {
		return errRows{err}, err
	}
	return &txRows{t: q.t, rows: rows}, nil
}

// queryLocked sends the query; t.mu must be held. On error the rows are
// already closed.
func (q txQuerier) queryLocked(ctx context.Context, sql string, args []any) (pgx.Rows, error) {
	conn, first, err := q.t.useLocked(ctx)
	if err != nil {
		return nil, err
	}
	if first {
		br := conn.SendBatch(ctx, q.t.start(sql, args))
		return lastRows(br, func() error { return q.t.openResults(br) })
	}
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		rows.Close()
		return nil, err
	}
	return rows, nil
}

// QueryRow sends the query when Scan is called, so that sending, reading
// the row and closing the rows happen under one hold of the scope's lock:
// no other statement of the scope can meet them half-read. pgx defers
// QueryRow's errors to Scan too; a Row whose Scan is never called runs
// nothing (with pgx, it would leave the connection busy).
func (q txQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return &txRow{q: q, ctx: ctx, sql: sql, args: args}
}

// txRows are the rows of a statement in a Run or System transaction. Each
// method takes the scope's lock before it touches pgx's rows. Once Run has
// finished, rows still open are detached: their connection has been
// released (and, being busy, destroyed by pgxpool), so they answer
// [ErrScopeClosed] instead of reading from it.
type txRows struct {
	t    *txState
	rows pgx.Rows
	// Guarded by t.mu.
	closed   bool // rows reached their end or were closed
	detached bool // Run finished while they were open
}

// lock takes the scope's lock and reports whether r may still touch pgx's
// rows. The caller unlocks.
func (r *txRows) lock() bool {
	r.t.mu.Lock()
	if r.t.done && !r.closed {
		r.closed, r.detached = true, true
	}
	return !r.detached
}

// TypeMap is the connection's type map while the rows may be read, nil once
// Run has finished: after that nothing of the connection is handed out.
func (r *txRows) TypeMap() *pgtype.Map {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return nil
	}
	return r.rows.TypeMap()
}

func (r *txRows) Next() bool {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return false
	}
	if r.rows.Next() {
		return true
	}
	r.closed = true
	return false
}

func (r *txRows) Scan(dest ...any) error {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return ErrScopeClosed
	}
	return r.rows.Scan(dest...)
}

func (r *txRows) Values() ([]any, error) {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return nil, ErrScopeClosed
	}
	return r.rows.Values()
}

func (r *txRows) RawValues() [][]byte {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return nil
	}
	return r.rows.RawValues()
}

func (r *txRows) Close() {
	defer r.t.mu.Unlock()
	if r.lock() {
		r.rows.Close()
		r.closed = true
	}
}

func (r *txRows) Err() error {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return ErrScopeClosed
	}
	return r.rows.Err()
}

func (r *txRows) CommandTag() pgconn.CommandTag {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return pgconn.CommandTag{}
	}
	return r.rows.CommandTag()
}

func (r *txRows) FieldDescriptions() []pgconn.FieldDescription {
	defer r.t.mu.Unlock()
	if !r.lock() {
		return nil
	}
	return r.rows.FieldDescriptions()
}

// Conn returns nil: the transaction's connection is reachable only through
// the scope, whose lock and checks a bare *pgx.Conn would get around.
func (r *txRows) Conn() *pgx.Conn { return nil }

type txRow struct {
	q    txQuerier
	ctx  context.Context
	sql  string
	args []any
}

func (r *txRow) Scan(dest ...any) error {
	if err := r.q.t.check(r.ctx, r.args); err != nil {
		return err
	}
	r.q.t.mu.Lock()
	defer r.q.t.mu.Unlock()
	rows, err := r.q.queryLocked(r.ctx, r.sql, r.args)
	if err != nil {
		return err
	}
	return row{rows}.Scan(dest...)
}
