package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/payment/stripetest"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/storefront"
)

// TestBadCommerceInput sends bad requests through real HTTP: each gets a 4xx
// naming the problem, and the cart stays as it was.
func TestBadCommerceInput(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		cid := s.customer(t, "bad-input")
		s.must(t, http.StatusCreated, "POST", "/api/v1/promotions",
			fmt.Sprintf(`{"name":"Old","code":"OLD","kind":"percent_off","percent":1000,"conditions":{"ends_at":%q}}`,
				time.Now().Add(-time.Hour).Format(time.RFC3339)))
		s.must(t, http.StatusCreated, "POST", "/api/v1/promotions",
			`{"name":"Gone","code":"GONE","kind":"percent_off","percent":1000,"conditions":{"usage_limit":1}}`)
		// Use GONE's only use up.
		other := s.customer(t, "bad-input-other")
		s.must(t, http.StatusOK, "POST", "/api/v1/customers/"+other+"/cart/items", `{"sku":"MUG","quantity":1,"channel":"web"}`)
		s.must(t, http.StatusOK, "POST", "/api/v1/customers/"+other+"/cart/codes", `{"code":"GONE","channel":"web"}`)
		oc := s.cartOf(t, other, "web")
		s.must(t, http.StatusCreated, "POST", "/api/v1/carts/"+oc.ID+"/checkout", `{"channel":"web","fulfillment":"pickup","location":"paris"}`)

		emptyCart := s.customer(t, "bad-input-empty")
		s.must(t, http.StatusOK, "POST", "/api/v1/customers/"+emptyCart+"/cart/items", `{"sku":"MUG","quantity":1,"channel":"web"}`)
		ec := s.cartOf(t, emptyCart, "web")
		s.must(t, http.StatusOK, "PATCH", "/api/v1/customers/"+emptyCart+"/cart/items", `{"sku":"MUG","quantity":0,"channel":"web"}`)

		items := "/api/v1/customers/" + cid + "/cart/items"
		before := apptest.DecodeJSON[cart.View](t, s.must(t, http.StatusOK, "POST", items, `{"sku":"LAMP","quantity":1,"channel":"web"}`))
		tests := []struct {
			name, method, path, body string
			status                   int
			code, want               string
		}{
			{"unknown SKU", "POST", items, `{"sku":"NOPE-1","quantity":1,"channel":"web"}`, 400, "invalid", `unknown sku "NOPE-1"`},
			{"negative quantity", "POST", items, `{"sku":"MUG","quantity":-2,"channel":"web"}`, 400, "invalid", "quantity: -2 is out of range"},
			{"zero quantity", "POST", items, `{"sku":"MUG","quantity":0,"channel":"web"}`, 400, "invalid", "quantity: 0 is out of range"},
			{"absurd quantity", "POST", items, `{"sku":"MUG","quantity":100000000,"channel":"web"}`, 400, "invalid", "out of range 1..999"},
			{"quantity not a number", "POST", items, `{"sku":"MUG","quantity":"ten","channel":"web"}`, 400, "invalid", "quantity: must be a number"},
			{"more than in stock", "POST", items, `{"sku":"LAMP","quantity":5,"channel":"web"}`, 422, "unprocessable", "SKU LAMP has 1 available"},
			{"currency mismatch", "POST", items, `{"sku":"CAP","quantity":1,"channel":"web"}`, 400, "invalid", "currency mismatch: the cart is in EUR, SKU CAP is priced in USD"},
			{"no channel", "POST", items, `{"sku":"MUG","quantity":1}`, 400, "invalid", "channel: is required"},
			{"unknown channel", "POST", items, `{"sku":"MUG","quantity":1,"channel":"telex"}`, 400, "invalid", `unknown channel "telex"`},
			{"unknown field", "POST", items, `{"sku":"MUG","qty":1,"channel":"web"}`, 400, "invalid", "qty: unknown field"},
			{"unknown code", "POST", "/api/v1/customers/" + cid + "/cart/codes", `{"code":"NOSUCH","channel":"web"}`, 400, "invalid", `unknown promotion code "NOSUCH"`},
			{"expired code", "POST", "/api/v1/customers/" + cid + "/cart/codes", `{"code":"old","channel":"web"}`, 400, "invalid", "code OLD expired"},
			{"exhausted code", "POST", "/api/v1/customers/" + cid + "/cart/codes", `{"code":"GONE","channel":"web"}`, 409, "conflict", "code GONE is exhausted"},
			{"empty cart checkout", "POST", "/api/v1/carts/" + ec.ID + "/checkout", `{"channel":"web","fulfillment":"pickup","location":"paris"}`, 422, "unprocessable", "the cart is empty"},
			{"pickup where the shop lacks stock", "POST", "/api/v1/carts/" + before.ID + "/checkout", `{"channel":"web","fulfillment":"pickup","location":"lyon"}`, 400, "invalid", "Lyon (lyon) does not offer pickup"},
			{"shipping without address", "POST", "/api/v1/carts/" + before.ID + "/checkout", `{"channel":"web","fulfillment":"shipping"}`, 400, "invalid", "shipping_address"},
			{"unknown customer", "GET", "/api/v1/customers/cus_nobody/cart", "", 404, "not_found", "cus_nobody"},
			{"negative stock", "POST", "/api/v1/inventory", `{"sku":"MUG","location":"wh","on_hand":-1}`, 400, "invalid", "on_hand: -1 is out of range"},
			{"negative price", "POST", "/api/v1/products", `{"title":"Bad","variants":[{"sku":"BAD","price":-100,"currency":"EUR"}]}`, 400, "invalid", "variants[0].price"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				code, out := s.Do(t, tc.method, tc.path, s.Admin, body)
				e := apptest.DecodeJSON[httpapi.ErrorBody](t, out)
				if code != tc.status || e.Error.Code != tc.code || !strings.Contains(e.Error.Message, tc.want) {
					t.Fatalf("%d %s, want %d %s containing %q", code, out, tc.status, tc.code, tc.want)
				}
				after := s.cartOf(t, cid, "web")
				if after.Version != before.Version || len(after.Lines) != 1 || after.Lines[0].Quantity != 1 || len(after.Codes) != 0 {
					t.Fatalf("cart changed: %+v", after)
				}
			})
		}
		// Pickup at a shop without enough stock: Paris has 2 mugs, one reserved above.
		s.must(t, http.StatusOK, "PATCH", items, `{"sku":"LAMP","quantity":0,"channel":"web"}`)
		s.must(t, http.StatusOK, "POST", items, `{"sku":"MUG","quantity":3,"channel":"web"}`)
		code, out := s.Do(t, "POST", "/api/v1/carts/"+before.ID+"/checkout", s.Admin, `{"channel":"web","fulfillment":"pickup","location":"paris"}`)
		if code != 422 || !strings.Contains(string(out), "SKU MUG: 3 requested, only 1 available at location Paris (paris)") {
			t.Fatalf("pickup short of stock: %d %s", code, out)
		}
	})
}

