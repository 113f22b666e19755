package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/order"
)

// api sends an admin API request and fails the test unless the status is want.
func (w *world) api(t *testing.T, want int, method, path string, body any) []byte {
	t.Helper()
	code, out := w.Do(t, method, path, w.Admin, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, out, want)
	}
	return out
}

// chat has Ann write on the website chat and returns the conversation.
func (w *world) chat(t *testing.T, text string) inbox.Conversation {
	t.Helper()
	rec, err := w.App.Inbox().Receive(context.Background(), inbox.Inbound{Channel: inbox.ChannelChat,
		Identifiers: []identity.Identifier{{Type: identity.AnonymousID, Value: "visitor-1"}},
		Address:     "visitor-1", ExternalID: "ext-" + text, Body: text})
	if err != nil {
		t.Fatal(err)
	}
	return rec.Conversation
}

// pickupOrder stocks a mug in the Paris shop and has Ann order one for
// pickup there, to pay at the counter.
func (w *world) pickupOrder(t *testing.T) order.Order {
	t.Helper()
	w.api(t, http.StatusCreated, "POST", "/api/v1/products", `{"title":"Mug","variants":[{"sku":"MUG","price":1200,"currency":"EUR"}]}`)
	w.api(t, http.StatusCreated, "POST", "/api/v1/locations", `{"code":"paris","name":"Paris","kind":"shop","pickup_enabled":true,"address":{"line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"}}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/inventory", `{"sku":"MUG","location":"paris","on_hand":3}`)
	w.api(t, http.StatusOK, "POST", "/api/v1/customers/"+w.ann+"/cart/items", `{"sku":"MUG","quantity":1,"channel":"web"}`)
	var c struct{ ID string }
	if err := json.Unmarshal(w.api(t, http.StatusOK, "GET", "/api/v1/customers/"+w.ann+"/cart?channel=web", nil), &c); err != nil {
		t.Fatal(err)
	}
	return apptest.DecodeJSON[order.Order](t, w.api(t, http.StatusCreated, "POST", "/api/v1/carts/"+c.ID+"/checkout",
		`{"channel":"web","fulfillment":"pickup","location":"paris","payment":{"provider":"manual","method":"pay_later"}}`))
}

// TestSectionPostsNeedCSRFAndRole sends every new state-changing route
// without a CSRF token and from a role that may not use it: both refused,
// nothing changed.
func TestSectionPostsNeedCSRFAndRole(t *testing.T) {
	w := startWorld(t)
	conv := w.chat(t, "Is my mug ready?")
	o := w.pickupOrder(t)
	agent := signedIn(t, w.URL, auth.ScopeAgent)
	marketer := signedIn(t, w.URL, auth.ScopeMarketer)
	owner := signedIn(t, w.URL, auth.ScopeAdmin)
	routes := []struct {
		path    string
		form    url.Values
		allowed *client // a client whose role may post here
		refused *client // one whose role may not
	}{
		{"/inbox/" + conv.ID + "/reply", url.Values{"body": {"Yes"}, "channel": {"chat"}}, agent, marketer},
		{"/inbox/" + conv.ID + "/assign", url.Values{}, agent, marketer},
		{"/inbox/" + conv.ID + "/resolve", url.Values{}, agent, marketer},
		{"/inbox/" + conv.ID + "/reopen", url.Values{}, agent, marketer},
		{"/orders/" + o.ID + "/ready", url.Values{}, owner, agent},
		{"/orders/" + o.ID + "/pickup", url.Values{"location": {o.LocationID}, "method": {"cash"}}, owner, marketer},
		{"/promotions", url.Values{"name": {"Sneaky"}, "kind": {"percent_off"}, "value": {"10"}}, marketer, agent},
		{"/journeys", url.Values{"name": {"Sneaky"}, "kind": {"abandoned_cart"}, "enabled": {"1"}}, marketer, agent},
		{"/channels/messenger", url.Values{"app_secret": {"sneaky-secret"}, "enabled": {"1"}}, owner, agent},
		{"/channels/amazon", url.Values{"seller_id": {"SNEAKY"}, "enabled": {"1"}}, owner, marketer},
		{"/channels/sms/check", url.Values{}, owner, agent},
		{"/segments", url.Values{"name": {"Sneaky segment"}, "c0.field": {"channel"}, "c0.op": {"is"}, "c0.value": {"web"}}, marketer, agent},
		{"/segments/preview", url.Values{"c0.field": {"channel"}, "c0.op": {"is"}, "c0.value": {"web"}}, marketer, agent},
		{"/campaigns", url.Values{"name": {"Sneaky campaign"}, "channel": {"email"}, "body": {"Hi"}}, marketer, agent},
		{"/campaigns/preview", url.Values{"channel": {"email"}, "body": {"Hi"}}, marketer, agent},
	}
	for _, rt := range routes {
		if r := rt.allowed.do("POST", rt.path, rt.form, nil); r.status != http.StatusForbidden {
			t.Errorf("POST %s without a CSRF token: %d, want 403", rt.path, r.status)
		}
		form := url.Values{"csrf_token": {token(t, rt.refused.get("/channels").body)}}
		for k, v := range rt.form {
			form[k] = v
		}
		if r := rt.refused.do("POST", rt.path, form, nil); r.status != http.StatusForbidden || !strings.Contains(r.body, "Not allowed") {
			t.Errorf("POST %s by a refused role: %d, want the 403 page", rt.path, r.status)
		}
	}
	thread, err := w.App.Inbox().Thread(context.Background(), conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(thread) != 1 {
		t.Errorf("refused replies reached the thread: %d messages", len(thread))
	}
	if c, _ := w.App.Inbox().Get(context.Background(), conv.ID); c.Assignee != "" || c.Status != inbox.Open {
		t.Errorf("refused posts changed the conversation: %s, assigned to %q", c.Status, c.Assignee)
	}
	if got := apptest.DecodeJSON[order.Order](t, w.api(t, 200, "GET", "/api/v1/orders/"+o.ID, nil)); got.Status != o.Status {
		t.Errorf("refused posts moved the order from %s to %s", o.Status, got.Status)
	}
	if strings.Contains(owner.get("/promotions").body, "Sneaky") {
		t.Error("a refused post created a promotion")
	}
	if strings.Contains(owner.get("/journeys").body, "Sneaky") {
		t.Error("a refused post created a journey")
	}
	if connState(t, owner.get("/channels").body, "messenger") != "not configured" || strings.Contains(sourceNames(t, w), "Amazon") {
		t.Error("a refused post saved channel settings")
	}
	if strings.Contains(owner.get("/segments").body, "Sneaky") {
		t.Error("a refused post created a segment")
	}
	if strings.Contains(owner.get("/campaigns").body, "Sneaky") {
		t.Error("a refused post created a campaign")
	}
}

// TestSectionPages walks the new sections over plain HTTP: the inbox list
// and its filters, a reply, assign and resolve; a pickup made ready and
// handed over; a promotion created and a bad one refused with its field named.
func TestSectionPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) { sectionPages(t, newWorld(t, s)) })
}

func sectionPages(t *testing.T, w *world) {
	conv := w.chat(t, "Where is my parcel?")
	o := w.pickupOrder(t)

	agent := signedIn(t, w.URL, auth.ScopeAgent)
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"", true}, {"?status=open&channel=chat", true}, {"?status=resolved", false},
		{"?who=unassigned", true}, {"?who=mine", false}, {"?channel=sms", false},
	} {
		if got := strings.Contains(agent.get("/inbox"+tc.query).body, "/inbox/"+conv.ID); got != tc.want {
			t.Errorf("inbox%s lists the conversation: %v, want %v", tc.query, got, tc.want)
		}
	}
	if !strings.Contains(agent.get("/inbox").body, `class="conversation-link">Ann Archer</a>`) {
		t.Error("the inbox list does not name the customer")
	}
	if r := agent.get("/inbox?who=everyone"); r.status != http.StatusBadRequest {
		t.Errorf("unknown owner filter: %d", r.status)
	}
	page := agent.get("/inbox/" + conv.ID)
	for _, want := range []string{"Where is my parcel?", `data-state="received"`, `<option value="chat" selected>`,
		`id="panel-orders"`, o.ID, `id="panel-cart"`, `id="panel-wallet"`, "visitor-1"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("conversation page lacks %q", want)
		}
	}
	tok := token(t, page.body)
	post := func(c *client, path string, form url.Values) response {
		form.Set("csrf_token", tok)
		return c.do("POST", path, form, nil)
	}
	if r := post(agent, "/inbox/"+conv.ID+"/reply", url.Values{"body": {"  "}, "channel": {"chat"}}); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, `id="reply-error"`) {
		t.Errorf("empty reply: %d", r.status)
	}
	if r := post(agent, "/inbox/"+conv.ID+"/reply", url.Values{"body": {"It left this morning."}, "channel": {"chat"}}); r.status != http.StatusSeeOther {
		t.Fatalf("reply: %d %s", r.status, r.body)
	}
	post(agent, "/inbox/"+conv.ID+"/assign", url.Values{})
	if !strings.Contains(agent.get("/inbox?who=mine").body, "/inbox/"+conv.ID) {
		t.Error("assigned conversation is not among mine")
	}
	post(agent, "/inbox/"+conv.ID+"/resolve", url.Values{})
	page = agent.get("/inbox/" + conv.ID)
	if !strings.Contains(page.body, "It left this morning.") || !strings.Contains(page.body, `data-status="resolved"`) {
		t.Errorf("after reply and resolve the page shows:\n%s", page.body)
	}

	owner := signedIn(t, w.URL, auth.ScopeAdmin)
	orders := owner.get("/orders")
	if !strings.Contains(orders.body, `class="pickup to-prepare" id="pickup-`+o.ID) || !strings.Contains(orders.body, "Paris") {
		t.Fatalf("orders page does not offer the pickup to prepare at Paris:\n%s", orders.body)
	}
	tok = token(t, orders.body)
	if r := post(owner, "/orders/"+o.ID+"/ready", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("mark ready: %d %s", r.status, r.body)
	}
	if r := post(owner, "/orders/"+o.ID+"/pickup", url.Values{"location": {o.LocationID}, "method": {"cheque"}}); r.status != http.StatusBadRequest {
		t.Errorf("pickup paid by cheque: %d", r.status)
	}
	if r := post(owner, "/orders/"+o.ID+"/pickup", url.Values{"location": {o.LocationID}, "method": {"cash"}}); r.status != http.StatusSeeOther {
		t.Fatalf("picked up: %d %s", r.status, r.body)
	}
	if !strings.Contains(owner.get("/orders?status=picked_up").body, `id="order-`+o.ID) {
		t.Error("the order is not listed as picked up")
	}
	if cat := owner.get("/catalog?q=mu").body; !strings.Contains(cat, `data-sku="MUG"`) || !strings.Contains(cat, "12.00 EUR") {
		t.Errorf("catalog does not list the mug at 12.00 EUR")
	}
	stock := regexp.MustCompile(`data-sku="MUG">.*<td>Paris</td>\s*<td class="num">2</td><td class="num">0</td><td class="num">2</td>`)
	if inv := owner.get("/inventory?location=" + o.LocationID).body; !stock.MatchString(inv) {
		t.Errorf("inventory at Paris after the pickup does not show 2 mugs on hand:\n%s", inv)
	}
	if r := owner.get("/inventory?location=nowhere"); r.status != http.StatusBadRequest {
		t.Errorf("inventory at an unknown location: %d", r.status)
	}
	overview := owner.get("/").body
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`id="tile-revenue"><h2>Revenue</h2><p class="figure">12.00 EUR</p><p class="sub">before: 0.00 EUR`),
		regexp.MustCompile(`id="tile-orders"><h2>Orders</h2><p class="figure">1</p>`),
		regexp.MustCompile(`id="tile-aov"><h2>Average order value</h2><p class="figure">12.00 EUR</p>`),
		regexp.MustCompile(`data-channel="web">.*<td class="num">1</td><td class="num">12.00 EUR</td>`),
	} {
		if !want.MatchString(overview) {
			t.Errorf("overview does not match %s", want)
		}
	}

	bad := post(owner, "/promotions", url.Values{"name": {"Half"}, "kind": {"percent_off"}, "value": {"150"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "value: give a percentage") {
		t.Errorf("percent over 100: %d", bad.status)
	}
	r := post(owner, "/promotions", url.Values{"name": {"Spring"}, "kind": {"amount_off"}, "value": {"5"}, "currency": {"EUR"},
		"code": {"spring5"}, "min_subtotal": {"30"}, "starts": {"2026-03-01"}, "ends": {"2026-03-31"}, "channels": {"web", "pos"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("create promotion: %d %s", r.status, r.body)
	}
	list := owner.get("/promotions").body
	for _, want := range []string{"Spring", "SPRING5", "5.00 EUR off", "30.00 EUR", "from 1 Mar 2026 until 1 Apr 2026"} {
		if !strings.Contains(list, want) {
			t.Errorf("promotion list lacks %q", want)
		}
	}
}

// TestInboxLiveEvents reads the conversation page's event stream: another
// customer's message is filtered out, the next message of this conversation
// arrives as an inbox-update naming it; other roles are refused.
func TestInboxLiveEvents(t *testing.T) {
	w := startWorld(t)
	conv := w.chat(t, "Hello")
	if r := signedIn(t, w.URL, auth.ScopeMarketer).get("/inbox/events"); r.status != http.StatusForbidden {
		t.Errorf("marketer opening the inbox stream: %d", r.status)
	}
	agent := signedIn(t, w.URL, auth.ScopeAgent)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", w.URL+"/inbox/events?conversation="+conv.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := agent.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	lines := bufio.NewReader(resp.Body)
	if l, err := lines.ReadString('\n'); err != nil || !strings.HasPrefix(l, "retry:") {
		t.Fatalf("first line %q %v", l, err) // the stream is open before anything is sent
	}
	if _, err := w.App.Inbox().Receive(ctx, inbox.Inbound{Channel: inbox.ChannelChat, Address: "visitor-9", ExternalID: "bob-1",
		Identifiers: []identity.Identifier{{Type: identity.AnonymousID, Value: "visitor-9"}}, Body: "Another customer"}); err != nil {
		t.Fatal(err)
	}
	w.chat(t, "Still there?")
	for {
		l, err := lines.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before the update: %v", err)
		}
		if data, ok := strings.CutPrefix(l, "data: "); ok {
			if got := strings.TrimSpace(data); got != conv.ID {
				t.Errorf("update for %s, want only %s", got, conv.ID)
			}
			return
		}
	}
}
