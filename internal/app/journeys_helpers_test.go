package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/channel/email"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/storefront"
)

// clock is the time journeys go by; tests move it forward instead of
// waiting.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// journeyShop is a shop whose outbound mail goes to a local SMTP relay and
// whose journeys follow a clock the test moves.
type journeyShop struct {
	*shop
	clock    *clock
	mail     chan []byte
	marketer string
}

// eachJourneyShop runs fn against a journey shop on SQLite and, when
// configured, PostgreSQL.
func eachJourneyShop(t *testing.T, fn func(t *testing.T, s *journeyShop)) {
	t.Helper()
	relayAddr, mail := startRelay(t)
	c := &clock{}
	cfg := config.Server{StorefrontURL: "https://shop.example", Now: c.Now, Channels: config.Channels{
		Email: config.Email{Domain: "shop.example", Relay: relayAddr, From: "Omni Shop <shop@shop.example>"}}}
	eachShopConfig(t, cfg, func(t *testing.T, s *shop) {
		c.mu.Lock()
		c.offset = 0
		c.mu.Unlock()
		for len(mail) > 0 {
			<-mail
		}
		fn(t, &journeyShop{shop: s, clock: c, mail: mail, marketer: s.Token(t, auth.ScopeMarketer)})
	})
}

// createJourney creates a journey as a marketer.
func (s *journeyShop) createJourney(t *testing.T, body string) journey.Journey {
	t.Helper()
	code, out := s.Do(t, "POST", "/api/v1/journeys", s.marketer, body)
	if code != http.StatusCreated {
		t.Fatalf("create journey: %d %s", code, out)
	}
	return apptest.DecodeJSON[journey.Journey](t, out)
}

// journey reads a journey with its results.
func (s *journeyShop) journey(t *testing.T, id string) journey.Journey {
	t.Helper()
	code, out := s.Do(t, "GET", "/api/v1/journeys/"+id, s.marketer, nil)
	if code != http.StatusOK {
		t.Fatalf("journey %s: %d %s", id, code, out)
	}
	return apptest.DecodeJSON[journey.Journey](t, out)
}

// enrolments lists a journey's enrolments in a state ("" for all).
func (s *journeyShop) enrolments(t *testing.T, id, state string) []journey.Enrolment {
	t.Helper()
	code, out := s.Do(t, "GET", "/api/v1/journeys/"+id+"/enrolments?state="+state, s.marketer, nil)
	if code != http.StatusOK {
		t.Fatalf("enrolments of %s: %d %s", id, code, out)
	}
	return apptest.DecodeJSON[journey.EnrolmentPage](t, out).Enrolments
}

// only returns the single enrolment of a journey, or fails.
func (s *journeyShop) only(t *testing.T, id string) journey.Enrolment {
	t.Helper()
	es := s.enrolments(t, id, "")
	if len(es) != 1 {
		t.Fatalf("journey %s has %d enrolments, want 1: %+v", id, len(es), es)
	}
	return es[0]
}

// login is a customer token for email, signed as the merchant's server
// signs it after its own login.
func (s *journeyShop) login(email string) string {
	return storefront.SignToken(s.key.SigningSecret, storefront.Claims{Email: email, Expires: time.Now().Add(time.Hour).Unix()})
}

// mustStore sends a storefront request and fails the test unless it is 2xx.
func (s *journeyShop) mustStore(t *testing.T, method, path, anon, token, body string) []byte {
	t.Helper()
	code, out := s.store(t, method, path, anon, token, body)
	if code/100 != 2 {
		t.Fatalf("%s %s as %s: %d %s", method, path, anon, code, out)
	}
	return out
}

// consent records the visitor's marketing consent on email.
func (s *journeyShop) consent(t *testing.T, anon, token string) {
	t.Helper()
	s.mustStore(t, "POST", "/store/v1/consent", anon, token, `{"channel":"email","purpose":"marketing","granted":true}`)
}

// add puts units of a SKU in the visitor's cart.
func (s *journeyShop) add(t *testing.T, anon, token, sku string, qty int) {
	t.Helper()
	s.mustStore(t, "POST", "/store/v1/cart/items", anon, token, fmt.Sprintf(`{"sku":%q,"quantity":%d}`, sku, qty))
}

// runJourneys runs the journey job through the queue and waits for it to
// complete.
func (s *journeyShop) runJourneys(t *testing.T, n int) {
	t.Helper()
	events, cancel := s.App.Queue().Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	pending := map[int64]bool{}
	for range n {
		res, err := s.App.Queue().Insert(context.Background(), journey.ProcessArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pending[res.Job.ID] = true
	}
	deadline := time.After(30 * time.Second)
	for len(pending) > 0 {
		select {
		case ev := <-events:
			if !pending[ev.Job.ID] {
				continue
			}
			if ev.Kind != river.EventKindJobCompleted {
				t.Fatalf("journey job %s: %v", ev.Kind, ev.Job.Errors)
			}
			delete(pending, ev.Job.ID)
		case <-deadline:
			t.Fatal("the journey job did not complete within 30s")
		}
	}
}

// nextMail waits for the relay to be handed a message and parses it.
func (s *journeyShop) nextMail(t *testing.T) *email.Message {
	t.Helper()
	select {
	case raw := <-s.mail:
		m, err := email.Parse(strings.NewReader(string(raw)), email.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("the relay got no mail within 20s")
	}
	return nil
}

// customerByEmail finds the profile holding an email address.
func (s *journeyShop) customerByEmail(t *testing.T, addr string) string {
	t.Helper()
	var p struct{ ID string }
	p = apptest.DecodeJSON[struct{ ID string }](t, s.must(t, 200, "GET", "/api/v1/customers/lookup?type=email&value="+addr, nil))
	return p.ID
}
