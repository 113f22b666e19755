package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// The conformance suite: every test here runs against SQLite and PostgreSQL.

func TestMigrationsApplyToEmptyDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("no migrations embedded")
		}
		for _, m := range st {
			if !m.Applied {
				t.Errorf("migration %d %s not applied", m.Version, m.Name)
			}
		}
		n, err := db.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate applied %d, err %v; want 0, nil", n, err)
		}
	})
}

func TestTransactionRollsBackOnError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx,
				"INSERT INTO sources (id, name, channel, write_key, created_at) VALUES (?, ?, ?, ?, ?)",
				"src_1", "web", "web", "wk_1", 1); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sources WHERE id = ?", "src_1").Scan(&n); err != nil || n != 1 {
				t.Errorf("inside tx: count %d err %v, want 1", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx error = %v, want boom", err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sources").Scan(&n); err != nil || n != 0 {
			t.Fatalf("after rollback: count %d err %v, want 0", n, err)
		}
	})
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insert := "INSERT INTO sources (id, name, channel, write_key, created_at) VALUES (?, ?, ?, ?, ?)"
		if _, err := db.ExecContext(ctx, insert, "a", "web", "web", "key", 1); err != nil {
			t.Fatal(err)
		}
		_, err := db.ExecContext(ctx, insert, "b", "web", "web", "key", 1)
		if !store.IsUniqueViolation(err) {
			t.Fatalf("duplicate write key: err %v, want a unique violation", err)
		}
		if store.IsUniqueViolation(errors.New("other")) {
			t.Fatal("plain error reported as unique violation")
		}
	})
}

func TestSQLiteFileIsCreatedWithWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "omni.db")
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q (err %v), want wal", mode, err)
	}
	var fk int
	if err := db.QueryRowContext(context.Background(), "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d (err %v), want 1", fk, err)
	}
}

func TestRebind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		want := map[store.Dialect]string{
			store.SQLite:   "SELECT a FROM t WHERE b = ? AND c IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			store.Postgres: "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
		}[db.Dialect()]
		got := db.Rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		if got != want {
			t.Errorf("Rebind = %q, want %q", got, want)
		}
	})
}

// A transaction reuses its prepared statements: the same statement many
// times, statements of different shapes, and a rollback that discards them.
func TestTransactionReusesStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		insert := "INSERT INTO sources (id, name, channel, write_key, created_at) VALUES (?, ?, ?, ?, ?)"
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range 100 {
				id := fmt.Sprint("src_", i)
				if _, err := tx.ExecContext(ctx, insert, id, "web", "web", "key_"+id, i); err != nil {
					return err
				}
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM sources WHERE created_at <= ?", i).Scan(&n); err != nil || n != i+1 {
					return fmt.Errorf("count after %d inserts = %d, %v", i+1, n, err)
				}
			}
			for n := 1; n <= 80; n++ { // more shapes than are kept prepared
				q := "SELECT COUNT(*) FROM sources WHERE created_at IN (" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
				args := make([]any, n)
				for i := range args {
					args[i] = i
				}
				var got int
				if err := tx.QueryRowContext(ctx, q, args...).Scan(&got); err != nil || got != n {
					return fmt.Errorf("IN list of %d: %d, %v", n, got, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err = db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, insert, "src_x", "web", "web", "key_x", 1); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sources").Scan(&n); err != nil || n != 100 {
			t.Fatalf("%d sources (err %v), want 100", n, err)
		}
	})
}

// TestPostgresJIT: Omni's connections run without JIT compilation unless
// the URL asks for it.
func TestPostgresJIT(t *testing.T) {
	url := storetest.PostgresURL(t)
	if url == "" {
		t.Skip(storetest.PostgresEnv + " is not set")
	}
	for _, tc := range []struct{ suffix, want string }{{"", "off"}, {"&jit=on", "on"}} {
		db, err := store.Open(context.Background(), url+tc.suffix)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = db.QueryRowContext(context.Background(), "SHOW jit").Scan(&got)
		db.Close()
		if err != nil || got != tc.want {
			t.Errorf("jit with %q: %q, %v; want %q", tc.suffix, got, err, tc.want)
		}
	}
}

func TestRows(t *testing.T) {
	tests := []struct {
		n    int
		row  string
		want string
	}{{1, "(?, ?)", "(?, ?)"}, {3, "(?)", "(?),(?),(?)"}, {0, "(?)", ""}}
	for _, tc := range tests {
		if got := store.Rows(tc.n, tc.row); got != tc.want {
			t.Errorf("Rows(%d, %q) = %q, want %q", tc.n, tc.row, got, tc.want)
		}
	}
}
