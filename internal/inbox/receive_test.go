package inbox_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestInboundOnAnyChannelJoinsTheOpenConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		first := f.chat(t, "anon-1", "anon-1:c1", "Do you have the blue jacket in M?")
		if first.Conversation.Status != inbox.Open || first.Conversation.LastChannel != inbox.ChannelChat {
			t.Fatalf("first conversation = %+v", first.Conversation)
		}
		// The visitor fills in the widget's email field: the profiles link.
		cid, err := f.in.Identify(ctx, inbox.ChannelChat, "", []identity.Identifier{
			ident(t, identity.AnonymousID, "anon-1"), ident(t, identity.Email, "ann@example.com")},
			map[string]json.RawMessage{"email": json.RawMessage(`"ann@example.com"`)})
		if err != nil || cid != first.Message.CustomerID {
			t.Fatalf("identify: %s %v, want %s", cid, err, first.Message.CustomerID)
		}
		mail := f.receive(t, inbox.Inbound{Channel: inbox.ChannelEmail, Identifiers: []identity.Identifier{ident(t, identity.Email, "Ann@Example.com")},
			Address: "ann@example.com", ExternalID: "m1@mail.example.com", Body: "Me again, by email.", Subject: "Jacket"})
		if mail.Conversation.ID != first.Conversation.ID {
			t.Fatalf("email went to %s, want the open conversation %s", mail.Conversation.ID, first.Conversation.ID)
		}
		if mail.Conversation.LastChannel != inbox.ChannelEmail || mail.Conversation.Subject != "Jacket" {
			t.Fatalf("conversation after email = %+v", mail.Conversation)
		}
		thread, err := f.in.Thread(ctx, first.Conversation.ID)
		if err != nil || len(thread) != 2 || thread[0].Channel != "chat" || thread[1].Channel != "email" {
			t.Fatalf("thread = %+v, %v", thread, err)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM events WHERE customer_id = ? AND type = 'message'", cid); n != 2 {
			t.Fatalf("timeline has %d message events, want 2", n)
		}
	})
}

func TestReplayedMessageIsStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		sub := f.in.Broker().Subscribe(16)
		defer sub.Close()
		a := f.chat(t, "anon-2", "anon-2:c1", "hello")
		b := f.chat(t, "anon-2", "anon-2:c1", "hello")
		if a.Duplicate || !b.Duplicate || b.Message.ID != a.Message.ID {
			t.Fatalf("first duplicate=%v, replay duplicate=%v ids %s %s", a.Duplicate, b.Duplicate, a.Message.ID, b.Message.ID)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM messages"); n != 1 {
			t.Fatalf("%d messages stored, want 1", n)
		}
		if n := f.count(t, "SELECT COUNT(*) FROM events WHERE type = 'message'"); n != 1 {
			t.Fatalf("%d timeline events, want 1", n)
		}
		if len(sub.C) != 2 { // message.created + conversation.updated, once
			t.Fatalf("%d events published, want 2", len(sub.C))
		}
		// The same external id on another channel is another message.
		f.receive(t, inbox.Inbound{Channel: inbox.ChannelSMS, Identifiers: []identity.Identifier{ident(t, identity.Phone, "+14155550100")},
			Address: "+14155550100", ExternalID: "anon-2:c1", Body: "hi"})
		if n := f.count(t, "SELECT COUNT(*) FROM messages"); n != 2 {
			t.Fatalf("%d messages stored, want 2", n)
		}
	})
}

