package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/store"
)

// ReturnRequest brings items of a delivered order back, at any location and
// on any channel (bought online, returned in the shop).
type ReturnRequest struct {
	OrderID  string       `json:"order_id"`
	Location string       `json:"location"` // where the items come back (id or code)
	Channel  string       `json:"channel"`
	Reason   string       `json:"reason,omitempty"`
	Lines    []ReturnLine `json:"lines"`
}

// ReturnLine names an order line (by its id or SKU) and a quantity.
type ReturnLine struct {
	OrderLineID string `json:"order_line_id,omitempty"`
	SKU         string `json:"sku,omitempty"`
	Quantity    int64  `json:"quantity"`
	Refund      int64  `json:"refund"` // computed
}

// Return is a recorded return with its refund.
type Return struct {
	ID           string       `json:"id"`
	OrderID      string       `json:"order_id"`
	LocationID   string       `json:"location_id"`
	Channel      string       `json:"channel"`
	Reason       string       `json:"reason,omitempty"`
	Lines        []ReturnLine `json:"lines"`
	RefundAmount int64        `json:"refund_amount"`
	Refund       Payment      `json:"refund"`
	Order        Order        `json:"order"`
	CreatedAt    time.Time    `json:"created_at"`
}

// CreateReturn restocks returned units at the return location and refunds
// them through the order's payment provider. A line's refund is its paid
// total (after discounts, with tax) times the returned share, rounded down;
// the last units returned get what is left, so a fully returned line is
// refunded exactly what was paid for it. Shipping is not refunded.
func (s *Service) CreateReturn(ctx context.Context, req ReturnRequest) (Return, error) {
	if !catalog.ValidChannel(req.Channel) {
		return Return{}, apperr.InvalidField("channel", "unknown channel %q", req.Channel)
	}
	if len(req.Lines) == 0 {
		return Return{}, apperr.InvalidField("lines", "name at least one line to return")
	}
	r := Return{ID: id.New("ret"), Channel: req.Channel, Reason: strings.TrimSpace(req.Reason),
		CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	var refundID string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := s.getTx(ctx, tx, req.OrderID)
		if err != nil {
			return err
		}
		if o.Status != Shipped && o.Status != PickedUp {
			return apperr.Conflictf("order %s is %s; only shipped or picked-up orders take returns", o.ID, o.Status)
		}
		loc, err := s.d.Inventory.LocationTx(ctx, tx, req.Location)
		if apperr.CodeOf(err) == apperr.NotFound || req.Location == "" {
			return apperr.InvalidField("location", "unknown location %q", req.Location)
		}
		if err != nil {
			return err
		}
		r.OrderID, r.LocationID = o.ID, loc.ID
		if err := s.returnLinesTx(ctx, tx, &o, &r, req.Lines); err != nil {
			return err
		}
		refundID, err = s.recordReturnTx(ctx, tx, &o, &r)
		return err
	})
	if err != nil {
		return Return{}, err
	}
	r.Refund = s.refund(ctx, r, refundID)
	r.Order, err = s.Get(ctx, r.OrderID)
	return r, err
}

