package order

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/store"
)

const orderColumns = `id, customer_id, cart_id, channel, status, payment_status, fulfillment, location_id, currency,
	subtotal, discount, shipping, tax, total, refunded, tax_region, shipping_address, email, payment_provider, promotions,
	expires_at, created_at, updated_at, paid_at`

// Get returns an order with its lines, payments and history.
func (s *Service) Get(ctx context.Context, orderID string) (Order, error) {
	return s.getTx(ctx, s.db, orderID)
}

func (s *Service) getTx(ctx context.Context, q store.Querier, orderID string) (Order, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+orderColumns+" FROM orders WHERE id = ?", orderID)
	if err != nil {
		return Order{}, fmt.Errorf("read order: %w", err)
	}
	list, err := scanOrders(rows)
	if err != nil {
		return Order{}, err
	}
	if len(list) == 0 {
		return Order{}, apperr.NotFoundf("no order %q", orderID)
	}
	o := list[0]
	if err := s.loadDetails(ctx, q, &o); err != nil {
		return Order{}, err
	}
	return o, nil
}

// ListOptions filters an order listing.
type ListOptions struct {
	CustomerID string
	Status     string
	LocationID string
	Before     string // the last order id of the previous page (orders come newest first)
	Limit      int    // default 50, at most 200
}

// List lists orders newest first, without lines, payments and history.
func (s *Service) List(ctx context.Context, o ListOptions) ([]Order, error) {
	if o.Limit <= 0 {
		o.Limit = 50
	}
	o.Limit = min(o.Limit, 200)
	var where []string
	var args []any
	for _, f := range []struct{ col, val string }{
		{"customer_id", o.CustomerID}, {"status", o.Status}, {"location_id", o.LocationID},
	} {
		if f.val != "" {
			where, args = append(where, f.col+" = ?"), append(args, f.val)
		}
	}
	if o.Before != "" {
		where, args = append(where, "id < ?"), append(args, o.Before)
	}
	q := "SELECT " + orderColumns + " FROM orders"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, q+fmt.Sprintf(" ORDER BY id DESC LIMIT %d", o.Limit), args...)
	if err != nil {
		return nil, fmt.Errorf("list orders: %w", err)
	}
	return scanOrders(rows)
}

// History answers questions about customers' past orders without the rest
// of the Service; carts use it for first-order promotions.
type History struct{ db *store.DB }

// NewHistory returns a History on db.
func NewHistory(db *store.DB) History { return History{db: db} }

// HasOrdered reports whether the customer has an order that was not
// cancelled. It reads through q, or the database when q is nil.
func (h History) HasOrdered(ctx context.Context, q store.Querier, customerID string) (bool, error) {
	if q == nil {
		q = h.db
	}
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM orders WHERE customer_id = ? AND status <> ? LIMIT 1", customerID, Cancelled).Scan(&one)
	if store.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read orders: %w", err)
	}
	return true, nil
}

type rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanOrders(r rows) ([]Order, error) {
	defer r.Close()
	out := []Order{}
	for r.Next() {
		var o Order
		var addr, promos string
		var expires, paid *int64
		var created, updated int64
		if err := r.Scan(&o.ID, &o.CustomerID, &o.CartID, &o.Channel, &o.Status, &o.PaymentStatus, &o.Fulfillment,
			&o.LocationID, &o.Currency, &o.Subtotal, &o.Discount, &o.Shipping, &o.Tax, &o.Total, &o.Refunded, &o.TaxRegion,
			&addr, &o.Email, &o.PaymentProvider, &promos, &expires, &created, &updated, &paid); err != nil {
			return nil, fmt.Errorf("scan order: %w", err)
		}
		if addr != "{}" && addr != "" {
			o.ShippingAddress = &inventory.Address{}
			_ = json.Unmarshal([]byte(addr), o.ShippingAddress)
		}
		_ = json.Unmarshal([]byte(promos), &o.Promotions)
		o.ExpiresAt, o.PaidAt = timePtr(expires), timePtr(paid)
		o.CreatedAt, o.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
		o.Lines, o.Payments, o.History = []Line{}, []Payment{}, []Event{}
		out = append(out, o)
	}
	return out, r.Err()
}

