package tenant

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"
)

// This file is the database/sql flavour of the runtime, for sqlc's
// sql_package database/sql (its default) on pgx's stdlib driver. It has
// Run's guarantees, not the fast path's: sqlc's database/sql code gets its
// rows as *sql.Rows and *sql.Row, which only database/sql can make, so a
// statement cannot be sent in a batch with its set_config as [DB.Scope]
// does. Every scoped statement runs inside [RunSQL]'s transaction.

var (
	errNilSQLDB    = errors.New("tenant: nil *SQLDB (or *SQLDB not made by NewSQLDB)")
	errNilSQLScope = errors.New("tenant: nil *SQLScope (or SQLScope not made by RunSQL)")
)

// SQLDB is the application's *sql.DB plus the setting its policies read, for
// sqlc code generated with sql_package database/sql. Open the *sql.DB with
// pgx's stdlib driver (sql.Open("pgx", url) after importing
// github.com/jackc/pgx/v5/stdlib, or stdlib.OpenDBFromPool): [VerifySQL]
// needs it. An SQLDB is safe for concurrent use.
type SQLDB struct {
	db      *sql.DB
	setting string
	setter  string // WithSetterFunction's name, "" for set_config
	setSQL  string // the statement that sets the tenant
	err     error  // misconfiguration, reported by every use
}

// NewSQLDB wraps db. Like [NewDB] it never fails: a nil db or an invalid
// option makes every later use return the error instead.
func NewSQLDB(db *sql.DB, opts ...Option) *SQLDB {
	c := newConfig(opts)
	if db == nil && c.err == nil {
		c.err = errors.New("tenant: NewSQLDB: nil *sql.DB")
	}
	return &SQLDB{db: db, setting: c.setting, setter: c.setter, setSQL: c.setSQL(), err: c.err}
}

// SetterFunction is [DB.SetterFunction] for an SQLDB.
func (db *SQLDB) SetterFunction() string {
	if db == nil {
		return ""
	}
	return db.setter
}

func (db *SQLDB) check() error {
	if db == nil || db.db == nil && db.err == nil {
		return errNilSQLDB
	}
	return db.err
}

// SQLQuerier is the method set sqlc's database/sql code calls on its DBTX,
// so it can be handed to a sqlc New function as it is.
type SQLQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SQLScope is [Scope] for database/sql: the proof that statements run in a
// transaction with the tenant set. It can only come from [RunSQL], so a
// repository generated for database/sql takes an *SQLScope, and handing it
// the bare *sql.DB is a compile error. It is valid until RunSQL returns;
// after that its methods return [ErrScopeClosed].
type SQLScope struct {
	tx *sql.Tx
	id ID

	mu   sync.RWMutex // held for reading by each statement, for writing by close
	done bool
}

// Querier returns what generated code hands to sqlc's New(db DBTX). It never
// returns nil; on a nil SQLScope its methods return an error.
func (s *SQLScope) Querier() SQLQuerier {
	if s == nil || s.tx == nil {
		return sqlErrQuerier{errNilSQLScope}
	}
	return sqlQuerier{s}
}

