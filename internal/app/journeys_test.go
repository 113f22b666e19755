package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/order"
)

// TestAbandonedCartJourney follows a cart left on the phone: the visitor
// fills it anonymously, the profile it is on merges with the customer's own
// (who consented to marketing email on the laptop) and the enrolment moves
// with it; an hour later the job sends the reminder through the inbox to a
// real SMTP relay, with the item, the price and the link back to the cart;
// the checkout that follows counts as the journey's conversion.
func TestAbandonedCartJourney(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		j := s.createJourney(t, `{"name":"Cart reminder","kind":"abandoned_cart","enabled":true,"channels":["email"]}`)
		if j.WaitSeconds != 3600 || j.Cap != (marketing.FrequencyCap{Messages: 2, Days: 7}) || !strings.Contains(j.Template, "{{.CartURL}}") {
			t.Fatalf("defaults: %+v", j)
		}
		ann := s.login("ann@example.com")
		s.consent(t, "laptop-1", ann)
		s.add(t, "phone-1", "", "MUG", 2)
		before := s.only(t, j.ID)
		if before.State != journey.Waiting || before.DueAt.Sub(before.LastChangeAt) != time.Hour {
			t.Fatalf("enrolment after adding to the cart: %+v", before)
		}
		// The phone signs in: its profile and Ann's become one.
		s.mustStore(t, "GET", "/store/v1/cart", "phone-1", ann, "")
		annID := s.customerByEmail(t, "ann@example.com")
		moved := s.only(t, j.ID)
		if moved.ID != before.ID || moved.CustomerID != annID || moved.State != journey.Waiting {
			t.Fatalf("after the merge: %+v, want %s on %s", moved, before.ID, annID)
		}

		s.clock.Advance(59 * time.Minute)
		s.runJourneys(t, 1)
		if e := s.only(t, j.ID); e.State != journey.Waiting {
			t.Fatalf("sent before the wait ended: %+v", e)
		}
		s.clock.Advance(2 * time.Minute)
		s.runJourneys(t, 1)
		sent := s.only(t, j.ID)
		if sent.State != journey.Sent || sent.Channel != "email" || sent.MessageID == "" {
			t.Fatalf("after the wait: %+v", sent)
		}
		m := s.nextMail(t)
		for _, want := range []string{"2 × Mug: 24.00 EUR", "Total: 24.00 EUR", "https://shop.example/cart?utm_campaign=" + j.ID} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("mail text lacks %q:\n%s", want, m.Text)
			}
		}
		if m.To[0].Email != "ann@example.com" || m.Subject != "You left something in your cart" {
			t.Errorf("mail to %v subject %q", m.To, m.Subject)
		}
		msg, err := s.App.Inbox().Message(context.Background(), sent.MessageID)
		if err != nil || msg.Kind != inbox.KindMarketing || msg.CustomerID != annID || msg.Direction != inbox.Out {
			t.Fatalf("message in the conversation: %+v %v", msg, err)
		}
		page := apptest.DecodeJSON[customer.Page](t, s.must(t, 200, "GET", "/api/v1/customers/"+annID+"/timeline", nil))
		if !hasEvent(page.Events, "message", "Message sent") {
			t.Error("the reminder is not on the customer's timeline")
		}

		code, out := s.storeCheckout(t, "phone-1", ann, `{"fulfillment":"pickup","location":"paris"}`, "after-reminder")
		if code != http.StatusCreated {
			t.Fatalf("checkout: %d %s", code, out)
		}
		o := apptest.DecodeJSON[order.Order](t, out)
		converted := s.only(t, j.ID)
		if converted.OrderID != o.ID || converted.Revenue != o.Total || converted.Currency != "EUR" || converted.ConvertedAt == nil {
			t.Fatalf("conversion: %+v, order %s total %d", converted, o.ID, o.Total)
		}
		st := s.journey(t, j.ID).Stats
		if st.Enrolled != 1 || st.Sent != 1 || st.Converted != 1 || st.Revenue["EUR"] != o.Total {
			t.Errorf("stats %+v", st)
		}
		// Cancelled, the order no longer counts.
		s.mustStore(t, "POST", "/store/v1/orders/"+o.ID+"/cancel", "phone-1", ann, "")
		if st := s.journey(t, j.ID).Stats; st.Converted != 0 || len(st.Revenue) != 0 || st.Sent != 1 {
			t.Errorf("stats after the cancellation %+v", st)
		}
		// A retried run finds nothing to send.
		s.clock.Advance(2 * time.Hour)
		s.runJourneys(t, 1)
		thread, err := s.App.Inbox().Thread(context.Background(), msg.ConversationID)
		if err != nil || countOut(thread) != 1 {
			t.Errorf("conversation holds %d messages out, want 1 (%v)", countOut(thread), err)
		}
	})
}