// TestPromotionFollowsTheCustomerAcrossDevices is the brief's example: a
// customer sees a promotion in a Facebook ad on the phone, does not buy, and
// later comes back on the home computer; the cart there has the promotion.
func TestPromotionFollowsTheCustomerAcrossDevices(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		s.must(t, http.StatusCreated, "POST", "/api/v1/promotions",
			`{"name":"Facebook: 15% off mugs","code":"FBMUG15","kind":"percent_off","percent":1500,"combinable":true}`)
		login := func(email string) string {
			return storefront.SignToken(s.key.SigningSecret, storefront.Claims{Email: email, Expires: time.Now().Add(time.Hour).Unix()})
		}
		// Phone: the ad click lands with the code; the visitor browses, adds
		// nothing, and signs in to the newsletter with their email.
		if code, out := s.store(t, "POST", "/store/v1/promotions", "phone-anon", "", `{"code":"FBMUG15","source":"ad_click"}`); code != 201 {
			t.Fatalf("ad click: %d %s", code, out)
		}
		if code, out := s.store(t, "GET", "/store/v1/cart", "phone-anon", login("ann@example.com"), nil); code != 200 {
			t.Fatalf("phone login: %d %s", code, out)
		}
		// Home computer, days later: a new anonymous visitor puts a mug in
		// the cart, then logs in with the same email.
		if code, out := s.store(t, "POST", "/store/v1/cart/items", "home-anon", "", `{"sku":"MUG","quantity":2}`); code != 200 {
			t.Fatalf("home add: %d %s", code, out)
		}
		code, out := s.store(t, "GET", "/store/v1/cart", "home-anon", login("ann@example.com"), nil)
		if code != 200 {
			t.Fatalf("home login: %d %s", code, out)
		}
		v := apptest.DecodeJSON[cart.View](t, out)
		if len(v.Applied) != 1 || v.Applied[0].Code != "FBMUG15" || v.Totals.Discount != 360 || v.Totals.Total != 2040 {
			t.Fatalf("home cart after login: applied %+v totals %+v", v.Applied, v.Totals)
		}
		if len(v.Lines[0].Adjustments) != 1 || !strings.Contains(v.Lines[0].Adjustments[0].Reason, "15%") {
			t.Errorf("line does not explain the discount: %+v", v.Lines[0].Adjustments)
		}
		// The same cart, with the promotion, at the shop counter.
		pos := s.cartOf(t, v.CustomerID, "pos")
		if pos.ID != v.ID || pos.Totals.Discount != 360 {
			t.Errorf("pos sees cart %s discount %d", pos.ID, pos.Totals.Discount)
		}
		wallet := apptest.DecodeJSON[[]promotion.WalletEntry](t, s.must(t, 200, "GET", "/api/v1/customers/"+v.CustomerID+"/promotions", nil))
		if len(wallet) != 1 || wallet[0].Source != "ad_click" {
			t.Errorf("wallet %+v", wallet)
		}
		// Checkout uses the wallet promotion once.
		code, out = s.storeCheckout(t, "home-anon", login("ann@example.com"), `{"fulfillment":"pickup","location":"paris"}`, "k1")
		if code != 201 {
			t.Fatalf("checkout: %d %s", code, out)
		}
		if o := apptest.DecodeJSON[order.Order](t, out); o.Discount != 360 || o.Channel != "web" {
			t.Errorf("order discount %d channel %s", o.Discount, o.Channel)
		}
		code, out = s.store(t, "POST", "/store/v1/cart/items", "phone-anon", "", `{"sku":"MUG","quantity":1}`)
		if code != 200 || len(apptest.DecodeJSON[cart.View](t, out).Applied) != 0 {
			t.Errorf("used wallet promotion applies again: %s", out)
		}
	})
}

