package journey_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestRetryAfterCrashSendsOnce: a run that dies after queueing the message
// but before committing leaves nothing behind; the retry sends once.
func TestRetryAfterCrashSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		j := w.create(t, journey.Input{Name: "Cart", Kind: journey.AbandonedCart, Enabled: true})
		ann := w.customer(t, "ann@example.com", []string{"email"})
		w.addMug(t, ann)
		w.clock.Advance(2 * time.Hour)
		w.notifier.Fail(errors.New("connection reset by peer"))
		if _, err := w.journeys.ProcessDue(ctx); err == nil || !strings.Contains(err.Error(), "connection reset") {
			t.Fatalf("run that crashed: %v", err)
		}
		const outbound = "SELECT COUNT(*) FROM messages WHERE customer_id = ? AND direction = 'out'"
		if n := w.count(t, outbound, ann); n != 0 || w.enrolments(t, j.ID)[0].State != journey.Waiting {
			t.Fatalf("after the crash: %d messages, enrolment %+v", n, w.enrolments(t, j.ID)[0])
		}
		w.notifier.Fail(nil)
		w.process(t)
		w.process(t)
		e := w.enrolments(t, j.ID)[0]
		if n := w.count(t, outbound, ann); n != 1 || e.State != journey.Sent {
			t.Fatalf("after the retries: %d messages, enrolment %+v", n, e)
		}
		m, err := w.in.Message(ctx, e.MessageID)
		if err != nil || m.Subject != "You left something in your cart" || !strings.Contains(m.Body, "1 × Mug: 12.00 EUR") ||
			!strings.Contains(m.Body, "https://shop.example/cart?") || m.Kind != inbox.KindMarketing || m.State != inbox.StateQueued {
			t.Fatalf("message %+v %v", m, err)
		}
	})
}

// TestMessengerKeepsItsWindow: a reminder is a promotional message, so
// Messenger takes it only within 24 hours of the customer's last message;
// outside it the enrolment fails with the reason.
func TestMessengerKeepsItsWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		j := w.create(t, journey.Input{Name: "Cart", Kind: journey.AbandonedCart, Enabled: true, Channels: []string{"messenger"}})
		psid := func(v string) identity.Identifier { i, _ := identity.New(identity.MessengerPSID, v); return i }
		for _, tc := range []struct {
			email, psid string
			ago         time.Duration
			state       string
		}{
			{"recent@example.com", "psid-recent", 2 * time.Hour, journey.Sent},
			{"old@example.com", "psid-old", 30 * time.Hour, journey.Failed},
		} {
			cid := w.customer(t, tc.email, []string{"messenger"}, psid(tc.psid))
			if _, err := w.in.Receive(ctx, inbox.Inbound{Channel: inbox.ChannelMessenger, Identifiers: []identity.Identifier{psid(tc.psid)},
				Address: tc.psid, ExternalID: "mid-" + tc.psid, Body: "Hello"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, "UPDATE messages SET created_at = ? WHERE external_id = ?",
				time.Now().Add(-tc.ago).UnixMilli(), "mid-"+tc.psid); err != nil {
				t.Fatal(err)
			}
			w.addMug(t, cid)
		}
		w.clock.Advance(2 * time.Hour)
		w.process(t)
		got := map[string]journey.Enrolment{}
		for _, e := range w.enrolments(t, j.ID) {
			got[e.State] = e
		}
		if got[journey.Sent].Channel != "messenger" || !strings.Contains(got[journey.Failed].Reason, "24h") {
			t.Fatalf("enrolments %+v", got)
		}
	})
}

// TestBrowseAbandonment: a product viewed and not added is followed up;
// one added to the cart is not.
func TestBrowseAbandonment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		j := w.create(t, journey.Input{Name: "Browse", Kind: journey.BrowseAbandonment, Enabled: true, WaitSeconds: 1800})
		lea := w.customer(t, "lea@example.com", []string{"email"})
		max := w.customer(t, "max@example.com", []string{"email"})
		viewed := map[string]any{"product_id": "p-42", "sku": "MUG", "name": "Blue mug", "price": 12, "currency": "EUR",
			"url": "https://shop.example/products/blue-mug"}
		w.track(t, lea, "Product Viewed", viewed)
		w.track(t, max, "Product Viewed", viewed)
		w.track(t, max, "Product Added", viewed)
		w.clock.Advance(31 * time.Minute)
		w.process(t)
		by := map[string]journey.Enrolment{}
		for _, e := range w.enrolments(t, j.ID) {
			by[e.CustomerID] = e
		}
		if by[max].State != journey.Skipped || by[max].Reason != journey.ReasonAddedToCart || by[lea].SubjectID != "p-42" {
			t.Fatalf("enrolments %+v", by)
		}
		m, err := w.in.Message(context.Background(), by[lea].MessageID)
		if err != nil || m.Subject != "Still thinking about Blue mug?" ||
			!strings.Contains(m.Body, "Blue mug (12 EUR) is still here for you: https://shop.example/products/blue-mug") {
			t.Fatalf("message %+v %v", m, err)
		}
	})
}

