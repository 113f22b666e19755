package order_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/payment/stripetest"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func stripePay(method string) order.PaymentInput {
	return order.PaymentInput{Provider: "stripe", Method: method}
}

func TestShippedCheckoutWithTaxPromotionAndIdempotentRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		if _, err := w.orders.CreateShippingRate(ctx, order.ShippingRate{Name: "Colissimo", Region: "FR", Currency: "EUR", Amount: 490}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.promos.Create(ctx, promo.Promotion{Name: "5 off", Code: "FIVE", Kind: promo.KindAmountOff,
			Amount: money.New(500, "EUR"), Combinable: true}); err != nil {
			t.Fatal(err)
		}
		cid, cartID := w.shopper(t, item("MUG", 3))
		if _, err := w.carts.AddCode(ctx, cid, "web", "FIVE"); err != nil {
			t.Fatal(err)
		}
		req := order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping, ShippingAddress: home, Payment: stripePay(stripetest.CardVisa)}
		o, created, err := w.orders.Checkout(ctx, cartID, "key-1", req)
		if err != nil || !created {
			t.Fatalf("checkout: created %v err %v", created, err)
		}
		// 3 × 12.00 = 36.00 − 5.00 = 31.00 → tax 6.20; shipping 4.90 → tax 0.98.
		if o.Status != order.Paid || o.Subtotal != 3600 || o.Discount != 500 || o.Shipping != 490 || o.Tax != 620+98 || o.Total != 3100+490+718 {
			t.Fatalf("order = status %s subtotal %d discount %d shipping %d tax %d total %d", o.Status, o.Subtotal, o.Discount, o.Shipping, o.Tax, o.Total)
		}
		if o.TaxRegion != "FR" || len(o.Promotions) != 1 || o.Lines[0].Tax != 620 {
			t.Errorf("region %s promotions %v line tax %d", o.TaxRegion, o.Promotions, o.Lines[0].Tax)
		}
		if l := w.level(t, w.mug, w.wh); l.Reserved != 3 {
			t.Errorf("warehouse reserved %d, want 3", l.Reserved)
		}
		again, created, err := w.orders.Checkout(ctx, cartID, "key-1", req)
		if err != nil || created || again.ID != o.ID {
			t.Fatalf("retry: %s created %v err %v, want %s", again.ID, created, err, o.ID)
		}
		if w.stripe.Created() != 1 {
			t.Errorf("%d PaymentIntents, want 1", w.stripe.Created())
		}
		req.Fulfillment = order.Pickup
		if _, _, err := w.orders.Checkout(ctx, cartID, "key-1", req); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("same key, other request: %v, want conflict", err)
		}
		if _, err := w.orders.Cancel(ctx, o.ID, "web", "changed my mind"); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("cancel after capture: %v, want conflict", err)
		}
		shipped, err := w.orders.Ship(ctx, o.ID, "web", "tracking 123")
		if err != nil || shipped.Status != order.Shipped {
			t.Fatalf("ship: %v %v", shipped.Status, err)
		}
		if l := w.level(t, w.mug, w.wh); l.OnHand != 7 || l.Reserved != 0 {
			t.Errorf("after shipping: %+v", l)
		}
	})
}

func TestLostStripeResponseIsResumedWithoutSecondCharge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		_, cartID := w.shopper(t, item("MUG", 1))
		w.stripe.DropNextResponse()
		o, _, err := w.orders.Checkout(ctx, cartID, "k", order.CheckoutRequest{Channel: "app", Fulfillment: order.Shipping,
			ShippingAddress: home, Payment: stripePay(stripetest.CardVisa)})
		if err != nil || o.Status != order.Paid {
			t.Fatalf("checkout: %s %v", o.Status, err)
		}
		if w.stripe.Created() != 1 {
			t.Fatalf("%d PaymentIntents, want 1", w.stripe.Created())
		}
	})
}

func TestDeclineThenPayWithAnotherCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		_, cartID := w.shopper(t, item("MUG", 1))
		o, _, err := w.orders.Checkout(ctx, cartID, "k", order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping,
			ShippingAddress: home, Payment: stripePay(stripetest.CardDeclined)})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != order.PendingPayment || o.PaymentStatus != order.PayFailed || o.Payments[0].Message != "Your card was declined." {
			t.Fatalf("after decline: %s/%s %+v", o.Status, o.PaymentStatus, o.Payments)
		}
		if _, err := w.orders.Pay(ctx, o.ID, "web", stripePay(stripetest.CardDeclined)); apperr.CodeOf(err) != apperr.Unprocessable {
			t.Errorf("second decline: %v, want unprocessable", err)
		}
		paid, err := w.orders.Pay(ctx, o.ID, "web", stripePay(stripetest.CardVisa))
		if err != nil || paid.Status != order.Paid || len(paid.Payments) != 3 {
			t.Fatalf("pay: %s %d payments %v", paid.Status, len(paid.Payments), err)
		}
	})
}

