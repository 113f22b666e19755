// Package storetest opens fresh, migrated databases for tests: a new SQLite
// file in the test's temporary directory, and — when OMNI_TEST_POSTGRES holds
// a PostgreSQL URL — a new schema on that server, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/omni-hq/omni/internal/store"
)

// PostgresEnv names the environment variable holding the test server's URL.
const PostgresEnv = "OMNI_TEST_POSTGRES"

// Each runs fn as a subtest against every available backend: SQLite always,
// PostgreSQL when OMNI_TEST_POSTGRES is set. Each subtest gets its own fresh,
// migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(PostgresEnv) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// SQLite opens a fresh, migrated SQLite database file under t.TempDir().
func SQLite(t testing.TB) *store.DB {
	t.Helper()
	return open(t, filepath.Join(t.TempDir(), "omni.db"))
}

// Postgres opens a fresh, migrated schema on the OMNI_TEST_POSTGRES server, or
// skips the test when the variable is empty.
func Postgres(t testing.TB) *store.DB {
	t.Helper()
	url := PostgresURL(t)
	if url == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	return open(t, url)
}

// PostgresURL creates a fresh schema on the OMNI_TEST_POSTGRES server and
// returns a URL whose search_path points at it; the schema is dropped when the
// test ends. It returns "" when the variable is empty.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		return ""
	}
	cfg, err := pgx.ParseConfig(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	admin := stdlib.OpenDB(*cfg)
	schema := "omni_test_" + randomHex(t, 8)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		dropSchema(t, admin, schema)
		admin.Close()
	})
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func dropSchema(t testing.TB, admin *sql.DB, schema string) {
	if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
		t.Logf("drop schema %s: %v", schema, err)
	}
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
