package tenant

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
// Without a tenant in ctx Run returns [ErrNoTenant] before acquiring a
// connection or sending anything.
//
// The transaction starts lazily: the first statement fn sends carries BEGIN
// and set_config in the same batch, so a transaction of one statement costs
// two round trips (that batch, then COMMIT) where BEGIN, set_config, the
// statement and COMMIT sent one by one cost four. A fn that sends nothing
// acquires no connection.
//
// The Scope given to fn is valid until Run returns; after that its methods
// return [ErrScopeClosed] rather than run outside the transaction.
func Run(ctx context.Context, db *DB, fn func(ctx context.Context, s *Scope) error) error {
	if err := db.check(); err != nil {
		return err
	}
	if fn == nil {
		return errNilFn
	}
	id, ok := IDFrom(ctx)
	if !ok {
		return ErrNoTenant
	}
	return runTx(ctx, &txState{pool: db.pool, setting: db.setting, id: id}, kindTx, fn)
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
type txState struct {
	pool    *pgxpool.Pool
	setting string // unused by System
	id      ID     // "" for System: nothing is set

	mu      sync.Mutex    // guards the fields below against a Scope leaked to another goroutine
	conn    *pgxpool.Conn // nil until the first statement
	started bool          // the first statement was attempted
	done    bool          // Run or System has returned (or is finishing)
}

// use returns the connection for the next statement, and whether that
// statement must carry BEGIN (and set_config) with it.
func (t *txState) use(ctx context.Context, args []any) (conn *pgx.Conn, first bool, err error) {
	if err := checkArgs(args); err != nil {
		return nil, false, err
	}
	if t.id != "" {
		if id, ok := IDFrom(ctx); ok && id != t.id {
			return nil, false, ErrTenantMismatch
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
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
	// (While the first batch is still being read the status is not yet
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
		b.Queue(setConfigSQL, t.setting, string(t.id))
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

// finish commits or rolls back and returns the connection to the pool. A
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

// txQuerier runs statements in a Run or System transaction.
type txQuerier struct{ t *txState }

func (q txQuerier) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	conn, first, err := q.t.use(ctx, args)
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
	conn, first, err := q.t.use(ctx, args)
	if err != nil {
		return errRows{err}, err
	}
	if !first {
		return conn.Query(ctx, sql, args...)
	}
	br := conn.SendBatch(ctx, q.t.start(sql, args))
	return lastRows(br, func() error { return q.t.openResults(br) })
}

func (q txQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, _ := q.Query(ctx, sql, args...)
	return row{rows}
}
