package order

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// TimelineSource is the source id of the events orders put on timelines.
const TimelineSource = "omni:order"

// timelineNames names the timeline event of each status an order enters.
var timelineNames = map[string]string{
	PendingPayment: "Order Placed",
	Paid:           "Order Completed",
	ReadyForPickup: "Order Ready for Pickup",
	Shipped:        "Order Shipped",
	PickedUp:       "Order Picked Up",
	Cancelled:      "Order Cancelled",
	Refunded:       "Order Refunded",
}

// eventTx records a status change in the order's history and on the
// customer's timeline.
func (s *Service) eventTx(ctx context.Context, tx *store.Tx, o *Order, from, to, channel, note string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO order_events (id, order_id, from_status, to_status, channel, note, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id.New("oev"), o.ID, from, to, channel, note, s.now().UnixMilli())
	if err != nil {
		return fmt.Errorf("record order event: %w", err)
	}
	o.Status = to
	return s.timelineTx(ctx, tx, o, channel, timelineNames[to], note)
}

// timelineTx puts an order event on the customer's timeline.
func (s *Service) timelineTx(ctx context.Context, tx *store.Tx, o *Order, channel, name, note string) error {
	if s.d.Timeline == nil || o.CustomerID == "" || name == "" {
		return nil
	}
	props := map[string]any{"order_id": o.ID, "status": o.Status, "payment_status": o.PaymentStatus,
		"fulfillment": o.Fulfillment, "currency": o.Currency, "total_minor": o.Total, "channel": channel, "order_channel": o.Channel}
	if o.LocationID != "" {
		props["location_id"] = o.LocationID
	}
	if note != "" {
		props["note"] = note
	}
	payload, err := json.Marshal(map[string]any{"type": "track", "event": name, "properties": props})
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	msg := id.New("msg")
	_, err = s.d.Timeline.AppendTx(ctx, tx, []customer.Event{{ID: customer.EventID(TimelineSource, msg, now), CustomerID: o.CustomerID,
		SourceID: TimelineSource, Channel: channel, Type: "order", Name: name, MessageID: msg, Timestamp: now, ReceivedAt: now,
		Payload: payload}})
	if err != nil {
		return fmt.Errorf("record order on timeline: %w", err)
	}
	return nil
}

// move changes an order's status from one of from to to in a conditional
// UPDATE, so two clerks (or a clerk and the expiry job) cannot both move it;
// fn runs in the same transaction. A refused move is a Conflict that names
// the order's status.
func (s *Service) move(ctx context.Context, orderID, channel, to, note string, from []string, fn func(tx *store.Tx, o *Order) error) (Order, error) {
	if !catalog.ValidChannel(channel) {
		return Order{}, apperr.InvalidField("channel", "unknown channel %q", channel)
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := s.getTx(ctx, tx, orderID)
		if err != nil {
			return err
		}
		args := []any{to, s.now().UnixMilli(), orderID, o.Status}
		allowed := false
		for _, f := range from {
			allowed = allowed || f == o.Status
		}
		if !allowed {
			return apperr.Conflictf("order %s is %s; it cannot become %s", orderID, o.Status, to)
		}
		res, err := tx.ExecContext(ctx, "UPDATE orders SET status = ?, updated_at = ? WHERE id = ? AND status = ?", args...)
		if err != nil {
			return fmt.Errorf("update order: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflictf("order %s changed meanwhile; reload it", orderID)
		}
		from := o.Status
		if fn != nil {
			if err := fn(tx, &o); err != nil {
				return err
			}
		}
		return s.eventTx(ctx, tx, &o, from, to, channel, note)
	})
	if err != nil {
		return Order{}, err
	}
	return s.Get(ctx, orderID)
}

