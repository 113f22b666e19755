package customer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// One append touching more customers than one batched statement holds, with
// known and new channels and events out of order, moves every customer's
// first/last seen and channels as one event at a time would.
func TestAppendTouchesManyCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(db)
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		const n = 450
		cids := make([]string, n)
		for i := range n {
			cids[i] = f.track(t, "web", fmt.Sprint("first-", i), t0, nil, id(t, identity.AnonymousID, fmt.Sprint("a", i)))
		}
		var events []customer.Event
		for i, cid := range cids {
			channel := "web"
			if i%3 == 0 {
				channel = "pos" // new for this customer
			}
			for j, dt := range []time.Duration{time.Hour, -time.Hour, 30 * time.Minute} {
				msg := fmt.Sprint("m-", i, "-", j)
				events = append(events, customer.Event{ID: customer.EventID("src", msg, t0.Add(dt)), CustomerID: cid, SourceID: "src",
					Channel: channel, Type: "track", MessageID: msg, Timestamp: t0.Add(dt), ReceivedAt: t0,
					Payload: json.RawMessage(`{}`)})
			}
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			_, err := f.cs.AppendTx(ctx, tx, events)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, cid := range cids {
			p, err := f.cs.Get(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			want := "[web]"
			if i%3 == 0 {
				want = "[pos web]"
			}
			if fmt.Sprint(p.Channels) != want || !p.FirstSeenAt.Equal(t0.Add(-time.Hour)) || !p.LastSeenAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("customer %d: channels %v seen %v – %v", i, p.Channels, p.FirstSeenAt, p.LastSeenAt)
			}
		}
	})
}
