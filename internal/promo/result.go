package promo

import "github.com/omni-hq/omni/internal/money"

// Reason says why a code did not apply.
type Reason string

// The reasons a code can fail.
const (
	ReasonUnknownCode       Reason = "unknown_code"
	ReasonCurrencyMismatch  Reason = "currency_mismatch"
	ReasonNotStarted        Reason = "not_started"
	ReasonExpired           Reason = "expired"
	ReasonWrongChannel      Reason = "wrong_channel"
	ReasonUsageExhausted    Reason = "usage_exhausted"
	ReasonCustomerLimit     Reason = "customer_limit"
	ReasonFirstOrderOnly    Reason = "first_order_only"
	ReasonMinSubtotalNotMet Reason = "min_subtotal_not_met"
	ReasonNoEligibleItems   Reason = "no_eligible_items"
	ReasonNoDiscount        Reason = "no_discount"
	ReasonNotCombinable     Reason = "not_combinable"
)

// Adjustment is one discount a promotion gives on a line, on the order or
// on shipping.
type Adjustment struct {
	PromotionID string       `json:"promotion_id"`
	Code        string       `json:"code,omitempty"`
	Amount      money.Amount `json:"amount"`
	// Reason tells the customer why, e.g. "Summer sale: 20% off the order".
	Reason string `json:"reason"`
}

// LineResult is one cart line after discounts.
type LineResult struct {
	LineID      string       `json:"line_id"`
	Subtotal    money.Amount `json:"subtotal"`
	Discount    money.Amount `json:"discount"`
	Total       money.Amount `json:"total"`
	Adjustments []Adjustment `json:"adjustments,omitempty"`
}

// Applied is one promotion the result uses, with its whole discount.
type Applied struct {
	PromotionID string       `json:"promotion_id"`
	Name        string       `json:"name"`
	Code        string       `json:"code,omitempty"`
	Kind        Kind         `json:"kind"`
	Amount      money.Amount `json:"amount"`
}

// Rejection explains why an entered or wallet code did not apply.
type Rejection struct {
	// Code is the code as the customer gave it.
	Code        string `json:"code"`
	FromWallet  bool   `json:"from_wallet,omitempty"`
	PromotionID string `json:"promotion_id,omitempty"`
	Reason      Reason `json:"reason"`
	Message     string `json:"message"`
	// Missing is how much more the cart subtotal needs, for
	// ReasonMinSubtotalNotMet.
	Missing money.Amount `json:"missing,omitzero"`
}

// Totals sums the cart. Total = Subtotal + Shipping - Discount, and is
// never negative: no line and no shipping charge is discounted below zero.
type Totals struct {
	Subtotal         money.Amount `json:"subtotal"`
	ItemDiscount     money.Amount `json:"item_discount"`
	ShippingDiscount money.Amount `json:"shipping_discount"`
	// Discount is ItemDiscount + ShippingDiscount.
	Discount money.Amount `json:"discount"`
	// Shipping is the shipping charge before discounts.
	Shipping money.Amount `json:"shipping"`
	Total    money.Amount `json:"total"`
}

// Result is the outcome of evaluating a cart.
type Result struct {
	Currency money.Currency `json:"currency"`
	// Lines follow the cart's line order; their adjustments sum exactly to
	// Totals.ItemDiscount.
	Lines []LineResult `json:"lines"`
	// OrderDiscounts lists the order-wide promotions with their whole
	// amount; each is also spread over Lines as line adjustments.
	OrderDiscounts    []Adjustment `json:"order_discounts,omitempty"`
	ShippingDiscounts []Adjustment `json:"shipping_discounts,omitempty"`
	// Applied lists the promotions used, in the order they were applied.
	Applied  []Applied   `json:"applied,omitempty"`
	Rejected []Rejection `json:"rejected,omitempty"`
	Totals   Totals      `json:"totals"`
}
