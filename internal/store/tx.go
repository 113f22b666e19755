package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Tx is a transaction on the writer. It satisfies Querier; reads inside it see
// its own writes.
//
// On SQLite, statements are reused: those the writer pool keeps prepared
// (see stmtCache) are bound to the transaction, and the others are prepared
// once per transaction, since a transaction that runs the same statement
// thousands of times (a group commit of tracking events) would otherwise
// spend most of its time parsing SQL. PostgreSQL's driver keeps its own
// statement cache.
type Tx struct {
	tx *sql.Tx
	db *DB

	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	after []func() // run after a successful commit (AfterCommit)
}

// maxTxStmts bounds the statements one transaction prepares for itself.
const maxTxStmts = 64

// stmt returns the transaction's prepared statement for query, or nil when
// statements are not cached.
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.db.wstmts == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if st, ok := t.stmts[query]; ok {
		return st
	}
	// The statement serves the whole transaction, which may outlive the
	// caller's context (a group commit): a cancelled context must not leave
	// a failed statement behind for the others.
	ctx = context.WithoutCancel(ctx)
	var st *sql.Stmt
	if ps := t.db.wstmts.lookup(query); ps != nil {
		st = t.tx.StmtContext(ctx, ps)
	} else if len(t.stmts) < maxTxStmts {
		var err error
		if st, err = t.tx.PrepareContext(ctx, query); err != nil {
			return nil // the unprepared path reports the error
		}
	} else {
		return nil
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[query] = st
	return st
}

// ExecContext runs a statement inside the transaction.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.db.Rebind(query), args...)
}

// QueryContext runs a query inside the transaction.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, t.db.Rebind(query), args...)
}

// QueryRowContext runs a single-row query inside the transaction.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.db.Rebind(query), args...)
}

// Dialect reports the backend of the transaction's database.
func (t *Tx) Dialect() Dialect { return t.db.dialect }

// SQL exposes the underlying transaction, for libraries that take *sql.Tx.
func (t *Tx) SQL() *sql.Tx { return t.tx }

// InTx runs fn in a transaction on the writer and commits when fn returns nil.
// Any error or panic rolls the transaction back, so nothing is half-written.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: db}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.wstmts.flush(context.WithoutCancel(ctx))
	tx.runAfterCommit()
	return nil
}

// IsNoRows reports whether err says a single-row query found nothing.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