func (s *Service) returnLinesTx(ctx context.Context, tx *store.Tx, o *Order, r *Return, lines []ReturnLine) error {
	restock := make([]inventory.Line, 0, len(lines))
	for i, rl := range lines {
		field := fmt.Sprintf("lines[%d]", i)
		var ol *Line
		for j := range o.Lines {
			if (rl.OrderLineID != "" && o.Lines[j].ID == rl.OrderLineID) || (rl.OrderLineID == "" && rl.SKU != "" && o.Lines[j].SKU == rl.SKU) {
				ol = &o.Lines[j]
			}
		}
		if ol == nil {
			return apperr.InvalidField(field, "order %s has no line %q", o.ID, rl.OrderLineID+rl.SKU)
		}
		left := ol.Quantity - ol.ReturnedQuantity
		if rl.Quantity < 1 || rl.Quantity > left {
			return apperr.InvalidField(field+".quantity", "%d is out of range 1..%d (%d bought, %d returned already)",
				rl.Quantity, left, ol.Quantity, ol.ReturnedQuantity)
		}
		refund := ol.Total * rl.Quantity / ol.Quantity
		if rl.Quantity == left {
			refund = ol.Total - ol.Refunded
		}
		res, err := tx.ExecContext(ctx, `UPDATE order_lines SET returned_quantity = returned_quantity + ?, refunded = refunded + ?
			WHERE id = ? AND returned_quantity + ? <= quantity`, rl.Quantity, refund, ol.ID, rl.Quantity)
		if err != nil {
			return fmt.Errorf("record returned units: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflictf("line %s was returned meanwhile; reload the order", ol.ID)
		}
		ol.ReturnedQuantity += rl.Quantity
		ol.Refunded += refund
		r.Lines = append(r.Lines, ReturnLine{OrderLineID: ol.ID, SKU: ol.SKU, Quantity: rl.Quantity, Refund: refund})
		r.RefundAmount += refund
		restock = append(restock, inventory.Line{VariantID: ol.VariantID, Quantity: rl.Quantity})
	}
	return s.d.Inventory.RestockTx(ctx, tx, r.ID, r.LocationID, restock)
}

// recordReturnTx writes the return, moves the order's refund totals and
// status, and starts the refund payment row.
func (s *Service) recordReturnTx(ctx context.Context, tx *store.Tx, o *Order, r *Return) (string, error) {
	all := true
	for _, l := range o.Lines {
		all = all && l.ReturnedQuantity == l.Quantity
	}
	payStatus := PayPartiallyRefunded
	if all {
		payStatus = PayRefunded
	}
	now := s.now().UnixMilli()
	if _, err := tx.ExecContext(ctx, "UPDATE orders SET refunded = refunded + ?, payment_status = ?, updated_at = ? WHERE id = ?",
		r.RefundAmount, payStatus, now, o.ID); err != nil {
		return "", fmt.Errorf("update order refund: %w", err)
	}
	o.PaymentStatus = payStatus
	refundID := id.New("pay")
	if _, err := tx.ExecContext(ctx, `INSERT INTO order_returns (id, order_id, location_id, channel, reason, refund_amount,
		payment_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, o.ID, r.LocationID, r.Channel, r.Reason, r.RefundAmount,
		refundID, now); err != nil {
		return "", fmt.Errorf("record return: %w", err)
	}
	for _, l := range r.Lines {
		if _, err := tx.ExecContext(ctx, "INSERT INTO order_return_lines (return_id, order_line_id, quantity, refund_amount) VALUES (?, ?, ?, ?)",
			r.ID, l.OrderLineID, l.Quantity, l.Refund); err != nil {
			return "", fmt.Errorf("record return line: %w", err)
		}
	}
	charge := paidCharge(*o)
	provider, ref := o.PaymentProvider, ""
	if charge != nil {
		provider, ref = charge.Provider, charge.Ref
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO payments (id, order_id, kind, provider, provider_ref, amount, status,
		idempotency_key, created_at, updated_at) VALUES (?, ?, 'refund', ?, ?, ?, ?, ?, ?, ?)`,
		refundID, o.ID, provider, ref, r.RefundAmount, payStarted, "omni_"+r.ID+"_refund", now, now); err != nil {
		return "", fmt.Errorf("record refund: %w", err)
	}
	if all {
		if _, err := tx.ExecContext(ctx, "UPDATE orders SET status = ? WHERE id = ?", Refunded, o.ID); err != nil {
			return "", err
		}
		return refundID, s.eventTx(ctx, tx, o, o.Status, Refunded, r.Channel, "returned at "+r.LocationID)
	}
	return refundID, s.timelineTx(ctx, tx, o, r.Channel, "Order Refunded", "partial return at "+r.LocationID)
}

// refund calls the provider for a started refund and records the outcome.
// A provider failure leaves the refund failed on the return, visible to the
// clerk; the restock stands.
func (s *Service) refund(ctx context.Context, r Return, refundID string) Payment {
	var p Payment
	var key string
	var at int64
	err := s.db.QueryRowContext(ctx, "SELECT id, kind, provider, provider_ref, amount, idempotency_key, created_at FROM payments WHERE id = ?",
		refundID).Scan(&p.ID, &p.Kind, &p.Provider, &p.Ref, &p.Amount, &key, &at)
	if err != nil {
		p.Status, p.Message = payFailed, "refund not recorded: "+err.Error()
		return p
	}
	p.CreatedAt = time.UnixMilli(at).UTC()
	p.Status = payFailed
	prov, err := s.d.Payments.Get(p.Provider)
	if err == nil {
		res, rerr := prov.Refund(ctx, p.Ref, p.Amount, key)
		err = rerr
		if rerr == nil {
			p.Status, p.Message = string(res.Status), res.Message
			if res.Ref != "" {
				p.Ref = res.Ref
			}
		}
	}
	if err != nil {
		p.Message = err.Error()
		if e, ok := apperr.As(err); ok {
			p.Message = e.Message
		}
	}
	_, _ = s.db.ExecContext(ctx, "UPDATE payments SET status = ?, provider_ref = ?, message = ?, updated_at = ? WHERE id = ?",
		p.Status, p.Ref, p.Message, s.now().UnixMilli(), p.ID)
	return p
}

// paidCharge is the charge that took the order's money.
func paidCharge(o Order) *Payment {
	for i := range o.Payments {
		if o.Payments[i].Kind == "charge" && o.Payments[i].Status == "succeeded" {
			return &o.Payments[i]
		}
	}
	return nil
}
