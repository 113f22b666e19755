package analytics_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// BenchmarkAppend stores batches of 500 events of 100 customers on SQLite,
// with and without the analytics hook, to show what the rollups cost ingest.
func BenchmarkAppend(b *testing.B) {
	for _, hook := range []bool{false, true} {
		b.Run(fmt.Sprintf("hook=%v", hook), func(b *testing.B) {
			ctx := context.Background()
			db := storetest.SQLite(b)
			cs := customer.NewService(db)
			if hook {
				cs.OnAppend(analytics.NewService(db, analytics.Options{}).Append)
			}
			for i := range 1000 {
				if _, err := db.ExecContext(ctx, "INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES (?, 0, 0, 0)", fmt.Sprintf("c%d", i)); err != nil {
					b.Fatal(err)
				}
			}
			names := []string{"Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Promotion Clicked"}
			channels := []string{"web", "app", "pos"}
			start := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
			n := 0
			for b.Loop() {
				batch := make([]customer.Event, 500)
				for i := range batch {
					n++
					ts := start.Add(time.Duration(n) * time.Second)
					props, _ := json.Marshal(map[string]any{"properties": map[string]any{"order_id": fmt.Sprintf("o%d", n), "total": "19.99", "currency": "EUR"}})
					batch[i] = customer.Event{ID: customer.EventID("s", fmt.Sprint(n), ts), CustomerID: fmt.Sprintf("c%d", (n/5)%1000),
						SourceID: "s", Channel: channels[n%3], Type: "track", Name: names[n%5], MessageID: fmt.Sprint(n),
						Timestamp: ts, ReceivedAt: ts, Payload: props}
				}
				err := db.InTx(ctx, func(tx *store.Tx) error { _, err := cs.AppendTx(ctx, tx, batch); return err })
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
