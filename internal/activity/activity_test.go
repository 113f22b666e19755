package activity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

var now = time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)

func day(n int) time.Time { return now.Truncate(activity.Day).AddDate(0, 0, n) }

type seeder struct {
	t  *testing.T
	db *store.DB
	n  int
}

func (s *seeder) event(channel, source string, received time.Time) {
	s.t.Helper()
	s.n++
	e := customer.Event{ID: fmt.Sprintf("evt_%d", s.n), CustomerID: "cus_1", SourceID: source, Channel: channel,
		Type: "track", Name: "x", MessageID: fmt.Sprint(s.n), Timestamp: received, ReceivedAt: received,
		Payload: json.RawMessage(`{}`)}
	err := s.db.InTx(context.Background(), func(tx *store.Tx) error {
		if _, err := customer.InsertTx(context.Background(), tx, []customer.Event{e}); err != nil {
			return err
		}
		return activity.RecordTx(context.Background(), tx, []customer.Event{e})
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

func (s *seeder) customer(id string, created time.Time, mergedInto string) {
	s.t.Helper()
	var into any
	if mergedInto != "" {
		into = mergedInto
	}
	_, err := s.db.ExecContext(context.Background(), `INSERT INTO customers (id, created_at, first_seen_at, last_seen_at, merged_into)
		VALUES (?, ?, ?, ?, ?)`, id, created.UnixMilli(), created.UnixMilli(), created.UnixMilli(), into)
	if err != nil {
		s.t.Fatal(err)
	}
}

func TestEventsByDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &seeder{t: t, db: db}
		svc := activity.NewService(db)
		s.event("web", "src_w", day(-2).Add(time.Hour))
		s.event("web", "src_w", day(-2).Add(23*time.Hour+59*time.Minute))
		s.event("web", "src_w", day(0).Add(time.Minute))
		s.event("chat", "src_c", day(-1))
		s.event("chat", "src_c", day(-3).Add(-time.Millisecond)) // before the period
		s.event("email", "src_e", day(1))                        // after it

		series, err := svc.EventsByDay(ctx, day(-2).Add(5*time.Hour), now)
		if err != nil {
			t.Fatal(err)
		}
		if len(series.Days) != 3 || !series.Days[0].Equal(day(-2)) || !series.Days[2].Equal(day(0)) {
			t.Fatalf("days %v", series.Days)
		}
		want := map[string][]int64{"chat": {0, 1, 0}, "email": {0, 0, 0}, "web": {2, 0, 1}}
		for ch, w := range want {
			if !slices.Equal(series.ByChannel[ch], w) {
				t.Errorf("%s: %v, want %v", ch, series.ByChannel[ch], w)
			}
		}
		if series.Total() != 4 || series.ChannelTotal("web") != 3 {
			t.Errorf("total %d, web %d; want 4 and 3", series.Total(), series.ChannelTotal("web"))
		}

		// New events count at once, on past days too.
		s.event("web", "src_w", now.Add(-time.Minute))
		s.event("web", "src_w", day(-2).Add(2*time.Hour))
		series, err = svc.EventsByDay(ctx, day(-2), now)
		if err != nil {
			t.Fatal(err)
		}
		if got := series.ByChannel["web"]; !slices.Equal(got, []int64{3, 0, 2}) {
			t.Errorf("web after new events: %v, want [3 0 2]", got)
		}

		if _, err := svc.EventsByDay(ctx, now, now.AddDate(-1, 0, 0)); err == nil {
			t.Error("reversed period accepted")
		}
		if _, err := svc.EventsByDay(ctx, now.AddDate(-2, 0, 0), now); err == nil {
			t.Error("two-year period accepted")
		}
	})
}

func TestLastEventsAndCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := &seeder{t: t, db: db}
		svc := activity.NewService(db)
		if chs, err := svc.Channels(ctx); err != nil || len(chs) != 0 {
			t.Fatalf("channels of an empty log: %v %v", chs, err)
		}
		s.event("web", "src_w", day(-5))
		s.event("web", "src_w2", day(-1))
		s.event("sms", "src_s", day(-3))
		s.event("sms", "src_s", day(-4))

		fresh := svc
		chs, err := fresh.Channels(ctx)
		if err != nil || !slices.Equal(chs, []string{"sms", "web"}) {
			t.Fatalf("channels %v %v", chs, err)
		}
		last, err := fresh.LastByChannel(ctx)
		if err != nil || !last["web"].Equal(day(-1)) || !last["sms"].Equal(day(-3)) || len(last) != 2 {
			t.Fatalf("last by channel %v %v", last, err)
		}
		bySrc, err := fresh.LastBySource(ctx, []string{"src_w", "src_s", "src_none"})
		if err != nil || !bySrc["src_w"].Equal(day(-5)) || !bySrc["src_s"].Equal(day(-3)) {
			t.Fatalf("last by source %v %v", bySrc, err)
		}
		if _, ok := bySrc["src_none"]; ok {
			t.Error("a silent source has a last event")
		}

		s.customer("cus_a", day(-40), "")
		s.customer("cus_b", day(-20), "")
		s.customer("cus_c", day(-5), "")
		s.customer("cus_d", day(-2), "cus_c") // merged away: not counted
		s.customer("cus_e", day(-1), "")
		c, err := fresh.Customers(ctx, activity.Period{From: day(-7), To: now}, activity.Period{From: day(-14), To: day(-7)})
		if err != nil {
			t.Fatal(err)
		}
		if c != (activity.CustomerCounts{Total: 4, New: 2, Prior: 0}) {
			t.Errorf("customers %+v, want total 4, new 2, prior 0", c)
		}
		c, _ = fresh.Customers(ctx, activity.Period{From: day(-14), To: now}, activity.Period{From: day(-28), To: day(-14)})
		if c.New != 2 || c.Prior != 1 {
			t.Errorf("14 days: %+v, want new 2, prior 1", c)
		}
	})
}

// Counts for the same periods are reused for a few seconds, then answered
// once more while counted again in the background, and counted before
// answering when too old.
func TestCustomerCountsAreReusedBriefly(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	s := &seeder{t: t, db: db}
	svc := activity.NewService(db)
	clock := now
	activity.SetClock(svc, func() time.Time { return clock })
	cur, prev := activity.Period{From: day(-7), To: now}, activity.Period{From: day(-14), To: day(-7)}
	s.customer("cus_a", day(-1), "")
	if c, _ := svc.Customers(ctx, cur, prev); c.Total != 1 || c.New != 1 {
		t.Fatalf("first count %+v", c)
	}
	s.customer("cus_b", day(-1), "")
	if c, _ := svc.Customers(ctx, cur, prev); c.Total != 1 {
		t.Errorf("count within seconds %+v, want the reused total 1", c)
	}
	clock = clock.Add(time.Minute) // stale: answered once more, counted again behind
	if c, _ := svc.Customers(ctx, cur, prev); c.Total != 1 {
		t.Errorf("stale count %+v, want the reused total 1 while a new count runs", c)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, _ := svc.Customers(ctx, cur, prev)
		if c.Total == 2 && c.New == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("count after the background recount %+v, want 2 and 2", c)
		}
		time.Sleep(10 * time.Millisecond)
	}
	clock = clock.Add(time.Hour) // too old to answer: counted before answering
	s.customer("cus_c", day(-1), "")
	if c, _ := svc.Customers(ctx, cur, prev); c.Total != 3 {
		t.Errorf("count an hour later %+v, want 3", c)
	}
}