// TestJourneyWaitRestartsOnEveryChange: a cart changed again 50 minutes in
// is reminded of an hour after that change, not after the first.
func TestJourneyWaitRestartsOnEveryChange(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		j := s.createJourney(t, `{"name":"Cart reminder","kind":"abandoned_cart","enabled":true}`)
		bo := s.login("bo@example.com")
		s.consent(t, "bo-laptop", bo)
		s.add(t, "bo-laptop", bo, "MUG", 1)
		s.clock.Advance(50 * time.Minute)
		s.add(t, "bo-laptop", bo, "LAMP", 1)
		s.clock.Advance(20 * time.Minute)
		s.runJourneys(t, 1)
		if e := s.only(t, j.ID); e.State != journey.Waiting {
			t.Fatalf("70 min after the first change, 20 after the second: %+v", e)
		}
		s.clock.Advance(41 * time.Minute)
		s.runJourneys(t, 1)
		if e := s.only(t, j.ID); e.State != journey.Sent {
			t.Fatalf("an hour after the last change: %+v", e)
		}
		if m := s.nextMail(t); !strings.Contains(m.Text, "1 × Mug") || !strings.Contains(m.Text, "1 × Lamp") {
			t.Errorf("mail text:\n%s", m.Text)
		}
	})
}

// TestJourneySkips: every reason a reminder is not sent is recorded on the
// enrolment.
func TestJourneySkips(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		j := s.createJourney(t, `{"name":"Once a week","kind":"abandoned_cart","enabled":true,"frequency_cap":{"messages":1,"days":7}}`)
		// No consent: skipped.
		cy := s.login("cy@example.com")
		s.add(t, "cy-phone", cy, "MUG", 1)
		// Consented, reminded once, then over the cap.
		di := s.login("di@example.com")
		s.consent(t, "di-phone", di)
		s.add(t, "di-phone", di, "MUG", 1)
		// Emptied before the hour is up.
		ed := s.login("ed@example.com")
		s.consent(t, "ed-phone", ed)
		s.add(t, "ed-phone", ed, "MUG", 1)
		s.mustStore(t, "PATCH", "/store/v1/cart/items", "ed-phone", ed, `{"sku":"MUG","quantity":0}`)
		s.clock.Advance(61 * time.Minute)
		s.runJourneys(t, 1)
		s.nextMail(t)
		s.add(t, "di-phone", di, "LAMP", 1)
		s.clock.Advance(61 * time.Minute)
		s.runJourneys(t, 1)

		got := map[string][]string{}
		for _, e := range s.enrolments(t, j.ID, "") {
			got[e.CustomerID] = append(got[e.CustomerID], e.State+":"+e.Reason)
		}
		for _, tc := range []struct {
			email string
			want  string
		}{
			{"cy@example.com", "skipped:no consent"},
			{"di@example.com", "skipped:capped sent:"}, // newest first
			{"ed@example.com", "skipped:cart emptied"},
		} {
			if g := strings.Join(got[s.customerByEmail(t, tc.email)], " "); g != tc.want {
				t.Errorf("%s: %q, want %q", tc.email, g, tc.want)
			}
		}
		if st := s.journey(t, j.ID).Stats; st.Enrolled != 4 || st.Sent != 1 || st.Skipped != 3 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestJourneyRunsTogetherSendOnce: runs that overlap (a retry, a second
// node) send a due reminder once.
func TestJourneyRunsTogetherSendOnce(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		j := s.createJourney(t, `{"name":"Cart reminder","kind":"abandoned_cart","enabled":true}`)
		for _, who := range []string{"fa", "gu", "ha"} {
			tok := s.login(who + "@example.com")
			s.consent(t, who+"-phone", tok)
			s.add(t, who+"-phone", tok, "MUG", 1)
		}
		s.clock.Advance(2 * time.Hour)
		s.runJourneys(t, 3)
		s.runJourneys(t, 1)
		for range 3 {
			s.nextMail(t)
		}
		select {
		case <-s.mail:
			t.Fatal("a reminder was sent twice")
		case <-time.After(time.Second):
		}
		if st := s.journey(t, j.ID).Stats; st.Sent != 3 || st.Waiting != 0 {
			t.Errorf("stats %+v", st)
		}
	})
}

func hasEvent(events []customer.Event, typ, name string) bool {
	for _, e := range events {
		if e.Type == typ && e.Name == name {
			return true
		}
	}
	return false
}

func countOut(msgs []inbox.Message) int {
	n := 0
	for _, m := range msgs {
		if m.Direction == inbox.Out {
			n++
		}
	}
	return n
}
