package marketing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// ConversionWindow is how long after a marketing message an order counts as
// its conversion.
const ConversionWindow = 7 * 24 * time.Hour

// Conversions credits orders to the marketing messages recorded in one
// table — a journey's enrolments, a campaign's recipients — whose rows have
// the columns id, customer_id, state ('sent' once the message is queued),
// sent_at, order_id, converted_at, revenue, currency and updated_at. An
// order converts the customer's latest message in the table when it went
// out within ConversionWindow before and converted nothing yet; each
// message converts at most one order, and a cancelled order gives its
// conversion back.
type Conversions struct {
	Table string
}

// order is the part of an order event's payload a conversion reads.
type order struct {
	Properties struct {
		OrderID    string `json:"order_id"`
		TotalMinor int64  `json:"total_minor"`
		Currency   string `json:"currency"`
	} `json:"properties"`
}

func orderOf(e customer.Event) order {
	var o order
	_ = json.Unmarshal(e.Payload, &o) // an event without these properties credits nothing of them
	return o
}

// EventTx applies one timeline event inside the transaction storing it:
// "Order Placed" converts, "Order Cancelled" takes the conversion back;
// other events change nothing.
func (c Conversions) EventTx(ctx context.Context, tx *store.Tx, e customer.Event, now time.Time) error {
	if e.Type != "order" {
		return nil
	}
	switch e.Name {
	case "Order Placed":
		return c.orderedTx(ctx, tx, e, now)
	case "Order Cancelled":
		return c.cancelledTx(ctx, tx, e, now)
	}
	return nil
}

func (c Conversions) orderedTx(ctx context.Context, tx *store.Tx, e customer.Event, now time.Time) error {
	var rowID string
	var converted *int64
	err := tx.QueryRowContext(ctx, "SELECT id, converted_at FROM "+c.Table+` WHERE customer_id = ? AND state = 'sent'
		AND sent_at >= ? ORDER BY sent_at DESC, id DESC LIMIT 1`, e.CustomerID, now.Add(-ConversionWindow).UnixMilli()).Scan(&rowID, &converted)
	if store.IsNoRows(err) || (err == nil && converted != nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the latest message of %s in %s: %w", e.CustomerID, c.Table, err)
	}
	p := orderOf(e).Properties
	_, err = tx.ExecContext(ctx, "UPDATE "+c.Table+` SET order_id = ?, converted_at = ?, revenue = ?, currency = ?, updated_at = ?
		WHERE id = ?`, p.OrderID, now.UnixMilli(), p.TotalMinor, p.Currency, now.UnixMilli(), rowID)
	if err != nil {
		return fmt.Errorf("record conversion of %s in %s: %w", rowID, c.Table, err)
	}
	return nil
}

func (c Conversions) cancelledTx(ctx context.Context, tx *store.Tx, e customer.Event, now time.Time) error {
	orderID := orderOf(e).Properties.OrderID
	if orderID == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, "UPDATE "+c.Table+` SET order_id = '', converted_at = NULL, revenue = 0, currency = '',
		updated_at = ? WHERE customer_id = ? AND order_id = ?`, now.UnixMilli(), e.CustomerID, orderID)
	if err != nil {
		return fmt.Errorf("take back conversion of %s in %s: %w", orderID, c.Table, err)
	}
	return nil
}
