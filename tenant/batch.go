package tenant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Batches and COPY in scopes: sqlc's :batchexec, :batchmany and :batchone
// queries call SendBatch, its :copyfrom queries CopyFrom.
//
// A batch carries its tenant the way a single statement does. On the fast
// path, set_config is queued first in the same pgx.Batch: PostgreSQL runs the
// batch as one implicit transaction ending at its Sync, so every statement
// sees the tenant, a failed set_config skips them all, and the whole batch
// costs one round trip. In Run the batch is sent on the transaction; as the
// first statement it carries BEGIN and set_config, otherwise nothing.
//
// PostgreSQL refuses COPY FROM into a table whose row level security applies
// to the role ("COPY FROM not supported with row-level security", 0A000),
// so a tenant scope's CopyFrom sends the rows as INSERTs of the named
// columns (up to maxRowsPerInsert rows each), all in one batch: row level
// security checks every row (WITH CHECK refuses another tenant's), column
// defaults fill the rest, and it costs what a batch costs — one round trip,
// atomic on the fast path. The rows are read from the source before
// anything is sent. A System scope, whose role bypasses row level security,
// runs a real COPY.

var (
	errBatchTx = errors.New("tenant: a batch that begins a transaction (Batch.BeginTx, or BEGIN queued first) cannot run in a scope: " +
		"the fast path runs the batch in one implicit transaction already; use tenant.Run for a transaction")
	errNoMoreResults = errors.New("no more results in batch")
)

// checkBatch refuses what cannot run in a scope's batch, before anything is
// acquired or sent.
func checkBatch(b *pgx.Batch) error {
	if b == nil {
		return errors.New("tenant: nil *pgx.Batch")
	}
	for i, qq := range b.QueuedQueries {
		if qq == nil {
			return fmt.Errorf("tenant: batch query %d is nil", i)
		}
		if err := checkArgs(qq.Arguments); err != nil {
			return err
		}
	}
	if len(b.QueuedQueries) > 0 && beginsTx(b.QueuedQueries[0].SQL) {
		return errBatchTx
	}
	return nil
}

// beginsTx reports whether sql starts a transaction block, as the query
// Batch.BeginTx queues does.
func beginsTx(sql string) bool {
	w := strings.Fields(sql)
	if len(w) == 0 {
		return false
	}
	first := strings.ToLower(strings.TrimRight(w[0], ";"))
	return first == "begin" || first == "start"
}

// prepend returns a batch of head's queries followed by b's. b's queued
// queries (and their callbacks) are shared, not copied.
func prepend(b *pgx.Batch, head ...*pgx.QueuedQuery) *pgx.Batch {
	out := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(head)+len(b.QueuedQueries))}
	out.QueuedQueries = append(out.QueuedQueries, head...)
	out.QueuedQueries = append(out.QueuedQueries, b.QueuedQueries...)
	return out
}

func (q fastQuerier) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := q.db.check(); err != nil {
		return failedBatch{err: err}
	}
	id, err := idFrom(ctx)
	if err != nil {
		return failedBatch{err: err}
	}
	if err := checkBatch(b); err != nil {
		return failedBatch{err: err}
	}
	if len(b.QueuedQueries) == 0 {
		return failedBatch{err: errNoMoreResults, empty: true}
	}
	full := prepend(b, q.db.fastHead(id)...)
	left := -1
	if q.db.setter != "" {
		full.Queue("COMMIT") // see fastHead
		left = len(b.QueuedQueries)
	}
	br := q.db.sendFast(ctx, full)
	return &headBatch{br: br, left: left, open: func() error { return q.db.readHead(br) }}
}

