package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/demo"
	"github.com/omni-hq/omni/internal/order"
)

// testClock is the time a node's journeys go by; the test moves it.
type testClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// TestJourneyPages: a marketer creates a journey with the form (a bad
// template is refused in place), Ann leaves a cart, the reminder goes out
// and her order converts it: the list counts it, the journey's page shows
// her enrolment linking to her 360° view; the journey is edited and turned
// off. Agents may not open the section.
func TestJourneyPages(t *testing.T) {
	standIns, err := demo.StartStandIns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(standIns.Close)
	clock := &testClock{}
	cfg := config.Server{Now: clock.Now, StorefrontURL: "https://shop.example",
		Channels: config.Channels{Email: config.Email{Domain: "shop.example", Relay: standIns.SMTPAddr, From: "Shop <shop@shop.example>"}}}
	apptest.EachConfig(t, cfg, func(t *testing.T, s *apptest.Server) { journeyPages(t, newWorld(t, s), clock, standIns) })
}

func journeyPages(t *testing.T, w *world, clock *testClock, standIns *demo.StandIns) {
	ctx := context.Background()
	mailed := standIns.Email.Load()
	if r := signedIn(t, w.URL, auth.ScopeAgent).get("/journeys"); r.status != http.StatusForbidden {
		t.Errorf("agent opening journeys: %d", r.status)
	}
	m := signedIn(t, w.URL, auth.ScopeMarketer)
	list := m.get("/journeys")
	if list.status != http.StatusOK || !strings.Contains(list.body, `id="no-journeys"`) {
		t.Fatalf("empty list: %d", list.status)
	}
	tok := token(t, list.body)
	form := func(name, tmpl string) url.Values {
		return url.Values{"csrf_token": {tok}, "name": {name}, "kind": {"abandoned_cart"}, "wait_minutes": {"60"},
			"channels": {"email"}, "cap_messages": {"2"}, "cap_days": {"7"}, "template": {tmpl}, "enabled": {"1"}}
	}
	if r := m.do("POST", "/journeys", form("Cart", "Hi {{.Customer.Nickname}}"), nil); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, `id="journey-error"`) || !strings.Contains(r.body, "template:") {
		t.Errorf("bad template: %d", r.status)
	}
	htmx := map[string]string{"HX-Request": "true"}
	if r := m.do("POST", "/journeys", form("", ""), htmx); r.status != http.StatusOK || strings.Contains(r.body, "<html") ||
		!strings.Contains(r.body, "name: give a name") {
		t.Errorf("htmx post without a name: %d %s", r.status, r.body)
	}
	r := m.do("POST", "/journeys", form("Cart reminder", ""), htmx)
	target := r.header.Get("HX-Redirect")
	if r.status != http.StatusOK || !strings.HasPrefix(target, "/journeys/jny_") {
		t.Fatalf("create: %d, HX-Redirect %q", r.status, target)
	}
	id := strings.TrimPrefix(strings.Split(target, "?")[0], "/journeys/")

	// Ann consented to marketing email; she leaves a mug in her cart.
	err := w.App.Customers().SetConsent(ctx, w.ann, customer.Consent{Channel: "email", Purpose: "marketing", Granted: true,
		Source: "test", UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	w.api(t, http.StatusCreated, "POST", "/api/v1/products", `{"title":"Mug","variants":[{"sku":"MUG","price":1200,"currency":"EUR"}]}`)
	w.api(t, http.StatusCreated, "POST", "/api/v1/locations", `{"code":"paris","name":"Paris","kind":"shop","pickup_enabled":true,"address":{"line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"}}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/inventory", `{"sku":"MUG","location":"paris","on_hand":3}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/customers/"+w.ann+"/cart/items", `{"sku":"MUG","quantity":1,"channel":"web"}`)
	clock.Advance(61 * time.Minute)
	if _, err := w.App.Journeys().ProcessDue(ctx); err != nil {
		t.Fatal(err)
	}
	var c struct{ ID string }
	c = apptest.DecodeJSON[struct{ ID string }](t, w.api(t, http.StatusOK, "GET", "/api/v1/customers/"+w.ann+"/cart?channel=web", nil))
	o := apptest.DecodeJSON[order.Order](t, w.api(t, http.StatusCreated, "POST", "/api/v1/carts/"+c.ID+"/checkout",
		`{"channel":"web","fulfillment":"pickup","location":"paris","payment":{"provider":"manual","method":"pay_later"}}`))

	body := m.get("/journeys").body
	row := body[strings.Index(body, `id="journey-`+id+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{`<a href="/journeys/` + id + `" class="journey-link">Cart reminder</a>`, "<td>abandoned cart</td><td>1 h</td>",
		`<td class="num enrolled">1</td><td class="num sent">1</td>`, `<td class="num converted">1</td>`,
		`<td class="num revenue">12.00 EUR </td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("journey list row lacks %q:\n%s", want, row)
		}
	}
	page := m.get("/journeys/" + id + "?created=1")
	for _, want := range []string{`id="journey-done">Journey created.`, `class="enrolment" id="enrolment-`, `data-state="sent"`,
		`<a href="/customers/` + w.ann + `" class="customer-link">Ann Archer</a>`, `<span class="converted">12.00 EUR</span> <span class="mono">` + o.ID,
		`<h2>Revenue</h2><p class="figure">12.00 EUR </p>`, `value="Cart reminder"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("journey page lacks %q", want)
		}
	}
	if r := m.get("/journeys/" + id + "?state=lost"); r.status != http.StatusBadRequest {
		t.Errorf("unknown state filter: %d", r.status)
	}
	if r := m.get("/journeys/" + id + "?state=waiting"); !strings.Contains(r.body, `id="no-enrolments"`) {
		t.Error("the waiting filter shows enrolments")
	}
	edit := form("Cart reminder, softer", "")
	edit.Del("enabled")
	if r := m.do("POST", "/journeys/"+id, edit, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/journeys/"+id+"?saved=1" {
		t.Fatalf("save: %d %s", r.status, r.header.Get("Location"))
	}
	if body := m.get("/journeys/" + id).body; !strings.Contains(body, "<h1>Cart reminder, softer</h1>") || !strings.Contains(body, `id="journey-status">off`) {
		t.Error("the journey page does not show the edit")
	}
	deadline := time.Now().Add(15 * time.Second)
	for standIns.Email.Load() == mailed && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if standIns.Email.Load() == mailed {
		t.Error("the reminder did not reach the SMTP stand-in")
	}
}
