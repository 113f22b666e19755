// Package payment takes money for orders through providers behind one
// interface: "manual" (cash or card terminal at the counter, or pay at
// pickup) and "stripe" (Stripe's PaymentIntents HTTP API at a configurable
// base URL). Every call carries an idempotency key, so that a retried call
// never charges twice.
package payment

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Status is the outcome of a provider call.
type Status string

// The outcomes.
const (
	// Succeeded: the money is taken (or refunded, or the intent cancelled).
	Succeeded Status = "succeeded"
	// Pending: nothing is taken yet; the customer pays later (at the counter
	// or at pickup) and the order is marked paid then.
	Pending Status = "pending"
	// RequiresAction: the customer must authenticate (3-D Secure) with the
	// client secret before the payment can succeed.
	RequiresAction Status = "requires_action"
	// Declined: the card or method was refused; another method may be tried.
	Declined Status = "declined"
)

// Charge asks a provider to take an order's amount.
type Charge struct {
	OrderID        string
	CustomerID     string
	Amount         int64  // minor units
	Currency       string // ISO 4217, upper case
	Method         string // provider-specific: a Stripe PaymentMethod id, or "cash", "card_terminal"
	Description    string
	IdempotencyKey string
}

// Result is what a provider answered.
type Result struct {
	Status       Status `json:"status"`
	Ref          string `json:"ref,omitempty"`           // the provider's id, e.g. a PaymentIntent id
	Amount       int64  `json:"amount"`                  // the amount taken or refunded
	Message      string `json:"message,omitempty"`       // why it was declined, shown to the customer
	DeclineCode  string `json:"decline_code,omitempty"`  // the issuer's reason, when given
	ClientSecret string `json:"client_secret,omitempty"` // for RequiresAction
}

// Provider takes and gives back money. A decline is a Result, not an error;
// errors mean the provider could not be asked or answered nonsense, and the
// same call may be retried with the same idempotency key.
type Provider interface {
	Name() string
	// Charge takes the amount now (or leaves it Pending for pay-later).
	Charge(ctx context.Context, c Charge) (Result, error)
	// Cancel voids a charge that has not succeeded.
	Cancel(ctx context.Context, ref, idempotencyKey string) error
	// Refund gives back amount of a succeeded charge.
	Refund(ctx context.Context, ref string, amount int64, idempotencyKey string) (Result, error)
}

// Providers holds the configured providers by name.
type Providers map[string]Provider

// NewProviders collects providers by name.
func NewProviders(ps ...Provider) Providers {
	out := Providers{}
	for _, p := range ps {
		out[p.Name()] = p
	}
	return out
}

// Get returns a provider or an error listing the configured ones.
func (ps Providers) Get(name string) (Provider, error) {
	if p, ok := ps[name]; ok {
		return p, nil
	}
	names := make([]string, 0, len(ps))
	for n := range ps {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown payment provider %q (configured: %s)", name, strings.Join(names, ", "))
}
