package segment_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/seed"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// BenchmarkSegments counts and pages typical segments over a database built
// by internal/seed (OMNI_BENCH_CUSTOMERS customers, 1,000,000 by default,
// OMNI_BENCH_EVENTS events each on average over 90 days, 10 by default)
// plus traits, consent, orders, carts and wallets for a share of them. The SQLite file is built once and
// kept under $OMNI_BENCH_DIR (or the temporary directory); with
// OMNI_BENCH_POSTGRES set the same data is built in a fresh PostgreSQL
// schema (OMNI_TEST_POSTGRES) for the run.
//
//	go test -run '^$' -bench Segments -benchtime 5x -timeout 60m ./internal/segment/
//
// Each measurement follows one call that warms the page cache.
func BenchmarkSegments(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("OMNI_BENCH_CUSTOMERS")); err == nil && v > 0 {
		n = v
	}
	events := 10
	if v, err := strconv.Atoi(os.Getenv("OMNI_BENCH_EVENTS")); err == nil && v > 0 {
		events = v
	}
	var db *store.DB
	if os.Getenv("OMNI_BENCH_POSTGRES") != "" {
		db = storetest.Postgres(b)
		buildBenchData(b, db, n, events)
	} else {
		db = benchSQLite(b, n, events)
	}
	svc := segment.NewService(db)
	ctx := context.Background()
	var defs []segment.Definition
	for _, bc := range benchSegments {
		defs = append(defs, bc.def)
		b.Run(bc.name+"/count", func(b *testing.B) {
			got, err := svc.Count(ctx, bc.def) // warm the page cache
			if err != nil {
				b.Fatal(err)
			}
			cpu := cpuTime()
			for b.Loop() {
				c, err := svc.Count(ctx, bc.def)
				if err != nil {
					b.Fatal(err)
				}
				got = c
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(got), "members")
		})
		b.Run(bc.name+"/page", func(b *testing.B) {
			if _, _, err := svc.Members(ctx, bc.def, 50, ""); err != nil {
				b.Fatal(err)
			}
			cpu := cpuTime()
			for b.Loop() {
				if _, _, err := svc.Members(ctx, bc.def, 50, ""); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu)
		})
	}
	for i, def := range defs {
		if _, err := svc.Create(ctx, segment.Input{Name: fmt.Sprintf("bench %d", i), Definition: def}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("of-one-customer", func(b *testing.B) {
		if _, err := svc.Of(ctx, "cus_seed_0"); err != nil {
			b.Fatal(err)
		}
		i := 0
		cpu := cpuTime()
		for b.Loop() {
			if _, err := svc.Of(ctx, fmt.Sprintf("cus_seed_%d", (i*7919)%n)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportCPU(b, cpu)
	})
	for i := range defs {
		if _, err := db.ExecContext(ctx, "DELETE FROM segments WHERE name = ?", fmt.Sprintf("bench %d", i)); err != nil {
			b.Fatal(err)
		}
	}
}

// cpuTime is the CPU time the process has used (user and system). On
// SQLite the database runs in the process, so it is the cost of a query
// whatever else shares the machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
}

func conds(match string, cs ...segment.Condition) segment.Definition {
	return segment.Definition{Match: match, Conditions: cs}
}

var benchSegments = []struct {
	name string
	def  segment.Definition
}{
	{"omnichannel", conds("all", cond("channel_count", "gte", "2"))},
	{"used-messenger", conds("all", cond("channel", "is", "messenger"))},
	{"seen-7-days", conds("all", with(cond("last_seen", "within", ""), days(7)))},
	{"viewed-7-days", conds("all", with(cond("event", "done", "Product Viewed"), days(7)))},
	{"trait-gold", conds("all", with(cond("trait", "eq", "gold"), key("plan")))},
	{"email-consent", conds("all", with(cond("consent", "granted", ""), channel("email")))},
	{"vip-500", conds("all", cond("total_spent", "gte", "500 EUR"))},
	{"cart-7-days", conds("all", with(cond("open_cart", "exists", ""), days(7)))},
	{"wallet", conds("all", cond("promotion", "holds", "AUTUMN10"))},
	{"web-no-order-30d", conds("all", cond("channel", "is", "web"), with(cond("event", "not_done", "Order Completed"), days(30)),
		with(cond("last_seen", "within", ""), days(30)))},
	{"any-of-three", conds("any", cond("channel", "is", "sms"), cond("orders_count", "gte", "2"),
		with(cond("consent", "granted", ""), channel("messenger")))},
}

// benchSQLite returns the kept SQLite benchmark database, building it first
// when needed.
func benchSQLite(b *testing.B, n, events int) *store.DB {
	dir := os.Getenv("OMNI_BENCH_DIR")
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("omni-segment-bench-%dc-%de.db", n, events))
	if _, err := os.Stat(path + ".done"); err != nil {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(path + suffix)
		}
		db := openBench(b, path)
		buildBenchData(b, db, n, events)
		db.Close()
		if err := os.WriteFile(path+".done", nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	db := openBench(b, path)
	b.Cleanup(func() { db.Close() })
	return db
}

func openBench(b *testing.B, dsn string) *store.DB {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	return db
}

// buildBenchData seeds customers and events, then gives a share of the
// customers (by their number n in cus_seed_<n>) the rest: a plan trait (half,
// a tenth gold), email, SMS and Messenger consent (a third, a seventh, an
// eleventh), a paid order (a fifth; a twenty-fifth two), an open cart with a
// line (a tenth) and AUTUMN10 in the wallet (a thirteenth).
func buildBenchData(b *testing.B, db *store.DB, n, events int) {
	ctx := context.Background()
	start := time.Now()
	if _, err := seed.Run(ctx, db, seed.Options{Customers: n, EventsPerCustomer: events, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	far := time.Now().Add(365 * 24 * time.Hour).UnixMilli()
	const num = "(SELECT id, last_seen_at AS seen, CAST(SUBSTR(id, 10) AS BIGINT) AS n FROM customers) s"
	stmts := []string{
		`INSERT INTO customer_traits (customer_id, key, value, source, channel, updated_at)
			SELECT id, 'plan', CASE WHEN n % 10 = 0 THEN '"gold"' ELSE '"silver"' END, 'bench', 'web', seen FROM ` + num + ` WHERE n % 2 = 0`,
		`INSERT INTO customer_consent (customer_id, channel, purpose, granted, source, updated_at)
			SELECT id, 'email', 'marketing', 1, 'bench', seen FROM ` + num + ` WHERE n % 3 = 0`,
		`INSERT INTO customer_consent (customer_id, channel, purpose, granted, source, updated_at)
			SELECT id, 'sms', 'marketing', 1, 'bench', seen FROM ` + num + ` WHERE n % 7 = 0`,
		`INSERT INTO customer_consent (customer_id, channel, purpose, granted, source, updated_at)
			SELECT id, 'messenger', 'marketing', 1, 'bench', seen FROM ` + num + ` WHERE n % 11 = 0`,
		`INSERT INTO orders (id, customer_id, channel, status, payment_status, fulfillment, currency, subtotal, discount,
			shipping, tax, total, payment_provider, created_at, updated_at, paid_at)
			SELECT 'ord_a_' || id, id, 'web', 'paid', 'paid', 'shipping', 'EUR', 0, 0, 0, 0, 1000 + (n % 97) * 1000, 'manual', seen, seen, seen
			FROM ` + num + ` WHERE n % 5 = 0`,
		`INSERT INTO orders (id, customer_id, channel, status, payment_status, fulfillment, currency, subtotal, discount,
			shipping, tax, total, payment_provider, created_at, updated_at, paid_at)
			SELECT 'ord_b_' || id, id, 'pos', 'picked_up', 'paid', 'in_store', 'EUR', 0, 0, 0, 0, 4500, 'manual', seen, seen, seen
			FROM ` + num + ` WHERE n % 25 = 0`,
		`INSERT INTO carts (id, customer_id, status, created_channel, updated_channel, created_at, updated_at)
			SELECT 'cart_' || id, id, 'active', 'web', 'web', seen, seen FROM ` + num + ` WHERE n % 10 = 0`,
		`INSERT INTO cart_lines (cart_id, variant_id, quantity, added_channel, updated_channel, added_at, updated_at)
			SELECT 'cart_' || id, 'var_1', 1, 'web', 'web', seen, seen FROM ` + num + ` WHERE n % 10 = 0`,
		`INSERT INTO customer_promotions (customer_id, promotion_id, code, channel, source, attached_at, expires_at)
			SELECT id, 'autumn10', 'AUTUMN10', 'ads', 'ad_click', seen, ` + strconv.FormatInt(far, 10) + ` FROM ` + num + ` WHERE n % 13 = 0`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("bench data: %v\n%s", err, q)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d customers with events, traits, consent, orders, carts and wallets in %s",
		n, time.Since(start).Round(time.Second))
}
