// Package analyticstest builds a small event log with known answers for the
// analytics and end-to-end tests: four customers in October and November
// 2026, one of whom clicks an ad on the phone, adds to cart on the web, buys
// in the app, then chats and continues on Messenger.
package analyticstest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/customer"
)

// The scenario's customers. A's ad click arrives on a separate phone profile
// (APhone) that later merges into A.
const (
	A      = "cus_test_a"
	APhone = "cus_test_a_phone"
	B      = "cus_test_b"
	C      = "cus_test_c"
	D      = "cus_test_d"
)

// At returns 2026-MM-DD hh:mm UTC.
func At(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2026, month, day, hour, minute, 0, 0, time.UTC)
}

type spec struct {
	cust, channel, typ, name string
	at                       time.Time
	body                     map[string]any
}

func props(kv ...any) map[string]any {
	p := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i].(string)] = kv[i+1]
	}
	return p
}

func track(p map[string]any) map[string]any { return map[string]any{"properties": p} }

// Events returns the scenario's events, in time order. Events of APhone
// carry APhone as their customer id.
func Events() []customer.Event {
	oct, nov := time.October, time.November
	specs := []spec{
		// A clicks a Facebook ad on the phone, adds to cart on the web,
		// buys in the app with the ad's code, then chats and continues on
		// Messenger.
		{APhone, "ads", "track", "Promotion Clicked", At(oct, 1, 9, 0), map[string]any{
			"properties": props("promotion_id", "promo_fall", "code", "FALL10"),
			"context":    map[string]any{"campaign": props("name", "fall_sale", "source", "facebook", "medium", "paid_social")}}},
		{A, "web", "track", "Product Viewed", At(oct, 1, 9, 1), track(props("product_id", "p1", "price", 100))},
		{A, "web", "track", "Product Added", At(oct, 1, 9, 2), track(props("product_id", "p1", "price", 100))},
		{A, "app", "track", "Checkout Started", At(oct, 2, 20, 0), track(props("value", 100))},
		{A, "app", "order", "Order Completed", At(oct, 2, 20, 5), track(props("order_id", "ord_1", "total_minor", 10000,
			"currency", "EUR", "coupon", "FALL10", "channel", "app"))},
		{A, "chat", "message", "Message received", At(oct, 3, 10, 0), props("conversation_id", "conv_1", "direction", "in", "channel", "chat")},
		{A, "chat", "message", "Message sent", At(oct, 3, 10, 5), props("conversation_id", "conv_1", "direction", "out", "channel", "chat")},
		{A, "messenger", "message", "Message received", At(oct, 3, 18, 0), props("conversation_id", "conv_1", "direction", "in", "channel", "messenger")},
		{A, "messenger", "message", "Message sent", At(oct, 3, 18, 10), props("conversation_id", "conv_1", "direction", "out", "channel", "messenger")},
		// B shops on the web only; the storefront and Omni both report
		// ord_2; B buys again in November and that order is refunded.
		{B, "web", "page", "Home", At(oct, 2, 12, 0), map[string]any{}},
		{B, "web", "track", "Product Viewed", At(oct, 2, 12, 1), track(props("product_id", "p2"))},
		{B, "web", "cart", "Product Added", At(oct, 2, 12, 2), track(props("product_id", "p2"))},
		{B, "web", "track", "Checkout Started", At(oct, 2, 12, 3), track(props())},
		{B, "web", "track", "Order Completed", At(oct, 2, 12, 4), track(props("order_id", "ord_2", "total", "50.00", "currency", "EUR"))},
		{B, "web", "order", "Order Completed", At(oct, 2, 12, 5), track(props("order_id", "ord_2", "total_minor", 5000, "currency", "EUR"))},
		{B, "web", "track", "Order Completed", At(nov, 5, 15, 0), track(props("order_id", "ord_3", "revenue", 20, "currency", "EUR"))},
		{B, "web", "order", "Order Refunded", At(nov, 6, 9, 0), track(props("order_id", "ord_3"))},
		// C only looks, in the app; D only receives an email.
		{C, "app", "track", "Product Viewed", At(oct, 5, 8, 0), track(props("product_id", "p3"))},
		{D, "email", "message", "Message sent", At(oct, 6, 8, 0), props("conversation_id", "conv_d", "direction", "out", "channel", "email")},
	}
	out := make([]customer.Event, len(specs))
	for i, s := range specs {
		body := s.body
		switch s.typ {
		case "message":
		case "page":
			body["type"], body["name"] = "page", s.name
		default:
			body["type"], body["event"] = "track", s.name
		}
		payload, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		msg := fmt.Sprintf("msg-%02d", i)
		out[i] = customer.Event{ID: customer.EventID("src_test", msg, s.at), CustomerID: s.cust, SourceID: "src_test",
			Channel: s.channel, Type: s.typ, Name: s.name, MessageID: msg, Timestamp: s.at, ReceivedAt: s.at, Payload: payload}
	}
	return out
}

// Customers lists the scenario's customer ids, APhone included.
func Customers() []string { return []string{A, APhone, B, C, D} }

// Line is a strategy report line's expected figures; Revenue is in EUR
// minor units and Example a scenario customer id.
type Line struct {
	Key                                      string
	Connected, Siloed, Lost, Base, Customers int64
	Revenue                                  int64
	Example                                  string
}

// October are the strategy report's lines for October 2026, worked out by
// hand.
var October = []Line{
	// A is seen on ads, web, app, chat and messenger (5 records), B on web,
	// C on app, D on email: 4 profiles, 8 silo records.
	{"duplicate_customers", 4, 8, 4, 4, 1, 0, A},
	// A's Messenger message follows A's chat message 8 hours earlier.
	{"conversations_without_context", 1, 0, 1, 1, 1, 0, A},
	// ord_1 (app) finds A's web cart; ord_2 (web) finds B's web cart.
	{"carts_not_found", 2, 1, 1, 2, 1, 10000, A},
	// ord_1 uses FALL10, shown to A only in the ad.
	{"promotions_not_honoured", 1, 0, 1, 1, 1, 10000, A},
	// ord_1 had touchpoints on ads and web; ord_2 only on the web.
	{"unlinked_revenue", 2, 1, 1, 2, 1, 10000, A},
}

// AllTime are the lines of the report over every event (1 October to
// 6 November 2026), as a refresh stores it: the same as October but for
// B's November order, placed on the web with web touchpoints only, which
// adds one order to the base of unlinked_revenue.
var AllTime = []Line{
	{"duplicate_customers", 4, 8, 4, 4, 1, 0, A},
	{"conversations_without_context", 1, 0, 1, 1, 1, 0, A},
	{"carts_not_found", 2, 1, 1, 2, 1, 10000, A},
	{"promotions_not_honoured", 1, 0, 1, 1, 1, 10000, A},
	{"unlinked_revenue", 3, 2, 1, 3, 1, 10000, A},
}