// Cancel cancels an unpaid order: its reserved stock and promotion uses are
// released and a pending card payment is voided. An order whose payment was
// captured cannot be cancelled; its items are returned for a refund instead.
func (s *Service) Cancel(ctx context.Context, orderID, channel, reason string) (Order, error) {
	o, err := s.move(ctx, orderID, channel, Cancelled, reason, []string{PendingPayment, ReadyForPickup}, func(tx *store.Tx, o *Order) error {
		if o.PaymentStatus == PayPaid || o.PaymentStatus == PayPartiallyRefunded || o.PaymentStatus == PayRefunded {
			return apperr.Conflictf("order %s is paid: cancelling is refused after the payment is captured; return the items for a refund", o.ID)
		}
		if _, err := s.d.Inventory.ReleaseTx(ctx, tx, o.ID); err != nil {
			return err
		}
		if s.d.Promotions != nil {
			if err := s.d.Promotions.ReleaseUsesTx(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, "UPDATE orders SET payment_status = ?, expires_at = NULL WHERE id = ?", PayVoided, o.ID)
		o.PaymentStatus = PayVoided
		return err
	})
	if apperr.CodeOf(err) == apperr.Conflict {
		if cur, gerr := s.Get(ctx, orderID); gerr == nil && cur.PaymentStatus == PayPaid {
			return Order{}, apperr.Conflictf("order %s is paid: cancelling is refused after the payment is captured; return the items for a refund", orderID)
		}
	}
	if err != nil {
		return Order{}, err
	}
	s.voidPendingCharges(ctx, o)
	return s.Get(ctx, orderID)
}

// voidPendingCharges cancels card payments of a cancelled order that never
// completed, so no authorisation is left hanging. Failures are recorded on
// the payment row; the order stays cancelled.
func (s *Service) voidPendingCharges(ctx context.Context, o Order) {
	for _, p := range o.Payments {
		if p.Kind != "charge" || p.Ref == "" || (p.Status != "requires_action" && p.Status != "pending") {
			continue
		}
		prov, err := s.d.Payments.Get(p.Provider)
		if err != nil {
			continue
		}
		status, msg := "succeeded", ""
		if err := prov.Cancel(ctx, p.Ref, "omni_"+p.ID+"_cancel"); err != nil {
			status, msg = payFailed, err.Error()
		}
		now := s.now().UnixMilli()
		_, _ = s.db.ExecContext(ctx, `INSERT INTO payments (id, order_id, kind, provider, provider_ref, amount, status,
			idempotency_key, message, created_at, updated_at) VALUES (?, ?, 'cancel', ?, ?, 0, ?, ?, ?, ?, ?)`,
			id.New("pay"), o.ID, p.Provider, p.Ref, status, "omni_"+p.ID+"_cancel", msg, now, now)
	}
}

// MarkReady says a pickup order waits at its shop: paid, or unpaid with
// payment at pickup (manual provider). The customer can then be notified on
// their channel.
func (s *Service) MarkReady(ctx context.Context, orderID, channel string) (Order, error) {
	return s.move(ctx, orderID, channel, ReadyForPickup, "", []string{Paid, PendingPayment}, func(tx *store.Tx, o *Order) error {
		if o.Fulfillment != Pickup {
			return apperr.Conflictf("order %s is for %s, not pickup", o.ID, o.Fulfillment)
		}
		if o.PaymentStatus != PayPaid && o.PaymentProvider != "manual" {
			return apperr.Conflictf("order %s is not paid yet (payment %s)", o.ID, o.PaymentStatus)
		}
		return nil
	})
}

// Ship marks a paid shipping order shipped; its reserved units leave stock.
func (s *Service) Ship(ctx context.Context, orderID, channel, note string) (Order, error) {
	return s.move(ctx, orderID, channel, Shipped, note, []string{Paid}, func(tx *store.Tx, o *Order) error {
		if o.Fulfillment != Shipping {
			return apperr.Conflictf("order %s is for %s, not shipping", o.ID, o.Fulfillment)
		}
		_, err := s.d.Inventory.ConsumeTx(ctx, tx, o.ID)
		return err
	})
}

// PickupRequest confirms a pickup at the counter.
type PickupRequest struct {
	Location string        `json:"location"`          // where the clerk is (id or code)
	Channel  string        `json:"channel,omitempty"` // default pos
	Payment  *PaymentInput `json:"payment,omitempty"` // for orders paid at pickup
}

// Pickup hands a ready order over at its shop. An order paid at pickup is
// paid first with req.Payment; its reserved units then leave stock.
func (s *Service) Pickup(ctx context.Context, orderID string, req PickupRequest) (Order, error) {
	if req.Channel == "" {
		req.Channel = "pos"
	}
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	if o.Fulfillment != Pickup {
		return Order{}, apperr.Conflictf("order %s is for %s, not pickup", o.ID, o.Fulfillment)
	}
	loc, err := s.d.Inventory.LocationTx(ctx, s.db, req.Location)
	if apperr.CodeOf(err) == apperr.NotFound || req.Location == "" {
		return Order{}, apperr.InvalidField("location", "unknown location %q", req.Location)
	}
	if err != nil {
		return Order{}, err
	}
	if loc.ID != o.LocationID {
		return Order{}, apperr.Conflictf("order %s waits at another shop (%s), not at %s", o.ID, o.LocationID, loc.Code)
	}
	if o.Status != ReadyForPickup {
		return Order{}, apperr.Conflictf("order %s is %s, not ready for pickup", o.ID, o.Status)
	}
	if o.PaymentStatus != PayPaid {
		if req.Payment == nil {
			return Order{}, apperr.InvalidField("payment", "order %s is not paid: take the payment (e.g. {\"provider\":\"manual\",\"method\":\"cash\"})", o.ID)
		}
		if _, err := s.Pay(ctx, orderID, req.Channel, *req.Payment); err != nil {
			return Order{}, err
		}
		if o, err = s.Get(ctx, orderID); err != nil || o.PaymentStatus != PayPaid {
			return o, apperr.New(apperr.Unprocessable, "order %s is still not paid (payment %s)", orderID, o.PaymentStatus)
		}
	}
	return s.move(ctx, orderID, req.Channel, PickedUp, "at "+loc.Code, []string{ReadyForPickup}, func(tx *store.Tx, o *Order) error {
		_, err := s.d.Inventory.ConsumeTx(ctx, tx, o.ID)
		return err
	})
}

// ExpireUnpaid cancels unpaid orders whose reservations expired and returns
// how many it cancelled. The expiry job runs it.
func (s *Service) ExpireUnpaid(ctx context.Context) (int, error) {
	refs, err := s.d.Inventory.ExpiredRefs(ctx, s.now(), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ref := range refs {
		o, err := s.Get(ctx, ref)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue // a reservation held for something else
		}
		if err != nil {
			return n, err
		}
		_, err = s.Cancel(ctx, ref, o.Channel, "reservation expired")
		if apperr.CodeOf(err) == apperr.Conflict {
			continue // paid or moved on meanwhile
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
