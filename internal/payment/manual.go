package payment

import (
	"context"
	"slices"
)

// ManualMethods are the ways a manual payment is taken.
var ManualMethods = []string{"pay_later", "cash", "card_terminal"}

// Manual is the provider for money taken outside Omni: cash or a card
// terminal at the counter (the charge succeeds at once), or "pay_later" for
// an order paid when it is picked up (the charge stays Pending until the
// clerk records the payment). Refunds are handed back the same way.
type Manual struct{}

// Name is "manual".
func (Manual) Name() string { return "manual" }

// Charge succeeds for cash and card_terminal and is Pending for pay_later
// (the default).
func (Manual) Charge(_ context.Context, c Charge) (Result, error) {
	if c.Method == "" || c.Method == "pay_later" {
		return Result{Status: Pending, Ref: "manual_" + c.OrderID}, nil
	}
	if !slices.Contains(ManualMethods, c.Method) {
		return Result{Status: Declined, Message: "manual payments are pay_later, cash or card_terminal, not " + c.Method}, nil
	}
	return Result{Status: Succeeded, Ref: "manual_" + c.OrderID, Amount: c.Amount}, nil
}

// Cancel has nothing to void.
func (Manual) Cancel(context.Context, string, string) error { return nil }

// Refund records money handed back at the counter.
func (Manual) Refund(_ context.Context, ref string, amount int64, _ string) (Result, error) {
	return Result{Status: Succeeded, Ref: ref, Amount: amount}, nil
}
