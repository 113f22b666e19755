package order

import (
	"context"
	"fmt"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/payment"
	"github.com/omni-hq/omni/internal/store"
)

// Payment row statuses besides the provider's outcomes.
const (
	payStarted = "started" // sent (or about to be); the outcome is not known
	payFailed  = "failed"
)

// startCharge records a charge attempt before the provider is called. Its
// idempotency key is derived from the order and the attempt number, so a
// resumed attempt sends the same key.
func (s *Service) startCharge(ctx context.Context, tx *store.Tx, o *Order, pay PaymentInput) (string, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM payments WHERE order_id = ? AND kind = 'charge'", o.ID).Scan(&n); err != nil {
		return "", fmt.Errorf("count payments: %w", err)
	}
	pid := id.New("pay")
	now := s.now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO payments (id, order_id, kind, provider, method, amount, status, idempotency_key,
		created_at, updated_at) VALUES (?, ?, 'charge', ?, ?, ?, ?, ?, ?, ?)`,
		pid, o.ID, pay.Provider, pay.Method, o.Total, payStarted, fmt.Sprintf("omni_%s_charge_%d", o.ID, n+1), now, now)
	if err != nil {
		return "", fmt.Errorf("record payment: %w", err)
	}
	return pid, nil
}

// charge calls the provider for a started charge and records the outcome.
func (s *Service) charge(ctx context.Context, orderID, chargeID string, _ PaymentInput) (Order, error) {
	var provider, method, key, status string
	var amount int64
	err := s.db.QueryRowContext(ctx, "SELECT provider, method, idempotency_key, amount, status FROM payments WHERE id = ?", chargeID).
		Scan(&provider, &method, &key, &amount, &status)
	if err != nil {
		return Order{}, fmt.Errorf("read payment: %w", err)
	}
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return Order{}, err
	}
	if status != payStarted {
		return o, nil
	}
	p, err := s.d.Payments.Get(provider)
	if err != nil {
		return o, apperr.New(apperr.Unavailable, "%s", err.Error())
	}
	res, err := p.Charge(ctx, payment.Charge{OrderID: orderID, CustomerID: o.CustomerID, Amount: amount, Currency: o.Currency,
		Method: method, Description: "Omni order " + orderID, IdempotencyKey: key})
	if err != nil {
		// The outcome is unknown: the charge stays started and a retry of
		// the checkout (or of the payment) resumes it with the same key.
		return o, err
	}
	if err := s.settle(ctx, o, chargeID, res); err != nil {
		return o, err
	}
	o, err = s.Get(ctx, orderID)
	if err == nil && res.Status == payment.RequiresAction {
		o.Payments[len(o.Payments)-1].ClientSecret = res.ClientSecret
	}
	return o, err
}

// settle records a provider's answer on the payment row and the order.
func (s *Service) settle(ctx context.Context, o Order, chargeID string, res payment.Result) error {
	return s.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE payments SET status = ?, provider_ref = ?, message = ?, updated_at = ? WHERE id = ?",
			string(res.Status), res.Ref, res.Message, s.now().UnixMilli(), chargeID)
		if err != nil {
			return fmt.Errorf("record payment outcome: %w", err)
		}
		switch res.Status {
		case payment.Succeeded:
			return s.markPaidTx(ctx, tx, o)
		case payment.Declined:
			_, err := tx.ExecContext(ctx, "UPDATE orders SET payment_status = ?, updated_at = ? WHERE id = ? AND payment_status = ?",
				PayFailed, s.now().UnixMilli(), o.ID, PayPending)
			return err
		}
		return nil
	})
}

// markPaidTx records a captured payment: the order is paid (an in-store sale
// is also handed over), its reservations no longer expire.
func (s *Service) markPaidTx(ctx context.Context, tx *store.Tx, o Order) error {
	now := s.now().UnixMilli()
	to := Paid
	switch {
	case o.Fulfillment == InStore:
		to = PickedUp
	case o.Status == ReadyForPickup:
		to = ReadyForPickup
	}
	res, err := tx.ExecContext(ctx, `UPDATE orders SET status = ?, payment_status = ?, paid_at = ?, expires_at = NULL, updated_at = ?
		WHERE id = ? AND status IN (?, ?) AND payment_status IN (?, ?)`,
		to, PayPaid, now, now, o.ID, PendingPayment, ReadyForPickup, PayPending, PayFailed)
	if err != nil {
		return fmt.Errorf("mark order paid: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.Conflictf("order %s is %s; the payment arrived after it closed and must be refunded", o.ID, o.Status)
	}
	if err := s.d.Inventory.HoldTx(ctx, tx, o.ID); err != nil {
		return err
	}
	if o.Fulfillment == InStore {
		if _, err := s.d.Inventory.ConsumeTx(ctx, tx, o.ID); err != nil {
			return err
		}
	}
	o.PaymentStatus = PayPaid
	if to == o.Status {
		return s.timelineTx(ctx, tx, &o, o.Channel, "Order Completed", "paid")
	}
	return s.eventTx(ctx, tx, &o, o.Status, to, o.Channel, "paid")
}

// resumeCharge finishes an order's latest charge when its outcome was never
// recorded, and returns the order.
func (s *Service) resumeCharge(ctx context.Context, orderID string) (Order, error) {
	var chargeID string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM payments WHERE order_id = ? AND kind = 'charge' AND status = ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, orderID, payStarted).Scan(&chargeID)
	if store.IsNoRows(err) {
		return s.Get(ctx, orderID)
	}
	if err != nil {
		return Order{}, fmt.Errorf("read payment: %w", err)
	}
	return s.charge(ctx, orderID, chargeID, PaymentInput{})
}

// Pay makes a new payment attempt on an unpaid order, e.g. with another card
// after a decline, or in cash at the counter for a pay-at-pickup order. An
// attempt whose outcome was lost is resumed instead.
func (s *Service) Pay(ctx context.Context, orderID, channel string, pay PaymentInput) (Order, error) {
	if pay.Provider == "" {
		pay.Provider = "manual"
	}
	if _, err := s.d.Payments.Get(pay.Provider); err != nil {
		return Order{}, apperr.InvalidField("provider", "%s", err.Error())
	}
	var chargeID string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		o, err := s.getTx(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if o.PaymentStatus == PayPaid || o.Status == Cancelled || o.Status == Refunded {
			return apperr.Conflictf("order %s is %s (payment %s); there is nothing to pay", o.ID, o.Status, o.PaymentStatus)
		}
		for _, p := range o.Payments {
			if p.Kind == "charge" && p.Status == payStarted {
				chargeID = p.ID
				return nil
			}
		}
		if _, err := tx.ExecContext(ctx, "UPDATE orders SET payment_provider = ?, updated_at = ? WHERE id = ?",
			pay.Provider, s.now().UnixMilli(), o.ID); err != nil {
			return err
		}
		chargeID, err = s.startCharge(ctx, tx, &o, pay)
		return err
	})
	if err != nil {
		return Order{}, err
	}
	o, err := s.charge(ctx, orderID, chargeID, pay)
	if err != nil {
		return o, err
	}
	if last := lastCharge(o); last != nil && last.Status == string(payment.Declined) {
		return o, apperr.New(apperr.Unprocessable, "payment declined: %s", last.Message)
	}
	return o, nil
}

func lastCharge(o Order) *Payment {
	for i := len(o.Payments) - 1; i >= 0; i-- {
		if o.Payments[i].Kind == "charge" {
			return &o.Payments[i]
		}
	}
	return nil
}
