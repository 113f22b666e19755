package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/seed"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestSeedIsReadableAndDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		end := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		st, err := seed.Run(ctx, db, seed.Options{Customers: 200, EventsPerCustomer: 5, Seed: 7, End: end})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		db.QueryRowContext(ctx, "SELECT COUNT(*) FROM events").Scan(&n)
		if st.Customers != 200 || n != st.Events || n < 200 {
			t.Fatalf("stats %+v, %d events stored", st, n)
		}
		cs := customer.NewService(db)
		p, err := cs.Get(ctx, "cus_seed_3")
		if err != nil {
			t.Fatal(err)
		}
		page, err := cs.Timeline(ctx, p.ID, 50, "")
		if err != nil || len(page.Events) == 0 {
			t.Fatalf("timeline: %d events, %v", len(page.Events), err)
		}
		if last := page.Events[0].Timestamp; !last.Equal(p.LastSeenAt) {
			t.Fatalf("last seen %v, newest event %v", p.LastSeenAt, last)
		}
		again, err := seed.Run(ctx, storetest.SQLite(t), seed.Options{Customers: 200, EventsPerCustomer: 5, Seed: 7, End: end})
		if err != nil || again != st {
			t.Fatalf("same seed gave %+v (%v), first run %+v", again, err, st)
		}
	})
}
