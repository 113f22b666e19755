package order_test

import (
	"context"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/payment/stripetest"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestSalesCountPaidOrdersLessRefunds sums an in-store sale and a web order
// with one unit returned; an unpaid pickup and a cancelled order do not count.
func TestSalesCountPaidOrdersLessRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := newWorld(t, db, order.Options{})
		if cur, err := w.orders.MainCurrency(ctx); err != nil || cur != "" {
			t.Fatalf("main currency before any sale: %q %v", cur, err)
		}
		sale, _, err := w.orders.Sale(ctx, "till-1-0001", order.SaleRequest{Location: "paris", Items: []cart.Item{item("MUG", 2)},
			Payment: order.PaymentInput{Provider: "manual", Method: "cash"}})
		if err != nil {
			t.Fatal(err)
		}
		_, cartID := w.shopper(t, item("MUG", 3))
		web, _, err := w.orders.Checkout(ctx, cartID, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Shipping,
			ShippingAddress: home, Payment: stripePay(stripetest.CardVisa)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.orders.Ship(ctx, web.ID, "web", ""); err != nil {
			t.Fatal(err)
		}
		ret, err := w.orders.CreateReturn(ctx, order.ReturnRequest{OrderID: web.ID, Location: "wh", Channel: "web",
			Lines: []order.ReturnLine{{SKU: "MUG", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		_, unpaidCart := w.shopper(t, item("LAMP", 1))
		if _, _, err := w.orders.Checkout(ctx, unpaidCart, "", order.CheckoutRequest{Channel: "web", Fulfillment: order.Pickup, Location: "paris"}); err != nil {
			t.Fatal(err)
		}
		cur, err := w.orders.MainCurrency(ctx)
		if err != nil || cur != "EUR" {
			t.Fatalf("main currency: %q %v", cur, err)
		}
		now := time.Now()
		tests := []struct {
			name     string
			currency string
			from, to time.Time
			want     order.Sales
		}{
			{"this hour", "EUR", now.Add(-time.Hour), now.Add(time.Hour), order.Sales{Currency: "EUR", Orders: 2,
				Revenue: sale.Total + web.Total - ret.RefundAmount, Buyers: 1 + boolInt(sale.CustomerID != ""),
				ByChannel: map[string]order.ChannelSales{"pos": {Orders: 1, Revenue: sale.Total}, "web": {Orders: 1, Revenue: web.Total - ret.RefundAmount}}}},
			{"the hour before", "EUR", now.Add(-2 * time.Hour), now.Add(-time.Hour), order.Sales{Currency: "EUR", ByChannel: map[string]order.ChannelSales{}}},
			{"another currency", "USD", now.Add(-time.Hour), now.Add(time.Hour), order.Sales{Currency: "USD", ByChannel: map[string]order.ChannelSales{}}},
		}
		for _, tc := range tests {
			got, err := w.orders.Sales(ctx, tc.currency, tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if got.Currency != tc.want.Currency || got.Orders != tc.want.Orders || got.Revenue != tc.want.Revenue ||
				got.Buyers != tc.want.Buyers || len(got.ByChannel) != len(tc.want.ByChannel) {
				t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			}
			for ch, cs := range tc.want.ByChannel {
				if got.ByChannel[ch] != cs {
					t.Errorf("%s: %s %+v, want %+v", tc.name, ch, got.ByChannel[ch], cs)
				}
			}
		}
	})
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