// TenantID returns the transaction's tenant, whatever ctx says.
func (s *SQLScope) TenantID(context.Context) (ID, error) {
	if s == nil || s.tx == nil {
		return "", errNilSQLScope
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.done {
		return "", ErrScopeClosed
	}
	return s.id, nil
}

// RunSQL calls fn inside one database/sql transaction whose tenant is ctx's,
// and commits if fn returns nil; it rolls back if fn returns an error (which
// RunSQL returns) or panics (the panic goes on after the rollback). If fn
// swallows a failed statement and returns nil, PostgreSQL answers COMMIT with
// a rollback and RunSQL returns pgx's ErrTxCommitRollback: nothing was
// committed. Without a tenant in ctx it returns [ErrNoTenant] (or
// [ErrInvalidID]) before taking a connection.
//
// The setting is transaction-local (set_config(…, true)), so the pooled
// connection carries no tenant once the transaction ends. A transaction
// costs BEGIN, set_config and COMMIT, each a round trip of its own
// (database/sql sends BEGIN itself), on top of fn's statements: three more
// than the statements, where [Run] costs one.
func RunSQL(ctx context.Context, db *SQLDB, fn func(ctx context.Context, s *SQLScope) error) (err error) {
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
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, db.setSQL, db.setting, string(id)); err != nil {
		_ = tx.Rollback()
		return err
	}
	s := &SQLScope{tx: tx, id: id}
	panicking := true
	defer func() {
		if panicking { // or runtime.Goexit: roll back, then let it continue
			s.close()
			_ = tx.Rollback()
		}
	}()
	fnErr := fn(ctx, s)
	panicking = false
	s.close()
	if fnErr != nil {
		_ = tx.Rollback()
		return fnErr
	}
	if err := ctx.Err(); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// close ends the scope: it waits for the statements in flight (which hold
// the read lock), so none reaches the transaction after RunSQL has ended it.
// database/sql answers sql.ErrTxDone after the end too; ErrScopeClosed says
// which misuse it is.
func (s *SQLScope) close() {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
}

// use checks, before a statement, that the scope is open and that ctx names
// no other tenant than the transaction's; it returns the unlock to defer.
func (s *SQLScope) use(ctx context.Context) (func(), error) {
	switch id, err := idFrom(ctx); {
	case errors.Is(err, ErrInvalidID):
		return nil, err
	case err == nil && id != s.id:
		return nil, ErrTenantMismatch
	}
	s.mu.RLock()
	if s.done {
		s.mu.RUnlock()
		return nil, ErrScopeClosed
	}
	return s.mu.RUnlock, nil
}

type sqlQuerier struct{ s *SQLScope }

func (q sqlQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	unlock, err := q.s.use(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return q.s.tx.ExecContext(ctx, query, args...)
}

func (q sqlQuerier) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	unlock, err := q.s.use(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return q.s.tx.PrepareContext(ctx, query)
}

// QueryContext holds the scope while the query is sent, not while its rows
// are read: database/sql itself refuses rows of a transaction that ended.
func (q sqlQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	unlock, err := q.s.use(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return q.s.tx.QueryContext(ctx, query, args...)
}

func (q sqlQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	unlock, err := q.s.use(ctx)
	if err != nil {
		return errRow(ctx, err)
	}
	defer unlock()
	return q.s.tx.QueryRowContext(ctx, query, args...)
}

// sqlErrQuerier is the Querier of a nil SQLScope: every method fails.
type sqlErrQuerier struct{ err error }

func (q sqlErrQuerier) ExecContext(context.Context, string, ...any) (sql.Result, error) {
	return nil, q.err
}

func (q sqlErrQuerier) PrepareContext(context.Context, string) (*sql.Stmt, error) {
	return nil, q.err
}

func (q sqlErrQuerier) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, q.err
}

func (q sqlErrQuerier) QueryRowContext(ctx context.Context, _ string, _ ...any) *sql.Row {
	return errRow(ctx, q.err)
}

// errRow returns a *sql.Row whose Scan returns err. database/sql has no
// constructor for one, so it comes from a *sql.DB whose every connection
// attempt fails with err: QueryRowContext then returns a Row carrying that
// error, and nothing is ever sent anywhere.
func errRow(ctx context.Context, err error) *sql.Row {
	db := sql.OpenDB(failingConnector{err})
	defer db.Close()
	return db.QueryRowContext(context.WithoutCancel(ctx), "")
}

type failingConnector struct{ err error }

func (c failingConnector) Connect(context.Context) (driver.Conn, error) { return nil, c.err }
func (c failingConnector) Driver() driver.Driver                        { return failingDriver(c) }

type failingDriver struct{ err error }

func (d failingDriver) Open(string) (driver.Conn, error) { return nil, d.err }

// Scan implements [sql.Scanner], so that sqlc's database/sql code can scan a
// tenant column into an ID whatever the key's type: database/sql stores
// only strings and bytes into a string type by itself, and pgx's stdlib
// driver hands it a bigint or integer key as an int64. The text is the one
// PostgreSQL writes, so it is canonical ([ValidID]). NULL is an error: a
// tenant column is NOT NULL, and the zero ID means no tenant. pgx scans
// through Scan too, with the same result as without it.
func (id *ID) Scan(src any) error {
	switch v := src.(type) {
	case string:
		*id = ID(v)
	case []byte:
		*id = ID(v)
	case int64:
		*id = ID(strconv.FormatInt(v, 10))
	case nil:
		return errors.New("tenant: cannot scan NULL into a tenant.ID")
	default:
		return fmt.Errorf("tenant: cannot scan a %T into a tenant.ID", src)
	}
	return nil
}

// VerifySQL is [Verify] for an [SQLDB]: the same checks of the role and of
// the setting's defaults, on one connection of db, which must come from
// pgx's stdlib driver.
func VerifySQL(ctx context.Context, db *SQLDB) error {
	if err := db.check(); err != nil {
		return err
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("tenant: verify: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("tenant: verify: the *sql.DB's driver connection is a %T, not pgx's stdlib: open it with sql.Open(\"pgx\", …) after importing github.com/jackc/pgx/v5/stdlib", dc)
		}
		return verify(ctx, c.Conn(), db.setting, db.setter)
	})
}