// CopyFrom inserts rowSrc's rows in one batch of INSERTs with ctx's tenant
// set: one round trip, one implicit transaction (see the top of this file).
func (q fastQuerier) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rowSrc pgx.CopyFromSource) (int64, error) {
	if err := q.db.check(); err != nil {
		return 0, err
	}
	if _, err := idFrom(ctx); err != nil {
		return 0, err
	}
	b, err := insertBatch(table, columns, rowSrc)
	if err != nil || len(b.QueuedQueries) == 0 {
		return 0, err
	}
	return countInserted(q.SendBatch(ctx, b), len(b.QueuedQueries))
}

// maxRowsPerInsert is how many rows one INSERT of a CopyFrom carries at
// most (fewer when the columns would pass PostgreSQL's 65535 parameters).
// BenchmarkCopyFrom, 1000 rows of one column on a busy 2-core machine: one
// INSERT per row 40 ms (9072 allocations) against System's COPY 29 ms; INSERTs
// of 100 rows 20 to 34 ms (1235 allocations), COPY 34 to 41 ms in the same runs.
const maxRowsPerInsert = 100

// insertBatch reads rowSrc into a batch of INSERTs: full ones of
// rowsPerInsert rows each, then the rest one row per INSERT, so a copy
// prepares two statement texts whatever its size.
func insertBatch(table pgx.Identifier, columns []string, rowSrc pgx.CopyFromSource) (*pgx.Batch, error) {
	if len(table) == 0 || len(columns) == 0 {
		return nil, errors.New("tenant: CopyFrom needs a table name and at least one column")
	}
	if rowSrc == nil {
		return nil, errors.New("tenant: CopyFrom: nil pgx.CopyFromSource")
	}
	rowsPerInsert := min(maxRowsPerInsert, 65535/len(columns))
	head := "INSERT INTO " + table.Sanitize() + " ("
	for i, c := range columns {
		if i > 0 {
			head += ", "
		}
		head += pgx.Identifier{c}.Sanitize()
	}
	head += ") VALUES "
	insertOf := func(rows int) string {
		var sql strings.Builder
		sql.WriteString(head)
		for r := range rows {
			if r > 0 {
				sql.WriteString(", ")
			}
			sql.WriteString("(")
			for i := range columns {
				if i > 0 {
					sql.WriteString(", ")
				}
				sql.WriteString("$" + strconv.Itoa(r*len(columns)+i+1))
			}
			sql.WriteString(")")
		}
		return sql.String()
	}
	one := insertOf(1)
	var full string // insertOf(rowsPerInsert), when needed
	b := &pgx.Batch{}
	var pending [][]any // rows not queued yet
	rowNum := 0
	for rowSrc.Next() {
		rowNum++
		values, err := rowSrc.Values()
		if err != nil {
			return nil, err
		}
		if len(values) != len(columns) {
			return nil, fmt.Errorf("tenant: CopyFrom: row %d has %d values for %d columns", rowNum, len(values), len(columns))
		}
		// pgx would read an option in first place as an option, not a value.
		switch values[0].(type) {
		case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID, pgx.QueryRewriter:
			return nil, fmt.Errorf("tenant: CopyFrom: row %d: the value of column %s is a pgx query option (%T)", rowNum, columns[0], values[0])
		}
		pending = append(pending, slices.Clone(values)) // a source may reuse its slice
		if len(pending) == rowsPerInsert && rowsPerInsert > 1 {
			if full == "" {
				full = insertOf(rowsPerInsert)
			}
			args := make([]any, 0, rowsPerInsert*len(columns))
			for _, p := range pending {
				args = append(args, p...)
			}
			b.Queue(full, args...)
			pending = pending[:0]
		}
	}
	if err := rowSrc.Err(); err != nil {
		return nil, err
	}
	for _, p := range pending {
		b.Queue(one, p...)
	}
	return b, nil
}

