package export

import (
	"context"
	"encoding/json"

	"github.com/omni-hq/omni/internal/store"
)

// Event is one timeline event as exported: where it came from, whose it is,
// and the event as it was received (Segment's shape, timestamps corrected).
type Event struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	SourceID   string          `json:"source_id"`
	Channel    string          `json:"channel"`
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	MessageID  string          `json:"message_id"`
	Timestamp  string          `json:"timestamp"`
	ReceivedAt string          `json:"received_at"`
	Event      json.RawMessage `json:"event"`
}

func (e *Event) cells() []string {
	return []string{e.ID, e.CustomerID, e.SourceID, e.Channel, e.Type, e.Name, e.MessageID, e.Timestamp, e.ReceivedAt, string(e.Event)}
}

var eventsTable = table{
	header: []string{"id", "customer_id", "source_id", "channel", "type", "name", "message_id", "timestamp", "received_at", "event"},
	count: func(ctx context.Context, db *store.DB, o Options) (int64, error) {
		cond, args := timeBounds("ts", o)
		return countRows(ctx, db, "SELECT COUNT(*) FROM events WHERE 1 = 1"+cond, args)
	},
	page: func(ctx context.Context, db *store.DB, after string, o Options) ([]row, string, error) {
		cond, args := timeBounds("ts", o)
		var out []row
		last := ""
		err := each(ctx, db, `SELECT id, customer_id, source_id, channel, type, name, message_id, ts, received_at, payload
			FROM events WHERE id > ?`+cond+` ORDER BY id LIMIT ?`, append(append([]any{after}, args...), o.PageSize),
			func(scan func(...any) error) error {
				e := &Event{}
				var ts, received int64
				var payload string
				if err := scan(&e.ID, &e.CustomerID, &e.SourceID, &e.Channel, &e.Type, &e.Name, &e.MessageID, &ts, &received, &payload); err != nil {
					return err
				}
				e.Timestamp, e.ReceivedAt, e.Event = stamp(ts), stamp(received), json.RawMessage(payload)
				out, last = append(out, e), e.ID
				return nil
			})
		if len(out) < o.PageSize {
			last = ""
		}
		return out, last, err
	},
}

// Order is one order with its lines.
type Order struct {
	ID              string          `json:"id"`
	CustomerID      string          `json:"customer_id"`
	Channel         string          `json:"channel"`
	Status          string          `json:"status"`
	PaymentStatus   string          `json:"payment_status"`
	Fulfillment     string          `json:"fulfillment"`
	LocationID      string          `json:"location_id"`
	Currency        string          `json:"currency"`
	Subtotal        int64           `json:"subtotal"`
	Discount        int64           `json:"discount"`
	Shipping        int64           `json:"shipping"`
	Tax             int64           `json:"tax"`
	Total           int64           `json:"total"`
	Refunded        int64           `json:"refunded"`
	Email           string          `json:"email"`
	PaymentProvider string          `json:"payment_provider"`
	Promotions      json.RawMessage `json:"promotions"`
	CreatedAt       string          `json:"created_at"`
	PaidAt          string          `json:"paid_at"`
	Lines           []OrderLine     `json:"lines"`
}

// OrderLine is one line of an exported order.
type OrderLine struct {
	SKU              string `json:"sku"`
	Title            string `json:"title"`
	Quantity         int64  `json:"quantity"`
	UnitPrice        int64  `json:"unit_price"`
	Discount         int64  `json:"discount"`
	Tax              int64  `json:"tax"`
	Total            int64  `json:"total"`
	ReturnedQuantity int64  `json:"returned_quantity"`
}

func (o *Order) cells() []string {
	return []string{o.ID, o.CustomerID, o.Channel, o.Status, o.PaymentStatus, o.Fulfillment, o.LocationID, o.Currency,
		itoa(o.Subtotal), itoa(o.Discount), itoa(o.Shipping), itoa(o.Tax), itoa(o.Total), itoa(o.Refunded),
		o.Email, o.PaymentProvider, string(o.Promotions), o.CreatedAt, o.PaidAt, jsonText(o.Lines)}
}

var ordersTable = table{
	header: []string{"id", "customer_id", "channel", "status", "payment_status", "fulfillment", "location_id", "currency",
		"subtotal", "discount", "shipping", "tax", "total", "refunded", "email", "payment_provider", "promotions",
		"created_at", "paid_at", "lines"},
	count: func(ctx context.Context, db *store.DB, o Options) (int64, error) {
		cond, args := timeBounds("created_at", o)
		return countRows(ctx, db, "SELECT COUNT(*) FROM orders WHERE 1 = 1"+cond, args)
	},
	page: orderPage,
}

func orderPage(ctx context.Context, db *store.DB, after string, o Options) ([]row, string, error) {
	cond, args := timeBounds("created_at", o)
	var list []*Order
	byID := map[string]*Order{}
	err := each(ctx, db, `SELECT id, customer_id, channel, status, payment_status, fulfillment, location_id, currency,
		subtotal, discount, shipping, tax, total, refunded, email, payment_provider, promotions, created_at, COALESCE(paid_at, 0)
		FROM orders WHERE id > ?`+cond+` ORDER BY id LIMIT ?`, append(append([]any{after}, args...), o.PageSize),
		func(scan func(...any) error) error {
			r := &Order{Lines: []OrderLine{}}
			var promos string
			var created, paid int64
			if err := scan(&r.ID, &r.CustomerID, &r.Channel, &r.Status, &r.PaymentStatus, &r.Fulfillment, &r.LocationID, &r.Currency,
				&r.Subtotal, &r.Discount, &r.Shipping, &r.Tax, &r.Total, &r.Refunded, &r.Email, &r.PaymentProvider, &promos,
				&created, &paid); err != nil {
				return err
			}
			r.Promotions, r.CreatedAt, r.PaidAt = json.RawMessage(promos), stamp(created), stamp(paid)
			list = append(list, r)
			byID[r.ID] = r
			return nil
		})
	if err != nil || len(list) == 0 {
		return nil, "", err
	}
	ids := make([]any, len(list))
	for i, r := range list {
		ids[i] = r.ID
	}
	err = each(ctx, db, `SELECT order_id, sku, title, quantity, unit_price, discount, tax, total, returned_quantity
		FROM order_lines WHERE order_id IN (`+store.Placeholders(len(ids))+`) ORDER BY order_id, position`, ids,
		func(scan func(...any) error) error {
			var oid string
			var l OrderLine
			if err := scan(&oid, &l.SKU, &l.Title, &l.Quantity, &l.UnitPrice, &l.Discount, &l.Tax, &l.Total, &l.ReturnedQuantity); err != nil {
				return err
			}
			byID[oid].Lines = append(byID[oid].Lines, l)
			return nil
		})
	if err != nil {
		return nil, "", err
	}
	return pageOf(list, o.PageSize, func(r *Order) string { return r.ID })
}
