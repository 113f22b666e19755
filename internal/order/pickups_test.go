package order_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/payment/stripetest"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestWaitingPickups places pickup orders in every state and checks which
// ones the shop is shown, in what order, with their lines.
func TestWaitingPickups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		w.stock(t, w.mug, w.paris, 20)
		pickup := func(pay order.PaymentInput, items ...cart.Item) order.Order {
			t.Helper()
			time.Sleep(2 * time.Millisecond) // ids order by the millisecond: one order per one
			_, cartID := w.shopper(t, items...)
			o, _, err := w.orders.Checkout(ctx, cartID, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup,
				Location: "paris", Payment: pay})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		paid := pickup(order.PaymentInput{Provider: "manual", Method: "card_terminal"}, item("MUG", 2), item("LAMP", 1))
		atCounter := pickup(order.PaymentInput{}, item("MUG", 1))
		online := pickup(stripePay(stripetest.CardDeclined), item("MUG", 1)) // waits for the customer, not the shop
		ready := pickup(order.PaymentInput{Provider: "manual", Method: "cash"}, item("MUG", 3))
		if _, err := w.orders.MarkReady(ctx, ready.ID, "pos"); err != nil {
			t.Fatal(err)
		}
		done := pickup(order.PaymentInput{Provider: "manual", Method: "cash"}, item("MUG", 1))
		if _, err := w.orders.MarkReady(ctx, done.ID, "pos"); err != nil {
			t.Fatal(err)
		}
		if _, err := w.orders.Pickup(ctx, done.ID, order.PickupRequest{Location: "paris"}); err != nil {
			t.Fatal(err)
		}
		_, shipCart := w.shopper(t, item("MUG", 1))
		if _, _, err := w.orders.Checkout(ctx, shipCart, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping,
			ShippingAddress: home, Payment: order.PaymentInput{Provider: "manual", Method: "card_terminal"}}); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name     string
			location string
			limit    int
			want     []string
		}{
			{"every shop", "", 0, []string{paid.ID, atCounter.ID, ready.ID}},
			{"the pickup shop", w.paris.ID, 0, []string{paid.ID, atCounter.ID, ready.ID}},
			{"another location", w.wh.ID, 0, nil},
			{"the oldest two", "", 2, []string{paid.ID, atCounter.ID}},
		}
		for _, tc := range tests {
			got, err := w.orders.WaitingPickups(ctx, tc.location, tc.limit)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var ids []string
			for _, o := range got {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("%s: %v, want %v (online %s)", tc.name, ids, tc.want, online.ID)
			}
		}
		got, err := w.orders.WaitingPickups(ctx, "", 0)
		if err != nil || len(got) != 3 {
			t.Fatalf("waiting: %d %v", len(got), err)
		}
		lines := func(o order.Order) []string {
			var out []string
			for _, l := range o.Lines {
				out = append(out, l.SKU+"×"+string(rune('0'+l.Quantity)))
			}
			return out
		}
		for i, want := range [][]string{{"MUG×2", "LAMP×1"}, {"MUG×1"}, {"MUG×3"}} {
			if !slices.Equal(lines(got[i]), want) {
				t.Errorf("order %d lines %v, want %v", i, lines(got[i]), want)
			}
			if len(got[i].Payments) != 0 || len(got[i].History) != 0 {
				t.Errorf("order %d: payments and history are not read, got %d and %d", i, len(got[i].Payments), len(got[i].History))
			}
		}
		if got[0].Status != order.Paid || got[1].Status != order.PendingPayment || got[2].Status != order.ReadyForPickup {
			t.Errorf("statuses %s, %s, %s", got[0].Status, got[1].Status, got[2].Status)
		}
	})
}