func (s *shop) storeCheckout(t *testing.T, anon, token, body, key string) (int, []byte) {
	t.Helper()
	h := map[string]string{"X-Omni-Publishable-Key": s.key.Publishable, "X-Omni-Anonymous-Id": anon, "Idempotency-Key": key}
	if token != "" {
		h["X-Omni-Customer-Token"] = token
	}
	return s.DoHeaders(t, "POST", "/store/v1/checkout", h, body)
}

// TestTrackedAdClickFillsTheWallet: an event stored on the timeline (as the
// tracking API stores them) that carries a code puts it in the wallet.
func TestTrackedAdClickFillsTheWallet(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		s.must(t, http.StatusCreated, "POST", "/api/v1/promotions", `{"name":"Ad","code":"AD10","kind":"percent_off","percent":1000}`)
		cid := s.customer(t, "tracked-phone")
		payload := `{"type":"page","context":{"campaign":{"source":"facebook","medium":"paid_social","promotion":"AD10"},"page":{"url":"https://shop.example/mug"}}}`
		now := time.Now().UTC().Truncate(time.Millisecond)
		ev := customer.Event{ID: customer.EventID("src_web", "m1", now), CustomerID: cid, SourceID: "src_web", Channel: "web",
			Type: "page", MessageID: "m1", Timestamp: now, ReceivedAt: now, Payload: json.RawMessage(payload)}
		err := s.App.DB().InTx(context.Background(), func(tx *store.Tx) error {
			_, err := s.App.Customers().AppendTx(context.Background(), tx, []customer.Event{ev})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		wallet := apptest.DecodeJSON[[]promotion.WalletEntry](t, s.must(t, 200, "GET", "/api/v1/customers/"+cid+"/promotions", nil))
		if len(wallet) != 1 || wallet[0].Code != "AD10" || wallet[0].Source != "ad_click" || wallet[0].Channel != "web" {
			t.Fatalf("wallet = %+v", wallet)
		}
	})
}

