// Package store opens Omni's database — an embedded SQLite file or a PostgreSQL
// server — applies the embedded migrations and offers one small query API that
// both backends share.
//
// SQL written against this package uses `?` placeholders and portable types
// (TEXT, BIGINT, INTEGER); timestamps are BIGINT Unix milliseconds, money is
// BIGINT minor units, JSON documents are TEXT. The store rewrites placeholders
// for PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names the SQL backend behind a DB.
type Dialect string

const (
	// SQLite is the embedded backend (modernc.org/sqlite).
	SQLite Dialect = "sqlite"
	// Postgres is the PostgreSQL backend (pgx).
	Postgres Dialect = "postgres"
)

// DefaultPath is the SQLite database used when no --database is given.
const DefaultPath = "omni-data/omni.db"

// Querier is what both a DB and a Tx offer: statements with `?` placeholders.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is an open Omni database. For SQLite it keeps one writer connection
// (SQLite allows one writer at a time) and a pool of readers; for PostgreSQL
// both are the same pool.
type DB struct {
	dialect Dialect
	write   *sql.DB
	read    *sql.DB
	source  string
	ckpt    *checkpointer // SQLite only

	// Prepared statements kept by the SQLite pools; nil on PostgreSQL.
	wstmts, rstmts *stmtCache
	versions       versions
}

// Open opens the database named by dsn: a postgres:// or postgresql:// URL, or
// a path to a SQLite file (created with its directory when missing). It does
// not apply migrations; call Migrate.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		dsn = DefaultPath
	}
	var db *DB
	var err error
	if IsPostgresURL(dsn) {
		db, err = openPostgres(dsn)
	} else {
		db, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", db.dialect, err)
	}
	return db, nil
}

// IsPostgresURL reports whether dsn names a PostgreSQL server.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

func openPostgres(dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres url: %w", err)
	}
	// Omni's statements are short or stop at a LIMIT, but PostgreSQL judges
	// JIT compilation by the plan's total cost: a page of segment members
	// took 64 ms with it and 1–4 ms without. A DSN that sets jit wins.
	if _, ok := cfg.RuntimeParams["jit"]; !ok {
		cfg.RuntimeParams["jit"] = "off"
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(20)
	pool.SetMaxIdleConns(20)
	return &DB{dialect: Postgres, write: pool, read: pool, source: redactURL(dsn)}, nil
}

func openSQLite(path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data directory %s: %w", dir, err)
		}
	}
	// WAL lets readers run beside the single writer; synchronous(FULL) makes
	// every committed transaction survive a power loss, not only a crash.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	// The writer keeps statement journals in memory, so that a large
	// transaction (a group commit of tracking events) writes no temporary
	// files, and leaves checkpoints to the checkpointer (checkpoint.go).
	write, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-131072)&_pragma=temp_store(MEMORY)&_txlock=immediate"+
		"&_pragma=wal_autocheckpoint("+strconv.Itoa(writerBackstopPg)+")")
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	// Readers keep a small page cache each and read through a memory map, so
	// they share the operating system's cache instead of holding copies.
	read, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-16384)&_pragma=mmap_size(1073741824)&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	read.SetMaxIdleConns(8)
	ckpt, err := startCheckpointer(path, pragmas)
	if err != nil {
		write.Close()
		read.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{dialect: SQLite, write: write, read: read, source: path, ckpt: ckpt,
		wstmts: newStmtCache(write), rstmts: newStmtCache(read)}, nil
}

// Dialect reports the backend.
func (db *DB) Dialect() Dialect { return db.dialect }

// String names the database without credentials, for logs.
func (db *DB) String() string { return string(db.dialect) + ":" + db.source }

// Writer is the pool that writes; background-job drivers need it directly.
func (db *DB) Writer() *sql.DB { return db.write }

// Reader is the pool that serves reads.
func (db *DB) Reader() *sql.DB { return db.read }

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return err
	}
	if db.read != db.write {
		return db.write.PingContext(ctx)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var err error
	if db.ckpt != nil {
		err = db.ckpt.close()
	}
	if db.wstmts != nil {
		db.wstmts.close()
		db.rstmts.close()
	}
	err = errors.Join(err, db.write.Close())
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// ExecContext runs a writing statement on the writer. It must not be called
// inside a transaction (use the Tx): the writer has one connection.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := db.wstmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.write.ExecContext(ctx, db.Rebind(query), args...)
}

// QueryContext runs a query on the readers.
func (db *DB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.rstmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRowContext runs a single-row query on the readers.
func (db *DB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.rstmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, db.Rebind(query), args...)
}

// Placeholders returns n comma-separated `?` placeholders, for an IN list or
// a row of VALUES; Rebind numbers them for PostgreSQL.
func Placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// Rows returns row, a parenthesised row of placeholders such as "(?, ?)",
// n times comma-separated: the VALUES of a multi-row statement.
func Rows(n int, row string) string {
	return strings.TrimSuffix(strings.Repeat(row+",", n), ",")
}

// Rebind rewrites `?` placeholders for the backend ($1, $2… on PostgreSQL).
// Queries must not contain a literal question mark.
func (db *DB) Rebind(query string) string {
	if db.dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func redactURL(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	scheme := strings.Index(dsn, "://")
	if at < 0 || scheme < 0 {
		return dsn
	}
	return dsn[:scheme+3] + "…" + dsn[at:]
}