// TestMergeFoldsWaits: two profiles waiting in one journey become one
// enrolment, the earlier, due at the later time.
func TestMergeFoldsWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		j := w.create(t, journey.Input{Name: "Cart", Kind: journey.AbandonedCart, Enabled: true})
		phone := w.customer(t, "zoe@example.com", []string{"email"})
		w.addMug(t, phone)
		w.clock.Advance(10 * time.Minute)
		anon, _ := identity.New(identity.AnonymousID, "laptop-9")
		res, err := w.ids.Resolve(context.Background(), identity.Request{Identifiers: []identity.Identifier{anon}, Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		w.addMug(t, res.CustomerID)
		first := w.enrolments(t, j.ID)[1]
		w.clock.Advance(10 * time.Minute)
		email, _ := identity.New(identity.Email, "zoe@example.com")
		merged, err := w.ids.Resolve(context.Background(), identity.Request{Identifiers: []identity.Identifier{anon, email}, Channel: "web"})
		if err != nil {
			t.Fatal(err)
		}
		es := w.enrolments(t, j.ID)
		if len(es) != 1 || es[0].ID != first.ID || es[0].CustomerID != merged.CustomerID || es[0].State != journey.Waiting ||
			!es[0].DueAt.Equal(w.clock.Now().Add(time.Hour)) {
			t.Fatalf("after the merge: %+v (first %s, now %s)", es, first.ID, w.clock.Now())
		}
	})
}

// TestTurningOffEndsWaits: a journey turned off or deleted sends nothing
// more, and says why.
func TestTurningOffEndsWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		in := journey.Input{Name: "Cart", Kind: journey.AbandonedCart, Enabled: true}
		j := w.create(t, in)
		w.addMug(t, w.customer(t, "ivy@example.com", []string{"email"}))
		in.Enabled = false
		if _, err := w.journeys.Update(ctx, j.ID, in); err != nil {
			t.Fatal(err)
		}
		w.addMug(t, w.customer(t, "jo@example.com", []string{"email"}))
		w.clock.Advance(2 * time.Hour)
		w.process(t)
		es := w.enrolments(t, j.ID)
		if len(es) != 1 || es[0].State != journey.Skipped || es[0].Reason != journey.ReasonDisabled {
			t.Fatalf("enrolments %+v", es)
		}
		if err := w.journeys.Delete(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.journeys.Get(ctx, j.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("deleted journey: %v", err)
		}
		if err := w.journeys.Delete(ctx, j.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("deleted twice: %v", err)
		}
	})
}

// TestQuietHoursPostpone: a reminder due in quiet hours waits for their end.
func TestQuietHoursPostpone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		now := w.clock.Now()
		start, end := now.Add(30*time.Minute).Format("15:04"), now.Add(5*time.Hour).Format("15:04")
		j := w.create(t, journey.Input{Name: "Cart", Kind: journey.AbandonedCart, Enabled: true,
			Quiet: marketing.QuietHours{Start: start, End: end}})
		w.addMug(t, w.customer(t, "kim@example.com", []string{"email"}))
		w.clock.Advance(61 * time.Minute)
		w.process(t)
		e := w.enrolments(t, j.ID)[0]
		if e.State != journey.Waiting || e.DueAt.UTC().Format("15:04") != end || !e.DueAt.After(w.clock.Now()) {
			t.Fatalf("due in quiet hours %s–%s: %+v", start, end, e)
		}
		w.clock.Advance(e.DueAt.Sub(w.clock.Now()))
		w.process(t)
		if e := w.enrolments(t, j.ID)[0]; e.State != journey.Sent {
			t.Fatalf("after the quiet hours: %+v", e)
		}
	})
}

// TestErasedProfileDoesNotBlock: an enrolment whose profile is gone fails
// with the reason, and the enrolments due after it are still sent.
func TestErasedProfileDoesNotBlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		j := w.create(t, journey.Input{Name: "Cart", Kind: journey.AbandonedCart, Enabled: true})
		gone := w.customer(t, "gone@example.com", []string{"email"})
		w.addMug(t, gone)
		w.clock.Advance(time.Minute)
		kept := w.customer(t, "kept@example.com", []string{"email"})
		w.addMug(t, kept)
		for _, q := range []string{"DELETE FROM customer_consent WHERE customer_id = ?", "DELETE FROM customer_traits WHERE customer_id = ?",
			"DELETE FROM customers WHERE id = ?"} {
			if _, err := db.ExecContext(context.Background(), q, gone); err != nil {
				t.Fatal(err)
			}
		}
		w.clock.Advance(2 * time.Hour)
		w.process(t)
		by := map[string]journey.Enrolment{}
		for _, e := range w.enrolments(t, j.ID) {
			by[e.CustomerID] = e
		}
		if by[gone].State != journey.Failed || !strings.Contains(by[gone].Reason, gone) || by[kept].State != journey.Sent {
			t.Fatalf("enrolments %+v", by)
		}
	})
}