// TestCardCheckoutOverHTTP: a declined card, a retry with the same
// idempotency key, payment with another card, shipping and a return in a
// shop with a Stripe refund.
func TestCardCheckoutOverHTTP(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		cid := s.customer(t, "card")
		s.must(t, 200, "POST", "/api/v1/customers/"+cid+"/cart/items", `{"sku":"MUG","quantity":2,"channel":"app"}`)
		c := s.cartOf(t, cid, "app")
		body := `{"channel":"app","fulfillment":"shipping","shipping_address":{"line1":"3 rue Oberkampf","city":"Paris","postal_code":"75011","country":"FR"},"payment":{"provider":"stripe","method":"` + stripetest.CardDeclined + `"}}`
		h := map[string]string{"Authorization": "Bearer " + s.Admin, "Idempotency-Key": "phone-checkout-1"}
		code, out := s.DoHeaders(t, "POST", "/api/v1/carts/"+c.ID+"/checkout", h, body)
		if code != 201 {
			t.Fatalf("checkout: %d %s", code, out)
		}
		o := apptest.DecodeJSON[order.Order](t, out)
		if o.Status != "pending_payment" || o.PaymentStatus != "failed" || o.Total != 2880 {
			t.Fatalf("after decline: %s/%s total %d", o.Status, o.PaymentStatus, o.Total)
		}
		code, out = s.DoHeaders(t, "POST", "/api/v1/carts/"+c.ID+"/checkout", h, body)
		if code != 200 || apptest.DecodeJSON[order.Order](t, out).ID != o.ID {
			t.Fatalf("retry: %d %s", code, out)
		}
		if s.stripe.Created() != 1 {
			t.Fatalf("%d PaymentIntents after a retry, want 1", s.stripe.Created())
		}
		paid := apptest.DecodeJSON[order.Order](t, s.must(t, 200, "POST", "/api/v1/orders/"+o.ID+"/pay",
			`{"channel":"app","provider":"stripe","method":"`+stripetest.CardVisa+`"}`))
		if paid.Status != "paid" {
			t.Fatalf("pay: %s", paid.Status)
		}
		code, out = s.Do(t, "POST", "/api/v1/orders/"+o.ID+"/cancel", s.Admin, `{"channel":"chat","reason":"too late"}`)
		if code != 409 || !strings.Contains(string(out), "refused after the payment is captured") {
			t.Fatalf("cancel after capture: %d %s", code, out)
		}
		s.must(t, 200, "POST", "/api/v1/orders/"+o.ID+"/ship", `{"channel":"web","note":"parcel 1"}`)
		ret := apptest.DecodeJSON[order.Return](t, s.must(t, 201, "POST", "/api/v1/returns",
			`{"order_id":"`+o.ID+`","location":"lyon","channel":"pos","reason":"gift","lines":[{"sku":"MUG","quantity":2}]}`))
		if ret.RefundAmount != 2880 || ret.Refund.Status != "succeeded" || ret.Order.Status != "refunded" || s.stripe.Refunds() != 1 {
			t.Fatalf("return: %+v", ret)
		}
		lv := s.must(t, 200, "GET", "/api/v1/inventory?sku=MUG&location=lyon", nil)
		if !strings.Contains(string(lv), `"on_hand":2`) {
			t.Errorf("lyon stock after return: %s", lv)
		}
	})
}

