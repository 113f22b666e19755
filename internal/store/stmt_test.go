package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTestSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "stmt.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	return db
}

const upsertKV = "INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = kv.v + excluded.v"

func (c *stmtCache) has(query string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.stmts[query]
	return ok
}

// A statement run in transactions is prepared on the writer once the second
// transaction that runs it has ended, and used by later transactions; one
// run on the readers is prepared there on its second run.
func TestStatementsAreKeptPreparedAcrossTransactions(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	for i := range 3 {
		err := db.InTx(ctx, func(tx *Tx) error {
			_, err := tx.ExecContext(ctx, upsertKV, "a", 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := db.wstmts.has(upsertKV), i >= 1; got != want {
			t.Errorf("after transaction %d: writer keeps the upsert prepared = %v, want %v", i+1, got, want)
		}
	}
	const read = "SELECT v FROM kv WHERE k = ?"
	for i := range 2 {
		var v int
		if err := db.QueryRowContext(ctx, read, "a").Scan(&v); err != nil || v != 3 {
			t.Fatalf("read = %d, %v; want 3", v, err)
		}
		if got, want := db.rstmts.has(read), i >= 1; got != want {
			t.Errorf("after read %d: readers keep it prepared = %v, want %v", i+1, got, want)
		}
	}
	// A kept statement still runs after the schema changed under it.
	if _, err := db.ExecContext(ctx, "ALTER TABLE kv ADD COLUMN note TEXT"); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRowContext(ctx, read, "a").Scan(&v); err != nil || v != 3 {
		t.Fatalf("read after ALTER TABLE = %d, %v; want 3", v, err)
	}
}

// Transactions, writes and reads outside them, and statements first met
// inside a transaction, all at once: nothing waits forever for the single
// writer connection, and every write lands.
func TestKeptStatementsDoNotDeadlockTheWriter(t *testing.T) {
	db := openTestSQLite(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const workers, rounds = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				key := fmt.Sprintf("k%d", r%5)
				var err error
				if w%2 == 0 {
					err = db.InTx(ctx, func(tx *Tx) error {
						if _, err := tx.ExecContext(ctx, upsertKV, key, 1); err != nil {
							return err
						}
						var n int
						// a statement text new to the pool in every round
						q := fmt.Sprintf("SELECT COUNT(*) FROM kv WHERE v >= %d", r%7)
						return tx.QueryRowContext(ctx, q).Scan(&n)
					})
				} else {
					if _, err = db.ExecContext(ctx, upsertKV, key, 1); err == nil {
						var v int
						err = db.QueryRowContext(ctx, "SELECT v FROM kv WHERE k = ?", key).Scan(&v)
					}
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
		t.Fatal(err)
	}
	var total int
	if err := db.QueryRowContext(ctx, "SELECT SUM(v) FROM kv").Scan(&total); err != nil || total != workers*rounds {
		t.Fatalf("sum = %d, %v; want %d", total, err, workers*rounds)
	}
}

func TestVersionsCountChangesPerTopic(t *testing.T) {
	db := openTestSQLite(t)
	db.Changed("catalog")
	db.Changed("catalog")
	if db.Version("catalog") != 2 || db.Version("promotions") != 0 {
		t.Errorf("versions = %d, %d; want 2, 0", db.Version("catalog"), db.Version("promotions"))
	}
}

// Once the pool keeps as many statements as it may, the oldest makes room:
// a statement met late still gets prepared, and an evicted one still runs.
func TestFullStatementCacheMakesRoom(t *testing.T) {
	db := openTestSQLite(t)
	ctx := context.Background()
	query := func(i int) string { return fmt.Sprintf("SELECT COUNT(*) + %d FROM kv", i) }
	for i := range maxPoolStmts + 10 {
		for range 2 {
			var n int
			if err := db.QueryRowContext(ctx, query(i)).Scan(&n); err != nil || n != i {
				t.Fatalf("query %d = %d, %v", i, n, err)
			}
		}
	}
	if !db.rstmts.has(query(maxPoolStmts+9)) || db.rstmts.has(query(0)) {
		t.Errorf("the newest statement kept %v, the oldest kept %v; want true, false",
			db.rstmts.has(query(maxPoolStmts+9)), db.rstmts.has(query(0)))
	}
	var n int
	if err := db.QueryRowContext(ctx, query(0)).Scan(&n); err != nil || n != 0 {
		t.Fatalf("evicted query = %d, %v", n, err)
	}
}