// lineColumns are the columns scanLine reads, after the order id.
const lineColumns = `order_id, id, variant_id, product_id, sku, title, quantity, unit_price, subtotal, discount,
	tax_rate, tax, total, returned_quantity, refunded, adjustments`

// scanLine reads one row of lineColumns and returns the line's order id.
func scanLine(r rows) (string, Line, error) {
	var l Line
	var orderID, adj string
	if err := r.Scan(&orderID, &l.ID, &l.VariantID, &l.ProductID, &l.SKU, &l.Title, &l.Quantity, &l.UnitPrice, &l.Subtotal,
		&l.Discount, &l.TaxRate, &l.Tax, &l.Total, &l.ReturnedQuantity, &l.Refunded, &adj); err != nil {
		return "", l, fmt.Errorf("scan order line: %w", err)
	}
	_ = json.Unmarshal([]byte(adj), &l.Adjustments)
	return orderID, l, nil
}

func (s *Service) loadDetails(ctx context.Context, q store.Querier, o *Order) error {
	lr, err := q.QueryContext(ctx, "SELECT "+lineColumns+" FROM order_lines WHERE order_id = ? ORDER BY position", o.ID)
	if err != nil {
		return fmt.Errorf("read order lines: %w", err)
	}
	for lr.Next() {
		_, l, err := scanLine(lr)
		if err != nil {
			lr.Close()
			return err
		}
		o.Lines = append(o.Lines, l)
	}
	lr.Close()
	if err := lr.Err(); err != nil {
		return err
	}
	pr, err := q.QueryContext(ctx, `SELECT id, kind, provider, provider_ref, amount, status, message, created_at
		FROM payments WHERE order_id = ? ORDER BY created_at, id`, o.ID)
	if err != nil {
		return fmt.Errorf("read payments: %w", err)
	}
	for pr.Next() {
		var p Payment
		var at int64
		if err := pr.Scan(&p.ID, &p.Kind, &p.Provider, &p.Ref, &p.Amount, &p.Status, &p.Message, &at); err != nil {
			pr.Close()
			return err
		}
		p.CreatedAt = time.UnixMilli(at).UTC()
		o.Payments = append(o.Payments, p)
	}
	pr.Close()
	if err := pr.Err(); err != nil {
		return err
	}
	er, err := q.QueryContext(ctx, "SELECT from_status, to_status, channel, note, at FROM order_events WHERE order_id = ? ORDER BY at, id", o.ID)
	if err != nil {
		return fmt.Errorf("read order history: %w", err)
	}
	defer er.Close()
	for er.Next() {
		var e Event
		var at int64
		if err := er.Scan(&e.From, &e.To, &e.Channel, &e.Note, &at); err != nil {
			return err
		}
		e.At = time.UnixMilli(at).UTC()
		o.History = append(o.History, e)
	}
	return er.Err()
}

func timePtr(ms *int64) *time.Time {
	if ms == nil {
		return nil
	}
	t := time.UnixMilli(*ms).UTC()
	return &t
}

// MergeTx moves the orders of profile from to profile into when the identity
// service merges them (it is registered as a merge hook), so the survivor's
// order history is complete. An idempotency key both profiles used is
// dropped from the moved order; it only guarded retries long finished.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	_, err := tx.ExecContext(ctx, `UPDATE orders SET customer_id = ?, idempotency_key = CASE WHEN EXISTS (
			SELECT 1 FROM orders o2 WHERE o2.customer_id = ? AND o2.idempotency_key = orders.idempotency_key)
		THEN NULL ELSE idempotency_key END WHERE customer_id = ?`, into, into, from)
	if err != nil {
		return fmt.Errorf("move orders of %s to %s: %w", from, into, err)
	}
	return nil
}