// TestBuyOnlinePickUpInStore: reservation at the shop, ready, cancel of
// another order, pickup paid at the counter.
func TestBuyOnlinePickUpInStore(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		code, out := s.store(t, "POST", "/store/v1/cart/items", "bopis", "", `{"sku":"LAMP","quantity":1}`)
		if code != 200 {
			t.Fatalf("add: %d %s", code, out)
		}
		code, out = s.storeCheckout(t, "bopis", "", `{"fulfillment":"pickup","location":"paris","payment":{"provider":"manual","method":"pay_later"}}`, "b1")
		if code != 201 {
			t.Fatalf("checkout: %d %s", code, out)
		}
		o := apptest.DecodeJSON[order.Order](t, out)
		if lv := s.must(t, 200, "GET", "/api/v1/inventory?sku=LAMP&location=paris", nil); !strings.Contains(string(lv), `"reserved":1`) {
			t.Fatalf("no reservation at the shop: %s", lv)
		}
		s.must(t, 200, "POST", "/api/v1/orders/"+o.ID+"/ready", `{"channel":"pos"}`)
		got := apptest.DecodeJSON[order.Order](t, s.must(t, 200, "POST", "/api/v1/orders/"+o.ID+"/pickup",
			`{"location":"paris","payment":{"provider":"manual","method":"card_terminal"}}`))
		if got.Status != "picked_up" || got.PaymentStatus != "paid" {
			t.Fatalf("pickup: %s/%s", got.Status, got.PaymentStatus)
		}
		page := apptest.DecodeJSON[customer.Page](t, s.must(t, 200, "GET", "/api/v1/customers/"+o.CustomerID+"/timeline", nil))
		var names []string
		for _, e := range page.Events {
			names = append(names, e.Name+"@"+e.Channel)
		}
		joined := strings.Join(names, ",")
		for _, want := range []string{"Product Added@web", "Order Placed@web", "Order Ready for Pickup@pos", "Order Picked Up@pos"} {
			if !strings.Contains(joined, want) {
				t.Errorf("timeline lacks %s: %s", want, joined)
			}
		}
		// A second visitor's order is cancelled from the storefront before payment.
		s.store(t, "POST", "/store/v1/cart/items", "canceller", "", `{"sku":"MUG","quantity":2}`)
		code, out = s.storeCheckout(t, "canceller", "", `{"fulfillment":"pickup","location":"paris"}`, "c1")
		if code != 201 {
			t.Fatalf("checkout 2: %d %s", code, out)
		}
		o2 := apptest.DecodeJSON[order.Order](t, out)
		if code, out := s.store(t, "POST", "/store/v1/orders/"+o2.ID+"/cancel", "someone-else", "", nil); code != 404 {
			t.Errorf("another visitor cancelled the order: %d %s", code, out)
		}
		code, out = s.store(t, "POST", "/store/v1/orders/"+o2.ID+"/cancel", "canceller", "", nil)
		if code != 200 || !strings.Contains(string(out), `"status":"cancelled"`) {
			t.Fatalf("cancel: %d %s", code, out)
		}
		if lv := s.must(t, 200, "GET", "/api/v1/inventory?sku=MUG&location=paris", nil); !strings.Contains(string(lv), `"reserved":0`) {
			t.Errorf("cancel left a reservation: %s", lv)
		}
		sale := apptest.DecodeJSON[order.Order](t, s.must(t, 201, "POST", "/api/v1/pos/sales",
			`{"location":"paris","items":[{"sku":"MUG","quantity":1}],"payment":{"provider":"manual","method":"cash"}}`))
		if sale.Channel != "pos" || sale.Status != "picked_up" {
			t.Errorf("pos sale: %s %s", sale.Channel, sale.Status)
		}
	})
}

// TestLastUnitCheckoutsOverHTTP: 50 customers check the last lamp out at
// once through the API; exactly one order is placed.
func TestLastUnitCheckoutsOverHTTP(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		const buyers = 50
		carts := make([]string, buyers)
		for i := range carts {
			cid := s.customer(t, fmt.Sprintf("racer-%d", i))
			v := apptest.DecodeJSON[cart.View](t, s.must(t, 200, "POST", "/api/v1/customers/"+cid+"/cart/items", `{"sku":"LAMP","quantity":1,"channel":"web"}`))
			carts[i] = v.ID
		}
		codes := make([]int, buyers)
		var wg sync.WaitGroup
		for i, c := range carts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i], _ = s.Do(t, "POST", "/api/v1/carts/"+c+"/checkout", s.Admin, `{"channel":"web","fulfillment":"pickup","location":"paris"}`)
			}()
		}
		wg.Wait()
		// Connections the client dialled but never used look new to the
		// server, which would wait for them on shutdown.
		http.DefaultClient.CloseIdleConnections()
		count := map[int]int{}
		for _, c := range codes {
			count[c]++
		}
		if count[201] != 1 || count[422] != buyers-1 {
			t.Fatalf("statuses %v, want one 201 and %d 422", count, buyers-1)
		}
	})
}

