package inbox_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestRoundRobinAmongOnlineAgents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{AutoAssign: true})
		ctx := context.Background()
		for _, a := range []string{"tok_a", "tok_b", "tok_c"} {
			if err := f.in.Seen(ctx, a, "agent "+a); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.in.Gone(ctx, "tok_c"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.in.SetAvailable(ctx, "tok_b", "agent tok_b", false); err != nil {
			t.Fatal(err)
		}
		if err := f.in.Seen(ctx, "tok_d", "agent d"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := range 4 {
			got = append(got, f.chat(t, fmt.Sprint("rr-", i), "", "hello").Conversation.Assignee)
		}
		want := []string{"tok_a", "tok_d", "tok_a", "tok_d"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("assignees %v, want %v (c offline, b unavailable)", got, want)
		}
		agents, err := f.in.Agents(ctx)
		if err != nil || len(agents) != 4 {
			t.Fatalf("agents %+v %v", agents, err)
		}
		for _, a := range agents {
			if a.Online != (a.ID != "tok_c") {
				t.Errorf("agent %s online = %v", a.ID, a.Online)
			}
		}
	})
}

func TestConversationLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		c := f.chat(t, "anon-l", "", "hi").Conversation
		c, err := f.in.Assign(ctx, c.ID, "tok_x")
		if err != nil || c.Assignee != "tok_x" {
			t.Fatalf("assign: %+v %v", c, err)
		}
		if _, err := f.in.Snooze(ctx, c.ID, time.Now().Add(-time.Minute)); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("snooze into the past: %v", err)
		}
		c, err = f.in.Snooze(ctx, c.ID, time.Now().Add(time.Hour))
		if err != nil || c.Status != inbox.Snoozed || c.SnoozedUntil == nil {
			t.Fatalf("snooze: %+v %v", c, err)
		}
		// The customer writes: the conversation wakes.
		if got := f.chat(t, "anon-l", "", "any news?").Conversation; got.ID != c.ID || got.Status != inbox.Open || got.SnoozedUntil != nil {
			t.Fatalf("after message: %+v", got)
		}
		// Snoozed until a time that passes: Wake opens it.
		if _, err := f.in.Snooze(ctx, c.ID, time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		f.in.SetNow(func() time.Time { return time.Now().Add(time.Minute) })
		if n, err := f.in.Wake(ctx); n != 1 || err != nil {
			t.Fatalf("wake: %d %v", n, err)
		}
		f.in.SetNow(time.Now)
		c, err = f.in.Resolve(ctx, c.ID)
		if err != nil || c.Status != inbox.Resolved || c.ResolvedAt == nil {
			t.Fatalf("resolve: %+v %v", c, err)
		}
		next := f.chat(t, "anon-l", "", "new question").Conversation
		if next.ID == c.ID {
			t.Fatal("message after resolve joined the resolved conversation")
		}
		if _, err := f.in.Reopen(ctx, c.ID); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("reopen beside an open conversation: %v, want conflict", err)
		}
		if _, err := f.in.Resolve(ctx, next.ID); err != nil {
			t.Fatal(err)
		}
		if c, err = f.in.Reopen(ctx, c.ID); err != nil || c.Status != inbox.Open || c.ResolvedAt != nil {
			t.Fatalf("reopen: %+v %v", c, err)
		}
		n, err := f.in.AddNote(ctx, c.ID, inbox.NoteRequest{Body: "Customer came by the shop", Channel: "pos", Author: "clerk"})
		if err != nil || n.Direction != inbox.Note || n.Channel != "pos" {
			t.Fatalf("note: %+v %v", n, err)
		}
		if _, err := f.in.AddNote(ctx, c.ID, inbox.NoteRequest{Body: "x", Channel: "sms"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("note on sms: %v", err)
		}
		cn, err := f.in.AddCustomerNote(ctx, c.CustomerID, inbox.NoteRequest{Body: "Picked up order 1001", Channel: "pos"})
		if err != nil || cn.ConversationID != c.ID {
			t.Fatalf("customer note in %s (%v), want the open %s", cn.ConversationID, err, c.ID)
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		var ids []string
		for i := range 7 {
			c := f.chat(t, fmt.Sprint("list-", i), "", "hello").Conversation
			ids = append(ids, c.ID)
			time.Sleep(2 * time.Millisecond)
		}
		f.in.Assign(ctx, ids[0], "tok_a")
		f.in.Assign(ctx, ids[1], "tok_a")
		f.in.Resolve(ctx, ids[2])
		f.in.SetLabels(ctx, ids[3], []string{"vip", "50%_off"})
		f.in.SetLabels(ctx, ids[4], []string{"50%xoff"})
		cases := []struct {
			name string
			f    inbox.Filter
			want int
		}{
			{"all", inbox.Filter{}, 7},
			{"open", inbox.Filter{Status: inbox.Open}, 6},
			{"resolved", inbox.Filter{Status: inbox.Resolved}, 1},
			{"assignee", inbox.Filter{Assignee: "tok_a"}, 2},
			{"unassigned", inbox.Filter{Unassigned: true}, 5},
			{"channel", inbox.Filter{Channel: "chat"}, 7},
			{"other channel", inbox.Filter{Channel: "sms"}, 0},
			{"label", inbox.Filter{Label: "vip"}, 1},
			{"label with wildcards", inbox.Filter{Label: "50%_off"}, 1},
		}
		for _, tc := range cases {
			p, err := f.in.List(ctx, tc.f)
			if err != nil || len(p.Conversations) != tc.want {
				t.Errorf("%s: %d conversations (%v), want %d", tc.name, len(p.Conversations), err, tc.want)
			}
		}
		var seen []string
		cursor := ""
		for range 10 {
			p, err := f.in.List(ctx, inbox.Filter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range p.Conversations {
				seen = append(seen, c.ID)
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 7 || seen[0] != ids[6] || seen[6] != ids[0] {
			t.Fatalf("paged %v, want the 7 newest first", seen)
		}
		for _, bad := range []inbox.Filter{{Status: "closed"}, {Cursor: "!!"}, {Assignee: "a", Unassigned: true}} {
			if _, err := f.in.List(ctx, bad); apperr.CodeOf(err) != apperr.Invalid {
				t.Errorf("filter %+v: %v, want invalid", bad, err)
			}
		}
	})
}