func TestInboundValidation(t *testing.T) {
	db := storetest.SQLite(t)
	f := newFixture(t, db, inbox.Options{})
	anon := []identity.Identifier{ident(t, identity.AnonymousID, "a")}
	for name, in := range map[string]inbox.Inbound{
		"no channel":    {Identifiers: anon, Body: "x"},
		"no sender":     {Channel: "chat", Body: "x"},
		"empty":         {Channel: "chat", Identifiers: anon, Body: "  "},
		"bad utf-8":     {Channel: "chat", Identifiers: anon, Body: "\xff"},
		"too large":     {Channel: "chat", Identifiers: anon, Body: string(make([]byte, inbox.MaxBody+1))},
		"bad identity ": {Channel: "chat", Identifiers: []identity.Identifier{{Type: "nope", Value: "x"}}, Body: "x"},
	} {
		if _, err := f.in.Receive(context.Background(), in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if n := f.count(t, "SELECT COUNT(*) FROM messages"); n != 0 {
		t.Fatalf("%d messages stored from bad input", n)
	}
}

func TestEmailThreading(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		email := func(from, ext string, keys ...string) inbox.Received {
			return f.receive(t, inbox.Inbound{Channel: inbox.ChannelEmail, Identifiers: []identity.Identifier{ident(t, identity.Email, from)},
				Address: from, ExternalID: ext, ThreadKeys: keys, Body: "text of " + ext})
		}
		first := email("bob@example.com", "1@x")
		if _, err := f.in.Resolve(ctx, first.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		// A colleague answers in the thread: the resolved conversation reopens.
		reply := email("carol@example.com", "2@x", "1@x")
		if reply.Conversation.ID != first.Conversation.ID || reply.Conversation.Status != inbox.Open {
			t.Fatalf("threaded reply in %+v, want %s reopened", reply.Conversation, first.Conversation.ID)
		}
		if reply.Message.CustomerID == first.Message.CustomerID {
			t.Fatal("the colleague became the same customer")
		}
		// Bob writes anew, unthreaded: his open conversation takes it.
		again := email("bob@example.com", "3@x")
		if again.Conversation.ID != first.Conversation.ID {
			t.Fatalf("unthreaded mail in %s, want %s", again.Conversation.ID, first.Conversation.ID)
		}
		if _, err := f.in.Resolve(ctx, first.Conversation.ID); err != nil {
			t.Fatal(err)
		}
		fresh := email("bob@example.com", "4@x")
		if fresh.Conversation.ID == first.Conversation.ID {
			t.Fatal("a new unthreaded message reopened a resolved conversation")
		}
		// An answer to the old thread joins Bob's open conversation: one open at a time.
		late := email("bob@example.com", "5@x", "3@x", "1@x")
		if late.Conversation.ID != fresh.Conversation.ID {
			t.Fatalf("late threaded reply in %s, want the open %s", late.Conversation.ID, fresh.Conversation.ID)
		}
	})
}

func TestMergeFoldsOpenConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		web := f.chat(t, "anon-3", "anon-3:c1", "Is my order shipped?")
		if _, err := f.in.SetLabels(ctx, web.Conversation.ID, []string{"shipping"}); err != nil {
			t.Fatal(err)
		}
		fb := f.receive(t, inbox.Inbound{Channel: inbox.ChannelMessenger, Identifiers: []identity.Identifier{ident(t, identity.MessengerPSID, "psid-3")},
			Address: "psid-3", ExternalID: "mid.3", Body: "Hi, about my order"})
		if fb.Conversation.ID == web.Conversation.ID {
			t.Fatal("unlinked profiles share a conversation")
		}
		sub := f.in.Broker().Subscribe(16)
		defer sub.Close()
		cid, err := f.in.Identify(ctx, inbox.ChannelMessenger, "", []identity.Identifier{
			ident(t, identity.MessengerPSID, "psid-3"), ident(t, identity.AnonymousID, "anon-3")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		live, err := f.in.Follow(ctx, fb.Conversation.ID)
		if err != nil || live.ID != web.Conversation.ID || live.CustomerID != cid {
			t.Fatalf("messenger conversation leads to %+v (%v), want %s of %s", live, err, web.Conversation.ID, cid)
		}
		if live.LastChannel != inbox.ChannelMessenger || len(live.Labels) != 1 || live.Status != inbox.Open {
			t.Fatalf("survivor = %+v", live)
		}
		thread, _ := f.in.Thread(ctx, live.ID)
		if len(thread) != 2 {
			t.Fatalf("survivor thread has %d messages, want 2", len(thread))
		}
		page, err := f.in.List(ctx, inbox.Filter{})
		if err != nil || len(page.Conversations) != 1 {
			t.Fatalf("list after merge: %+v %v", page, err)
		}
		var merged bool
		for len(sub.C) > 0 {
			if e := <-sub.C; e.Type == inbox.EventConversationMerged && e.ConversationID == fb.Conversation.ID {
				merged = true
			}
		}
		if !merged {
			t.Fatal("no conversation.merged event")
		}
		// The next message from either identifier lands in the survivor.
		next := f.chat(t, "anon-3", "anon-3:c2", "still there?")
		if next.Conversation.ID != live.ID {
			t.Fatalf("next message in %s, want %s", next.Conversation.ID, live.ID)
		}
	})
}

func TestConcurrentMessagesAreStoredOnceEach(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for i := range 400 { // 20 customers, 200 distinct messages, each delivered twice
			wg.Add(1)
			go func() {
				defer wg.Done()
				psid := fmt.Sprint("psid-", (i/2)%20)
				_, err := f.in.Receive(ctx, inbox.Inbound{Channel: inbox.ChannelMessenger, Address: psid,
					Identifiers: []identity.Identifier{{Type: identity.MessengerPSID, Value: psid}},
					ExternalID:  fmt.Sprint("mid-", i/2), Body: fmt.Sprint("message ", i/2)})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for q, want := range map[string]int{
			"SELECT COUNT(*) FROM messages":                                     200,
			"SELECT COUNT(DISTINCT conversation_id) FROM messages":              20,
			"SELECT COUNT(*) FROM conversations WHERE status = 'open'":          20,
			"SELECT COUNT(*) FROM events WHERE type = 'message'":                200,
			"SELECT COUNT(*) FROM identities WHERE type = 'messenger_psid'":     20,
			"SELECT COUNT(DISTINCT customer_id) FROM conversations WHERE 1 = 1": 20,
		} {
			if n := f.count(t, q); n != want {
				t.Errorf("%s = %d, want %d", q, n, want)
			}
		}
	})
}