func TestPickupPaidAtTheCounter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		_, cartID := w.shopper(t, item("LAMP", 1))
		o, _, err := w.orders.Checkout(ctx, cartID, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != order.PendingPayment || o.LocationID != w.paris.ID || o.Tax != 1600 || o.ExpiresAt == nil {
			t.Fatalf("order %+v", o)
		}
		if l := w.level(t, w.lamp, w.paris); l.Reserved != 1 || l.Available != 0 {
			t.Fatalf("paris lamp %+v", l)
		}
		ready, err := w.orders.MarkReady(ctx, o.ID, "pos")
		if err != nil || ready.Status != order.ReadyForPickup {
			t.Fatalf("ready: %v %v", ready.Status, err)
		}
		if _, err := w.orders.Pickup(ctx, o.ID, order.PickupRequest{Location: "lyon"}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("pickup at the wrong shop: %v", err)
		}
		if _, err := w.orders.Pickup(ctx, o.ID, order.PickupRequest{Location: "paris"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("pickup without payment: %v", err)
		}
		done, err := w.orders.Pickup(ctx, o.ID, order.PickupRequest{Location: "paris", Payment: &order.PaymentInput{Provider: "manual", Method: "cash"}})
		if err != nil || done.Status != order.PickedUp || done.PaymentStatus != order.PayPaid {
			t.Fatalf("pickup: %s/%s %v", done.Status, done.PaymentStatus, err)
		}
		if l := w.level(t, w.lamp, w.paris); l.OnHand != 0 || l.Reserved != 0 {
			t.Errorf("after pickup: %+v", l)
		}
		var path []string
		for _, e := range done.History {
			path = append(path, e.To)
		}
		want := []string{"pending_payment", "ready_for_pickup", "picked_up"}
		if len(path) != 3 || path[0] != want[0] || path[1] != want[1] || path[2] != want[2] {
			t.Errorf("history %v, want %v", path, want)
		}
	})
}

func TestCancelReleasesStockAndPromotionUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		p, err := w.promos.Create(ctx, promo.Promotion{Name: "Once", Code: "ONCE", Kind: promo.KindPercentOff, Percent: 1000,
			Conditions: promo.Conditions{UsageLimit: 1}})
		if err != nil {
			t.Fatal(err)
		}
		cid, cartID := w.shopper(t, item("MUG", 2))
		w.carts.AddCode(ctx, cid, "web", "ONCE")
		o, _, err := w.orders.Checkout(ctx, cartID, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: w.paris.ID})
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := w.promos.Get(ctx, p.ID); st.UsageCount != 1 {
			t.Fatalf("usage %d after checkout", st.UsageCount)
		}
		c, err := w.orders.Cancel(ctx, o.ID, "chat", "customer asked the agent")
		if err != nil || c.Status != order.Cancelled || c.PaymentStatus != order.PayVoided {
			t.Fatalf("cancel: %s %v", c.Status, err)
		}
		if l := w.level(t, w.mug, w.paris); l.Reserved != 0 || l.Available != 2 {
			t.Errorf("after cancel: %+v", l)
		}
		if st, _ := w.promos.Get(ctx, p.ID); st.UsageCount != 0 {
			t.Errorf("usage %d after cancel, want 0", st.UsageCount)
		}
		if _, err := w.orders.Cancel(ctx, o.ID, "web", ""); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("second cancel: %v", err)
		}
	})
}

func TestCheckoutRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		_, lampCart := w.shopper(t, item("LAMP", 1))
		_, mugCart := w.shopper(t, item("MUG", 3)) // Paris holds 2
		cid, emptyCart := w.shopper(t, item("MUG", 1))
		w.carts.RemoveItem(ctx, cid, "web", item("MUG", 0).VariantRef)
		tests := []struct {
			name   string
			cartID string
			req    order.CheckoutRequest
			code   apperr.Code
			want   string
		}{
			{"empty cart", emptyCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"}, apperr.Unprocessable, "empty"},
			{"shop short of stock", mugCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"}, apperr.Unprocessable, "SKU MUG: 3 requested, only 2 available at location Paris (paris)"},
			{"no pickup at shop", lampCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "lyon"}, apperr.Invalid, "does not offer pickup"},
			{"unknown location", lampCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "nowhere"}, apperr.Invalid, "unknown location"},
			{"no address", lampCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping}, apperr.Invalid, "shipping needs"},
			{"lamp not shippable", lampCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping, ShippingAddress: home}, apperr.Unprocessable, "any shipping location"},
			{"unknown provider", lampCart, order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris", Payment: order.PaymentInput{Provider: "bitcoin"}}, apperr.Invalid, "unknown payment provider"},
			{"unknown cart", "cart_nope", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"}, apperr.NotFound, "no cart"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := w.orders.Checkout(ctx, tc.cartID, "", tc.req)
				e, ok := apperr.As(err)
				if !ok || e.Code != tc.code || !contains(e.Error(), tc.want) {
					t.Fatalf("err = %v, want %s containing %q", err, tc.code, tc.want)
				}
			})
		}
		if l := w.level(t, w.mug, w.paris); l.Reserved != 0 {
			t.Errorf("refused checkouts left %d reserved", l.Reserved)
		}
	})
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0))
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func TestSaleAndReturnInAnotherShop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		sale, _, err := w.orders.Sale(ctx, "till-1-0001", order.SaleRequest{Location: "paris", Items: []cart.Item{item("MUG", 2)},
			Payment: order.PaymentInput{Provider: "manual", Method: "card_terminal"}})
		if err != nil || sale.Status != order.PickedUp || sale.Channel != "pos" || sale.Total != 2880 {
			t.Fatalf("sale: %s %s %d %v", sale.Status, sale.Channel, sale.Total, err)
		}
		if l := w.level(t, w.mug, w.paris); l.OnHand != 0 {
			t.Errorf("paris after sale: %+v", l)
		}
		// Bought online with a card, returned in Lyon.
		_, cartID := w.shopper(t, item("MUG", 3))
		o, _, err := w.orders.Checkout(ctx, cartID, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping,
			ShippingAddress: home, Payment: stripePay(stripetest.CardVisa)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.orders.CreateReturn(ctx, order.ReturnRequest{OrderID: o.ID, Location: "lyon", Channel: "pos",
			Lines: []order.ReturnLine{{SKU: "MUG", Quantity: 1}}}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("return before shipping: %v", err)
		}
		w.orders.Ship(ctx, o.ID, "web", "")
		r, err := w.orders.CreateReturn(ctx, order.ReturnRequest{OrderID: o.ID, Location: "lyon", Channel: "pos", Reason: "chipped",
			Lines: []order.ReturnLine{{SKU: "MUG", Quantity: 1}}})
		if err != nil || r.RefundAmount != 1440 || r.Refund.Status != "succeeded" || r.Order.PaymentStatus != order.PayPartiallyRefunded {
			t.Fatalf("first return: %+v %v", r, err)
		}
		if _, err := w.orders.CreateReturn(ctx, order.ReturnRequest{OrderID: o.ID, Location: "lyon", Channel: "pos",
			Lines: []order.ReturnLine{{SKU: "MUG", Quantity: 3}}}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("returning more than left: %v", err)
		}
		r2, err := w.orders.CreateReturn(ctx, order.ReturnRequest{OrderID: o.ID, Location: "lyon", Channel: "web",
			Lines: []order.ReturnLine{{SKU: "MUG", Quantity: 2}}})
		if err != nil || r2.Order.Status != order.Refunded || r2.Order.Refunded != o.Total-o.Shipping {
			t.Fatalf("second return: %s refunded %d of %d (%v)", r2.Order.Status, r2.Order.Refunded, o.Total, err)
		}
		if l := w.level(t, w.mug, w.lyon); l.OnHand != 3 {
			t.Errorf("lyon after returns: %+v", l)
		}
		if w.stripe.Refunds() != 2 {
			t.Errorf("%d Stripe refunds, want 2", w.stripe.Refunds())
		}
	})
}

func TestExpiredReservationsCancelUnpaidOrders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{PaymentHold: -time.Minute, PickupHold: -time.Minute})
		_, cartID := w.shopper(t, item("LAMP", 1))
		o, _, err := w.orders.Checkout(ctx, cartID, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"})
		if err != nil {
			t.Fatal(err)
		}
		n, err := w.orders.ExpireUnpaid(ctx)
		if err != nil || n != 1 {
			t.Fatalf("expired %d (%v), want 1", n, err)
		}
		got, _ := w.orders.Get(ctx, o.ID)
		if got.Status != order.Cancelled || w.level(t, w.lamp, w.paris).Available != 1 {
			t.Fatalf("after expiry: %s, %+v", got.Status, w.level(t, w.lamp, w.paris))
		}
	})
}

// TestLastUnitCheckoutRace: 50 customers check out the last lamp at once;
// exactly one gets it.
func TestLastUnitCheckoutRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		const buyers = 50
		carts := make([]string, buyers)
		for i := range carts {
			_, carts[i] = w.shopper(t, item("LAMP", 1))
		}
		var ok, short atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range carts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, err := w.orders.Checkout(ctx, c, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"})
				if _, isShort := inventory.AsShortage(err); isShort {
					short.Add(1)
				} else if err == nil {
					ok.Add(1)
				} else {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if ok.Load() != 1 || short.Load() != buyers-1 {
			t.Fatalf("%d orders, %d out of stock; want 1 and %d", ok.Load(), short.Load(), buyers-1)
		}
	})
}