// countInserted reads the n INSERTs of br and closes it; the count is the
// rows they inserted. Any error rolls
// back every row of an implicit transaction, and aborts a Run's: 0 rows.
func countInserted(br pgx.BatchResults, n int) (int64, error) {
	var total int64
	var err error
	for range n {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err != nil {
			break
		}
		total += tag.RowsAffected()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return total, nil
}

// headBatch are the results of a batch with statements of the scope's own
// (set_config; BEGIN and set_config) queued before the caller's: open reads
// theirs before the first of the caller's results is read, and an error of
// theirs is the answer to every one of the caller's.
type headBatch struct {
	br   pgx.BatchResults
	open func() error // nil once called
	err  error        // open's
	left int          // the caller's results not read yet, when statements of the scope's follow them (COMMIT); else -1
}

// next counts a result of the caller's, and refuses one more than they
// queued: it would be the scope's COMMIT.
func (b *headBatch) next() error {
	if err := b.opened(); err != nil {
		return err
	}
	switch {
	case b.left == 0:
		return errNoMoreResults
	case b.left > 0:
		b.left--
	}
	return nil
}

func (b *headBatch) opened() error {
	if b.open != nil {
		b.err = b.open()
		b.open = nil
	}
	return b.err
}

func (b *headBatch) Exec() (pgconn.CommandTag, error) {
	if err := b.next(); err != nil {
		return pgconn.CommandTag{}, err
	}
	return b.br.Exec()
}

func (b *headBatch) Query() (pgx.Rows, error) {
	if err := b.next(); err != nil {
		return errRows{err}, err
	}
	return b.br.Query()
}

func (b *headBatch) QueryRow() pgx.Row {
	if err := b.next(); err != nil {
		return row{errRows{err}}
	}
	return b.br.QueryRow()
}

func (b *headBatch) Close() error {
	err := b.opened()
	if cerr := b.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// Tx returns nil: a scope's batch never begins a transaction of its own.
func (b *headBatch) Tx() pgx.Tx { return nil }

// failedBatch are the results of a batch refused before anything was sent:
// err for every result. empty marks an empty batch, whose Close succeeds.
type failedBatch struct {
	err   error
	empty bool
}

func (b failedBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b failedBatch) Query() (pgx.Rows, error)         { return errRows{b.err}, b.err }
func (b failedBatch) QueryRow() pgx.Row                { return row{errRows{b.err}} }
func (b failedBatch) Tx() pgx.Tx                       { return nil }
func (b failedBatch) Close() error {
	if b.empty {
		return nil
	}
	return b.err
}

func (q txQuerier) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := q.t.check(ctx, nil); err != nil {
		return failedBatch{err: err}
	}
	if err := checkBatch(b); err != nil {
		return failedBatch{err: err}
	}
	q.t.mu.Lock()
	defer q.t.mu.Unlock()
	if len(b.QueuedQueries) == 0 {
		if q.t.done {
			return failedBatch{err: ErrScopeClosed}
		}
		return failedBatch{err: errNoMoreResults, empty: true}
	}
	br, err := q.sendBatchLocked(ctx, b)
	if err != nil {
		return failedBatch{err: err}
	}
	return &txBatch{t: q.t, br: br}
}

// sendBatchLocked sends b on the transaction; t.mu must be held. As the
// transaction's first statement, b carries BEGIN and set_config.
func (q txQuerier) sendBatchLocked(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	conn, first, err := q.t.useLocked(ctx)
	if err != nil {
		return nil, err
	}
	if !first {
		return conn.SendBatch(ctx, b), nil
	}
	head := []*pgx.QueuedQuery{{SQL: "BEGIN"}}
	if q.t.id != "" {
		head = append(head, &pgx.QueuedQuery{SQL: q.t.setSQL, Arguments: []any{q.t.setting, string(q.t.id)}})
	}
	br := conn.SendBatch(ctx, prepend(b, head...))
	return &headBatch{br: br, left: -1, open: func() error { return q.t.openResults(br) }}, nil
}

// CopyFrom: in a Run scope, rowSrc's rows as one batch of INSERTs on the
// transaction (see the top of this file); in a System scope, a real COPY.
func (q txQuerier) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rowSrc pgx.CopyFromSource) (int64, error) {
	if err := q.t.check(ctx, nil); err != nil {
		return 0, err
	}
	if q.t.id == "" {
		return q.copyLocked(ctx, table, columns, rowSrc)
	}
	b, err := insertBatch(table, columns, rowSrc)
	if err != nil {
		return 0, err
	}
	if len(b.QueuedQueries) == 0 {
		q.t.mu.Lock()
		defer q.t.mu.Unlock()
		if q.t.done {
			return 0, ErrScopeClosed
		}
		return 0, nil
	}
	return countInserted(q.SendBatch(ctx, b), len(b.QueuedQueries))
}

