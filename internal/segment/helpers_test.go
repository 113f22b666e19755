package segment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// people is a small world with known answers, relative to now:
//
//	ann: web "Product Viewed" 2 days ago, messenger message 1 day ago;
//	     traits plan "Gold", city "Paris"; email marketing consent;
//	     two paid EUR orders (300 + 250); an open cart changed now with a
//	     line; AUTUMN10 unused in the wallet.
//	bob: web "Home" 40 days ago, an Amazon (marketplace) order event 40
//	     days ago; trait plan "silver"; SMS marketing consent, email
//	     refused; one paid 100 EUR order and a cancelled 900 EUR one; an
//	     empty open cart; a used promotion.
//	cy:  app "Product Viewed" 10 days ago, pos and chat 12 days ago;
//	     Messenger marketing consent; no orders; a cart with a line
//	     changed 10 days ago; an expired promotion.
//	dee: merged into ann (never a member of anything).
type people struct {
	ann, bob, cy, dee string
}

func day(n int) time.Time { return time.Now().Add(-time.Duration(n) * 24 * time.Hour) }

func setUp(t *testing.T, db *store.DB) people {
	t.Helper()
	ctx := context.Background()
	cs := customer.NewService(db)
	p := people{ann: "cus_ann", bob: "cus_bob", cy: "cus_cy", dee: "cus_dee"}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, id := range []string{p.ann, p.bob, p.cy, p.dee} {
			at := day(60).UnixMilli()
			if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, created_at, first_seen_at, last_seen_at)
				VALUES (?, ?, ?, ?)`, id, at, at, at); err != nil {
				return err
			}
		}
		events := []customer.Event{
			event(p.ann, "src_web", "web", "track", "Product Viewed", day(2)),
			event(p.ann, "src_fb", "messenger", "message", "Message received", day(1)),
			event(p.bob, "src_web", "web", "page", "Home", day(40)),
			event(p.bob, "src_amazon", "marketplace", "track", "Order Completed", day(40)),
			event(p.cy, "src_app", "app", "track", "Product Viewed", day(10)),
			event(p.cy, "src_pos", "pos", "order", "Order Completed", day(12)),
			event(p.cy, "src_chat", "chat", "message", "Message received", day(12)),
			event(p.dee, "src_web", "web", "page", "Home", day(3)),
		}
		if _, err := cs.AppendTx(ctx, tx, events); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE customers SET merged_into = ? WHERE id = ?", p.ann, p.dee); err != nil {
			return err
		}
		traits := map[string]map[string]json.RawMessage{
			p.ann: {"plan": json.RawMessage(`"Gold"`), "city": json.RawMessage(`"Paris"`)},
			p.bob: {"plan": json.RawMessage(`"silver"`), "age": json.RawMessage(`42`)},
		}
		for id, tr := range traits {
			if err := cs.SetTraitsTx(ctx, tx, id, tr, "test", "web", day(5)); err != nil {
				return err
			}
		}
		for _, c := range []struct {
			id, channel string
			granted     bool
		}{{p.ann, "email", true}, {p.bob, "sms", true}, {p.bob, "email", false}, {p.cy, "messenger", true}} {
			if err := cs.SetConsentTx(ctx, tx, c.id, customer.Consent{Channel: c.channel, Purpose: "marketing",
				Granted: c.granted, Source: "test", UpdatedAt: day(5)}); err != nil {
				return err
			}
		}
		return commerce(ctx, tx, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func event(cid, source, channel, typ, name string, at time.Time) customer.Event {
	msg := fmt.Sprintf("%s-%s-%d", cid, name, at.UnixNano())
	return customer.Event{ID: customer.EventID(source, msg, at), CustomerID: cid, SourceID: source, Channel: channel,
		Type: typ, Name: name, MessageID: msg, Timestamp: at, ReceivedAt: at, Payload: json.RawMessage(`{}`)}
}

// commerce writes the orders, carts and wallets of the people.
func commerce(ctx context.Context, tx *store.Tx, p people) error {
	orders := []struct {
		id, customer, status, currency string
		total                          int64
	}{
		{"ord_a1", p.ann, "paid", "EUR", 30000}, {"ord_a2", p.ann, "picked_up", "EUR", 25000},
		{"ord_b1", p.bob, "shipped", "EUR", 10000}, {"ord_b2", p.bob, "cancelled", "EUR", 90000},
	}
	for _, o := range orders {
		if _, err := tx.ExecContext(ctx, `INSERT INTO orders (id, customer_id, channel, status, payment_status, fulfillment,
			currency, subtotal, discount, shipping, tax, total, payment_provider, created_at, updated_at)
			VALUES (?, ?, 'web', ?, 'paid', 'shipping', ?, ?, 0, 0, 0, ?, 'manual', ?, ?)`,
			o.id, o.customer, o.status, o.currency, o.total, o.total, day(20).UnixMilli(), day(20).UnixMilli()); err != nil {
			return err
		}
	}
	carts := []struct {
		id, customer string
		updated      time.Time
		line         bool
	}{{"cart_a", p.ann, time.Now(), true}, {"cart_b", p.bob, day(1), false}, {"cart_c", p.cy, day(10), true}}
	for _, c := range carts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO carts (id, customer_id, status, created_channel, updated_channel, created_at, updated_at)
			VALUES (?, ?, 'active', 'web', 'web', ?, ?)`, c.id, c.customer, c.updated.UnixMilli(), c.updated.UnixMilli()); err != nil {
			return err
		}
		if c.line {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cart_lines (cart_id, variant_id, quantity, added_channel, updated_channel, added_at, updated_at)
				VALUES (?, 'var_1', 1, 'web', 'web', ?, ?)`, c.id, c.updated.UnixMilli(), c.updated.UnixMilli()); err != nil {
				return err
			}
		}
	}
	future, past := time.Now().Add(72*time.Hour).UnixMilli(), day(1).UnixMilli()
	wallet := []struct {
		customer, promo, code string
		expires               int64
		used                  any
	}{{p.ann, "autumn10", "AUTUMN10", future, nil}, {p.bob, "welcome5", "WELCOME5", future, day(2).UnixMilli()},
		{p.cy, "summer", "SUMMER", past, nil}}
	for _, w := range wallet {
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_promotions (customer_id, promotion_id, code, channel, source,
			attached_at, expires_at, used_at) VALUES (?, ?, ?, 'ads', 'ad_click', ?, ?, ?)`,
			w.customer, w.promo, w.code, day(3).UnixMilli(), w.expires, w.used); err != nil {
			return err
		}
	}
	return nil
}
