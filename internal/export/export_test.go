package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/export"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestPaging: every row is written once whatever the page size, and the
// time window bounds events by their timestamp.
func TestPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var events []customer.Event
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := range 5 {
				cid := fmt.Sprintf("cus_%d", i)
				if _, err := tx.ExecContext(ctx, "INSERT INTO customers (id, created_at, first_seen_at, last_seen_at) VALUES (?, 0, 0, ?)",
					cid, base.UnixMilli()); err != nil {
					return err
				}
				at := base.Add(time.Duration(i) * 24 * time.Hour)
				events = append(events, customer.Event{ID: customer.EventID("src", fmt.Sprint(i), at), CustomerID: cid, SourceID: "src",
					Channel: "web", Type: "track", Name: "Viewed", MessageID: fmt.Sprint(i), Timestamp: at, ReceivedAt: at,
					Payload: json.RawMessage(`{"type":"track"}`)})
			}
			_, err := customer.InsertTx(ctx, tx, events)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			kind         string
			size         int
			since, until time.Time
			want         int
		}{
			{"customers", 1, time.Time{}, time.Time{}, 5},
			{"customers", 2, time.Time{}, time.Time{}, 5},
			{"customers", 5, time.Time{}, time.Time{}, 5},
			{"events", 2, time.Time{}, time.Time{}, 5},
			{"events", 2, base.Add(24 * time.Hour), base.Add(3 * 24 * time.Hour), 2},
			{"orders", 2, time.Time{}, time.Time{}, 0},
		} {
			var out bytes.Buffer
			o := export.Options{Format: export.JSONLines, PageSize: tc.size, Since: tc.since, Until: tc.until}
			n, err := export.Write(ctx, db, tc.kind, &out, o)
			lines := strings.Count(out.String(), "\n")
			count, cerr := export.Count(ctx, db, tc.kind, o)
			if err != nil || cerr != nil || n != int64(tc.want) || lines != tc.want || count != int64(tc.want) {
				t.Errorf("%s page %d: wrote %d (%d lines), count %d, %v %v; want %d", tc.kind, tc.size, n, lines, count, err, cerr, tc.want)
			}
		}
	})
}