func TestOpenAPIDescribesCommerce(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		doc := s.must(t, 200, "GET", "/api/v1/openapi.json", nil)
		for _, p := range []string{"/api/v1/products", "/api/v1/locations", "/api/v1/inventory", "/api/v1/customers/{id}/cart",
			"/api/v1/carts/{id}/checkout", "/api/v1/orders", "/api/v1/orders/{id}/cancel", "/api/v1/orders/{id}/pickup",
			"/api/v1/returns", "/api/v1/promotions", "/store/v1/cart", "/store/v1/checkout"} {
			if !strings.Contains(string(doc), `"`+p+`"`) {
				t.Errorf("OpenAPI lacks %s", p)
			}
		}
		if code, _ := s.store(t, "GET", "/store/v1/cart", "", "", nil); code != 400 {
			t.Errorf("storefront without anonymous id: %d", code)
		}
		code, _ := s.DoHeaders(t, "GET", "/store/v1/cart", map[string]string{"X-Omni-Publishable-Key": "pk_wrong", "X-Omni-Anonymous-Id": "a"}, nil)
		if code != 401 {
			t.Errorf("wrong publishable key: %d", code)
		}
		bad := storefront.SignToken("not the secret", storefront.Claims{Email: "x@example.com", Expires: time.Now().Add(time.Hour).Unix()})
		if code, _ := s.store(t, "GET", "/store/v1/cart", "a", bad, nil); code != 401 {
			t.Errorf("forged customer token: %d", code)
		}
	})
}

// TestTrackedAdClickOnPhoneAppliesOnHomeComputer goes through the tracking
// API: an ad-click page view on the phone (anonymous) carries the code; the
// customer identifies on the phone and, later, on the home computer with
// the same email; the home computer's cart shows the promotion applied.
func TestTrackedAdClickOnPhoneAppliesOnHomeComputer(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		s.must(t, http.StatusCreated, "POST", "/api/v1/promotions",
			`{"name":"Instagram ad: 10% off","code":"INSTA10","kind":"percent_off","percent":1000,"combinable":true}`)
		src, err := auth.NewService(s.App.DB()).CreateSource(context.Background(), "Web shop", "web")
		if err != nil {
			t.Fatal(err)
		}
		track := func(path, body string) {
			t.Helper()
			basic := base64.StdEncoding.EncodeToString([]byte(src.WriteKey + ":"))
			code, out := s.DoHeaders(t, "POST", path, map[string]string{"Authorization": "Basic " + basic}, body)
			if code != 200 {
				t.Fatalf("%s: %d %s", path, code, out)
			}
		}
		track("/v1/page", `{"anonymousId":"phone-7","name":"Mug","properties":{"url":"https://shop.example/mug?utm_source=instagram&utm_medium=paid_social&utm_promotion=INSTA10"},
			"context":{"campaign":{"source":"instagram","medium":"paid_social","promotion":"INSTA10"},"page":{"url":"https://shop.example/mug?utm_promotion=INSTA10"}}}`)
		track("/v1/identify", `{"anonymousId":"phone-7","traits":{"email":"bea@example.com"}}`)
		// Home computer, another day: the visitor fills a cart, then signs in.
		if code, out := s.store(t, "POST", "/store/v1/cart/items", "desktop-3", "", `{"sku":"MUG","quantity":1}`); code != 200 {
			t.Fatalf("add: %d %s", code, out)
		}
		track("/v1/identify", `{"anonymousId":"desktop-3","traits":{"email":"bea@example.com"}}`)
		code, out := s.store(t, "GET", "/store/v1/cart", "desktop-3", "", nil)
		if code != 200 {
			t.Fatalf("cart: %d %s", code, out)
		}
		v := apptest.DecodeJSON[cart.View](t, out)
		if len(v.Applied) != 1 || v.Applied[0].Code != "INSTA10" || v.Totals.Discount != 120 || len(v.Lines) != 1 {
			t.Fatalf("home cart: applied %+v totals %+v lines %d", v.Applied, v.Totals, len(v.Lines))
		}
	})
}
