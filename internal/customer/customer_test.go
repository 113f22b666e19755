package customer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

type fixture struct {
	db  *store.DB
	ids *identity.Service
	cs  *customer.Service
}

func newFixture(db *store.DB) fixture {
	f := fixture{db: db, ids: identity.NewService(db, identity.Options{}), cs: customer.NewService(db)}
	f.ids.OnMerge(f.cs.MergeTx)
	return f
}

// track resolves the identifiers and appends one event, as a channel would.
func (f fixture) track(t *testing.T, channel, msgID string, at time.Time, traits map[string]any, ids ...identity.Identifier) string {
	t.Helper()
	ctx := context.Background()
	var cid string
	err := f.ids.Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
		r, err := b.Resolve(ctx, identity.Request{Identifiers: ids, Channel: channel, At: at})
		if err != nil {
			return err
		}
		cid = r.CustomerID
		if len(traits) > 0 {
			raw := map[string]json.RawMessage{}
			for k, v := range traits {
				raw[k], _ = json.Marshal(v)
			}
			if err := f.cs.SetTraitsTx(ctx, tx, cid, raw, "src_test", channel, at); err != nil {
				return err
			}
		}
		_, err = f.cs.AppendTx(ctx, tx, []customer.Event{{
			ID: customer.EventID("src_"+channel, msgID, at), CustomerID: cid, SourceID: "src_" + channel,
			Channel: channel, Type: "track", Name: "Viewed " + msgID, MessageID: msgID,
			Timestamp: at, ReceivedAt: at, Payload: json.RawMessage(`{"messageId":"` + msgID + `"}`),
		}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cid
}

func id(t *testing.T, typ identity.Type, v string) identity.Identifier {
	i, err := identity.New(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestOneTimelineAcrossChannels(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(db)
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		phone := id(t, identity.AnonymousID, "phone")
		laptop := id(t, identity.AnonymousID, "laptop")
		email := id(t, identity.Email, "ann@example.com")

		a := f.track(t, "ads", "m1", t0, nil, phone)
		f.track(t, "web", "m2", t0.Add(time.Minute), nil, phone)
		b := f.track(t, "web", "m3", t0.Add(2*time.Hour), nil, laptop)
		f.track(t, "app", "m4", t0.Add(3*time.Hour), map[string]any{"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee"}, phone, email)
		// A retry of m2 is not stored twice.
		f.track(t, "web", "m2", t0.Add(time.Minute), nil, phone)
		// Signing in on the laptop merges the two profiles.
		survivor := f.track(t, "web", "m5", t0.Add(4*time.Hour), nil, laptop, email)
		if survivor != a || a == b {
			t.Fatalf("survivor %s, phone profile %s, laptop profile %s", survivor, a, b)
		}

		p, err := f.cs.Get(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != "Ann Lee" || p.Email != "ann@example.com" {
			t.Fatalf("contact = %q %q", p.Name, p.Email)
		}
		if fmt.Sprint(p.Channels) != "[ads app web]" {
			t.Fatalf("channels = %v", p.Channels)
		}
		if !p.FirstSeenAt.Equal(t0) || !p.LastSeenAt.Equal(t0.Add(4*time.Hour)) {
			t.Fatalf("seen %v – %v", p.FirstSeenAt, p.LastSeenAt)
		}
		if gone, _ := f.cs.Get(ctx, b); gone.MergedInto != a {
			t.Fatalf("merged profile says merged_into %q", gone.MergedInto)
		}

		// Newest first, two per page, across channels and devices.
		var got []string
		cursor := ""
		for {
			page, err := f.cs.Timeline(ctx, a, 2, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				got = append(got, e.MessageID+"@"+e.Channel)
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
		if want := "[m5@web m4@app m3@web m2@web m1@ads]"; fmt.Sprint(got) != want {
			t.Fatalf("timeline %v, want %s", got, want)
		}
		if _, err := f.cs.Timeline(ctx, a, 2, "garbage!"); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("bad cursor: %v", err)
		}
	})
}

func TestTraitsLatestValueWins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(db)
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		u := id(t, identity.UserID, "u1")
		cid := f.track(t, "web", "a", t0.Add(time.Hour), map[string]any{"plan": "gold"}, u)
		f.track(t, "app", "b", t0, map[string]any{"plan": "silver", "city": "Lyon"}, u) // older, arrives late
		p, err := f.cs.Get(ctx, cid)
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Traits["plan"].Value) != `"gold"` || p.Traits["plan"].Channel != "web" {
			t.Fatalf("plan = %s from %s, want gold from web", p.Traits["plan"].Value, p.Traits["plan"].Channel)
		}
		if string(p.Traits["city"].Value) != `"Lyon"` {
			t.Fatalf("city = %s", p.Traits["city"].Value)
		}
	})
}

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(db)
		now := time.Now().UTC()
		for i, name := range []string{"Ann Lee", "Anna Berg", "Bob Stone"} {
			f.track(t, "web", fmt.Sprint(i), now, map[string]any{"name": name, "email": fmt.Sprintf("c%d@example.com", i)},
				id(t, identity.UserID, fmt.Sprint("u", i)))
		}
		tests := []struct {
			q    string
			want int
		}{{"ann", 2}, {"ANNA", 1}, {"c2@", 1}, {"zed", 0}, {"", 3}}
		for _, tc := range tests {
			got, _, err := f.cs.Search(ctx, tc.q, 10, "")
			if err != nil || len(got) != tc.want {
				t.Errorf("Search(%q) = %d results (%v), want %d", tc.q, len(got), err, tc.want)
			}
		}
		first, next, _ := f.cs.Search(ctx, "", 2, "")
		rest, last, _ := f.cs.Search(ctx, "", 2, next)
		if len(first) != 2 || next == "" || len(rest) != 1 || last != "" {
			t.Fatalf("pagination: %d %q %d %q", len(first), next, len(rest), last)
		}
	})
}

func TestEventIDs(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	a := customer.EventID("src_1", "m1", t0)
	if a != customer.EventID("src_1", "m1", t0) {
		t.Fatal("EventID is not stable")
	}
	for _, other := range []string{
		customer.EventID("src_2", "m1", t0),
		customer.EventID("src_1", "m2", t0),
		customer.EventID("src_1", "m1", t0.Add(time.Millisecond)),
	} {
		if other == a {
			t.Fatalf("different events share id %s", a)
		}
	}
	if later := customer.EventID("src_1", "a", t0.Add(time.Second)); later <= customer.EventID("src_1", "z", t0) {
		t.Fatal("ids do not sort by time")
	}
}

func TestAppendHooksSeeOnlyNewEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(db)
		var seen []string
		f.cs.OnAppend(func(_ context.Context, _ *store.Tx, evs []customer.Event) error {
			for _, e := range evs {
				seen = append(seen, e.MessageID)
			}
			return nil
		})
		t0 := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
		u := id(t, identity.UserID, "u1")
		f.track(t, "web", "m1", t0, nil, u)
		f.track(t, "web", "m1", t0, nil, u) // a retry
		f.track(t, "web", "m2", t0, nil, u)
		if fmt.Sprint(seen) != "[m1 m2]" {
			t.Fatalf("hooks saw %v, want [m1 m2]", seen)
		}
	})
}
