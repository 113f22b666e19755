package inbox_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func TestReplyGoesOutOnTheLastChannelOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		chat, sms := &recorder{}, &recorder{errs: []error{inbox.Temporary(errDown), inbox.Temporary(errDown)}}
		f.in.Register(inbox.ChannelChat, chat)
		f.in.Register(inbox.ChannelSMS, sms)
		c := f.chat(t, "anon-r", "anon-r:1", "hi").Conversation
		if _, err := f.in.Identify(ctx, "chat", "", []identity.Identifier{ident(t, identity.AnonymousID, "anon-r"), ident(t, identity.Phone, "+1 415 555 0101")}, nil); err != nil {
			t.Fatal(err)
		}
		f.receive(t, inbox.Inbound{Channel: inbox.ChannelSMS, Identifiers: []identity.Identifier{ident(t, identity.Phone, "+14155550101")},
			Address: "+14155550101", ExternalID: "SM1", Body: "texting now"})

		m, err := f.in.Reply(ctx, inbox.ReplyRequest{ConversationID: c.ID, Body: "It is in stock.", Author: "tok_agent"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Channel != inbox.ChannelSMS || m.Address != "+14155550101" || m.State != inbox.StateQueued {
			t.Fatalf("reply = %+v, want queued on sms to the number", m)
		}
		conv, _ := f.in.Get(ctx, c.ID)
		if conv.FirstResponseAt == nil {
			t.Fatal("first response time not recorded")
		}
		if n := f.count(t, "SELECT COUNT(*) FROM river_job WHERE kind = 'inbox.deliver'"); n != 1 {
			t.Fatalf("%d delivery jobs queued, want 1", n)
		}
		// Two temporary failures, then success; a retry after success sends nothing.
		for attempt, want := range []inbox.State{inbox.StateQueued, inbox.StateQueued, inbox.StateSent, inbox.StateSent} {
			err := f.in.Deliver(ctx, m.ID, attempt+1, 8)
			got, _ := f.in.Message(ctx, m.ID)
			if got.State != want {
				t.Fatalf("attempt %d: state %s (err %v), want %s", attempt+1, got.State, err, want)
			}
			if want == inbox.StateQueued && (err == nil || got.Error == "") {
				t.Fatalf("attempt %d: failure not reported: err %v, message error %q", attempt+1, err, got.Error)
			}
		}
		got, _ := f.in.Message(ctx, m.ID)
		if len(sms.Sent()) != 1 || got.ExternalID != "ext-"+m.ID || got.Attempts != 3 || got.SentAt == nil || got.Error != "" {
			t.Fatalf("sent %d times; message %+v", len(sms.Sent()), got)
		}
		if len(chat.Sent()) != 0 {
			t.Fatal("reply went out on the chat too")
		}
		// The platform's delivery receipt.
		if ok, err := f.in.MarkDelivered(ctx, inbox.ChannelSMS, got.ExternalID, time.Now()); !ok || err != nil {
			t.Fatalf("mark delivered: %v %v", ok, err)
		}
		if got, _ := f.in.Message(ctx, m.ID); got.State != inbox.StateDelivered || got.DeliveredAt == nil {
			t.Fatalf("after receipt: %+v", got)
		}
		// The agent picks the chat instead.
		m2, err := f.in.Reply(ctx, inbox.ReplyRequest{ConversationID: c.ID, Body: "Also here.", Channel: inbox.ChannelChat})
		if err != nil || m2.Address != "anon-r" {
			t.Fatalf("chat reply: %+v %v", m2, err)
		}
	})
}

func TestDeliveryFailures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		c := f.chat(t, "anon-f", "anon-f:1", "hi").Conversation
		reply := func(r inbox.Sender) inbox.Message {
			f.in.Register(inbox.ChannelChat, r)
			m, err := f.in.Reply(ctx, inbox.ReplyRequest{ConversationID: c.ID, Body: "answer"})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		t.Run("permanent error fails at once", func(t *testing.T) {
			m := reply(&recorder{errs: []error{errors.New("recipient blocked the page")}})
			err := f.in.Deliver(ctx, m.ID, 1, 8)
			var cancel *river.JobCancelError
			got, _ := f.in.Message(ctx, m.ID)
			if !errors.As(err, &cancel) || got.State != inbox.StateFailed || got.Error != "recipient blocked the page" {
				t.Fatalf("err %v, message %+v", err, got)
			}
		})
		t.Run("temporary error on the last attempt fails", func(t *testing.T) {
			m := reply(&recorder{errs: []error{inbox.Temporary(errDown)}})
			f.in.Deliver(ctx, m.ID, 8, 8)
			if got, _ := f.in.Message(ctx, m.ID); got.State != inbox.StateFailed {
				t.Fatalf("state %s, want failed", got.State)
			}
		})
		t.Run("attempt cut off midway is not resent", func(t *testing.T) {
			r := &recorder{}
			m := reply(r)
			mustExec(t, db, "UPDATE messages SET state = 'sending' WHERE id = ?", m.ID) // a crash after the claim
			f.in.Deliver(ctx, m.ID, 2, 8)
			got, _ := f.in.Message(ctx, m.ID)
			if len(r.Sent()) != 0 || got.State != inbox.StateFailed || got.Error == "" {
				t.Fatalf("sent %d; message %+v", len(r.Sent()), got)
			}
		})
		t.Run("attempt cut off midway is resent where the platform de-duplicates", func(t *testing.T) {
			r := idemRecorder{&recorder{}}
			m := reply(r)
			mustExec(t, db, "UPDATE messages SET state = 'sending' WHERE id = ?", m.ID)
			if err := f.in.Deliver(ctx, m.ID, 2, 8); err != nil {
				t.Fatal(err)
			}
			if got, _ := f.in.Message(ctx, m.ID); len(r.Sent()) != 1 || got.State != inbox.StateSent {
				t.Fatalf("sent %d; state %s", len(r.Sent()), got.State)
			}
		})
		t.Run("a platform id another message holds", func(t *testing.T) {
			m := reply(&recorder{extID: "anon-f:1"}) // the inbound chat message's id
			if err := f.in.Deliver(ctx, m.ID, 1, 8); err != nil {
				t.Fatal(err)
			}
			if got, _ := f.in.Message(ctx, m.ID); got.State != inbox.StateSent || got.ExternalID != "" {
				t.Fatalf("message %+v, want sent without the taken id", got)
			}
		})
		t.Run("channel rules refuse before queueing", func(t *testing.T) {
			f.in.Register(inbox.ChannelChat, &recorder{refuse: errors.New("outside the 24-hour window")})
			_, err := f.in.Reply(ctx, inbox.ReplyRequest{ConversationID: c.ID, Body: "late"})
			if apperr.CodeOf(err) != apperr.Unprocessable {
				t.Fatalf("err %v, want unprocessable", err)
			}
		})
		t.Run("unconnected channel", func(t *testing.T) {
			_, err := f.in.Reply(ctx, inbox.ReplyRequest{ConversationID: c.ID, Body: "x", Channel: "sms"})
			if apperr.CodeOf(err) != apperr.Unprocessable {
				t.Fatalf("err %v, want unprocessable", err)
			}
		})
	})
}

func TestDeliveryRunsAsDurableJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db, inbox.Options{})
		workers := river.NewWorkers()
		river.AddWorker(workers, inbox.NewDeliverWorker(f.in))
		q, err := jobs.New(db, jobs.Config{Workers: workers, PollInterval: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		f.in.UseQueue(q)
		r := &recorder{errs: []error{inbox.Temporary(errDown)}}
		f.in.Register(inbox.ChannelChat, r)
		sub := f.in.Broker().Subscribe(64)
		defer sub.Close()
		c := f.chat(t, "anon-j", "anon-j:1", "hi").Conversation
		m, err := f.in.Reply(ctx, inbox.ReplyRequest{ConversationID: c.ID, Body: "on its way"})
		if err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer q.Stop(ctx)
		states := []inbox.State{}
		deadline := time.After(20 * time.Second)
		for len(states) == 0 || states[len(states)-1] != inbox.StateSent {
			select {
			case e := <-sub.C:
				if e.Type == inbox.EventMessageUpdated && e.Message.ID == m.ID {
					states = append(states, e.Message.State)
				}
			case <-deadline:
				t.Fatalf("not sent within 20s; states seen %v", states)
			}
		}
		if len(states) != 2 || states[0] != inbox.StateQueued || len(r.Sent()) != 1 {
			t.Fatalf("states %v, sent %d; want [queued sent] and one send", states, len(r.Sent()))
		}
	})
}

func TestNotifyUsesThePreferredConsentedChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, inbox.Options{})
		ctx := context.Background()
		email, sms := &recorder{}, &recorder{}
		f.in.Register(inbox.ChannelEmail, email)
		f.in.Register(inbox.ChannelSMS, sms)
		cid, err := f.in.Identify(ctx, "web", "", []identity.Identifier{ident(t, identity.Email, "dee@example.com"), ident(t, identity.Phone, "+14155550102")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.in.Notify(ctx, inbox.NotifyRequest{CustomerID: cid, Text: "Your order is ready for pickup.", Kind: inbox.KindOrderUpdate}); apperr.CodeOf(err) != apperr.Unprocessable {
			t.Fatalf("notify without consent: %v, want unprocessable", err)
		}
		consent := func(channel string, granted bool) {
			err := db.InTx(ctx, func(tx *store.Tx) error {
				return f.cs.SetConsentTx(ctx, tx, cid, customer.Consent{Channel: channel, Purpose: inbox.NotifyPurpose, Granted: granted, Source: "test", UpdatedAt: time.Now()})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		consent("email", false)
		consent("sms", true)
		m, err := f.in.Notify(ctx, inbox.NotifyRequest{CustomerID: cid, Text: "Your order is ready for pickup.", Kind: inbox.KindOrderUpdate})
		if err != nil {
			t.Fatal(err)
		}
		if m.Channel != inbox.ChannelSMS || m.Address != "+14155550102" || m.Kind != inbox.KindOrderUpdate {
			t.Fatalf("notification = %+v, want sms to the phone", m)
		}
		if err := f.in.Deliver(ctx, m.ID, 1, 8); err != nil || len(sms.Sent()) != 1 || sms.Sent()[0].Kind != inbox.KindOrderUpdate {
			t.Fatalf("deliver: %v, sent %+v", err, sms.Sent())
		}
		c, _ := f.in.Get(ctx, m.ConversationID)
		if c.Status != inbox.Resolved || c.CustomerID != cid {
			t.Fatalf("notification conversation = %+v, want a resolved record of the customer", c)
		}
	})
}

func mustExec(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
