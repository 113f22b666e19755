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

// The stored last_seen_at moves only when an event is SeenGrain newer than
// what was last written, first_seen_at and channels whenever they change, a
// rolled-back append teaches nothing, and the profile reports the newest
// event exactly.
func TestStoredSeenLagsByAtMostGrain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(db)
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		cid := f.track(t, "web", "first", t0, nil, id(t, identity.AnonymousID, "a1"))
		steps := []struct {
			name        string
			at          time.Duration
			channel     string
			rollback    bool
			first, last time.Duration // stored afterwards, from t0
			channels    string
			profileLast time.Duration
		}{
			{"within the grain", 30 * time.Second, "web", false, 0, 0, "web", 30 * time.Second},
			{"past the grain", 2 * time.Minute, "web", false, 0, 2 * time.Minute, "web", 2 * time.Minute},
			{"new channel within the grain", 2*time.Minute + 10*time.Second, "pos", false, 0, 2*time.Minute + 10*time.Second, "pos,web", 2*time.Minute + 10*time.Second},
			{"before first seen", -time.Hour, "web", false, -time.Hour, 2*time.Minute + 10*time.Second, "pos,web", 2*time.Minute + 10*time.Second},
			{"rolled back", 10 * time.Minute, "web", true, -time.Hour, 2*time.Minute + 10*time.Second, "pos,web", 2*time.Minute + 10*time.Second},
			{"after a rollback", 10*time.Minute + 30*time.Second, "web", false, -time.Hour, 10*time.Minute + 30*time.Second, "pos,web", 10*time.Minute + 30*time.Second},
		}
		for i, s := range steps {
			msg := fmt.Sprint("step-", i)
			at := t0.Add(s.at)
			ev := customer.Event{ID: customer.EventID("src", msg, at), CustomerID: cid, SourceID: "src",
				Channel: s.channel, Type: "track", MessageID: msg, Timestamp: at, ReceivedAt: at, Payload: json.RawMessage(`{}`)}
			rollback := fmt.Errorf("roll back")
			err := db.InTx(ctx, func(tx *store.Tx) error {
				if _, err := f.cs.AppendTx(ctx, tx, []customer.Event{ev}); err != nil {
					return err
				}
				if s.rollback {
					return rollback
				}
				return nil
			})
			if err != nil && err != rollback {
				t.Fatal(err)
			}
			var first, last int64
			var channels string
			if err := db.QueryRowContext(ctx, "SELECT first_seen_at, last_seen_at, channels FROM customers WHERE id = ?", cid).
				Scan(&first, &last, &channels); err != nil {
				t.Fatal(err)
			}
			if first != t0.Add(s.first).UnixMilli() || last != t0.Add(s.last).UnixMilli() || channels != s.channels {
				t.Errorf("%s: stored %v – %v %q, want %v – %v %q", s.name, time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC(),
					channels, t0.Add(s.first), t0.Add(s.last), s.channels)
			}
			p, err := f.cs.Get(ctx, cid)
			if err != nil {
				t.Fatal(err)
			}
			if !p.LastSeenAt.Equal(t0.Add(s.profileLast)) {
				t.Errorf("%s: profile last seen %v, want %v", s.name, p.LastSeenAt, t0.Add(s.profileLast))
			}
		}
	})
}

// Two nodes adding different channels to one customer at once on
// PostgreSQL: the second waits for the first and keeps both channels.
func TestConcurrentNewChannelsAreBothKept(t *testing.T) {
	db := storetest.Postgres(t)
	ctx := context.Background()
	f := newFixture(db)
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	cid := f.track(t, "web", "first", t0, nil, id(t, identity.AnonymousID, "shared"))
	event := func(channel string) []customer.Event {
		return []customer.Event{{ID: customer.EventID("src", channel, t0), CustomerID: cid, SourceID: "src",
			Channel: channel, Type: "track", MessageID: channel, Timestamp: t0, ReceivedAt: t0, Payload: json.RawMessage(`{}`)}}
	}
	nodeA, nodeB := customer.NewService(db), customer.NewService(db) // separate seen caches
	appended, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := nodeA.AppendTx(ctx, tx, event("sms")); err != nil {
				return err
			}
			close(appended)
			<-release // commit only once the other node is waiting
			return nil
		})
	}()
	<-appended
	go func() {
		time.Sleep(200 * time.Millisecond)
		close(release)
	}()
	if err := db.InTx(ctx, func(tx *store.Tx) error { _, err := nodeB.AppendTx(ctx, tx, event("app")); return err }); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p, err := f.cs.Get(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.Channels); got != "[app sms web]" {
		t.Errorf("channels %s, want app, sms and web", got)
	}
}