// copyLocked runs COPY on the System transaction, holding the scope for the
// whole copy (rowSrc is read meanwhile: it must not use the same scope). As
// the transaction's first statement, BEGIN goes first, in a round trip of
// its own: COPY cannot share a batch.
func (q txQuerier) copyLocked(ctx context.Context, table pgx.Identifier, columns []string, rowSrc pgx.CopyFromSource) (int64, error) {
	q.t.mu.Lock()
	defer q.t.mu.Unlock()
	conn, first, err := q.t.useLocked(ctx)
	if err != nil {
		return 0, err
	}
	if first {
		if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
			return 0, err
		}
	}
	return conn.CopyFrom(ctx, table, columns, rowSrc)
}

// txBatch are the results of a batch in a Run or System transaction. Like
// txRows, each method holds the scope's lock while it reads from the
// connection, and once Run has finished, results still unread are detached:
// they answer ErrScopeClosed instead of reading from a released connection.
type txBatch struct {
	t  *txState
	br pgx.BatchResults
	// Guarded by t.mu.
	closed   bool
	detached bool
}

func (b *txBatch) lock() bool {
	b.t.mu.Lock()
	if b.t.done && !b.closed {
		b.closed, b.detached = true, true
	}
	return !b.detached
}

func (b *txBatch) Exec() (pgconn.CommandTag, error) {
	defer b.t.mu.Unlock()
	if !b.lock() {
		return pgconn.CommandTag{}, ErrScopeClosed
	}
	return b.br.Exec()
}

func (b *txBatch) Query() (pgx.Rows, error) {
	b.t.mu.Lock()
	rows, err := b.queryLocked()
	b.t.mu.Unlock()
	if err != nil {
		return errRows{err}, err
	}
	return rows, nil
}

func (b *txBatch) queryLocked() (pgx.Rows, error) {
	if b.t.done && !b.closed {
		b.closed, b.detached = true, true
	}
	if b.detached {
		return nil, ErrScopeClosed
	}
	rows, err := b.br.Query()
	if err != nil {
		rows.Close()
		return nil, err
	}
	return &txRows{t: b.t, rows: rows}, nil
}

// QueryRow reads the result's rows at once, as pgx's batch QueryRow does;
// the row's Scan reads them through the scope's lock.
func (b *txBatch) QueryRow() pgx.Row {
	rows, _ := b.Query()
	return row{rows}
}

func (b *txBatch) Close() error {
	defer b.t.mu.Unlock()
	if !b.lock() {
		return ErrScopeClosed
	}
	b.closed = true
	return b.br.Close()
}

// Tx returns nil: the batch runs in the scope's transaction.
func (b *txBatch) Tx() pgx.Tx { return nil }

func (q errQuerier) SendBatch(context.Context, *pgx.Batch) pgx.BatchResults {
	return failedBatch{err: q.err}
}
func (q errQuerier) CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error) {
	return 0, q.err
}

// ErrQuerier returns a Querier whose every method returns err and sends
// nothing. Generated repositories hand it to sqlc when the scope cannot give
// a batch its tenant ([Scope.TenantID] failed), so that each query of the
// batch reports err to its callback, as the batch's own failure would.
func ErrQuerier(err error) Querier {
	if err == nil {
		err = errors.New("tenant: ErrQuerier(nil)")
	}
	return errQuerier{err}
}
