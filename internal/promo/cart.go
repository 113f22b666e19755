package promo

import (
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

// Limits on one cart, so that a malformed request cannot make an
// evaluation arbitrarily slow.
const (
	// MaxQuantity is the largest quantity of a cart line (and the largest
	// Buy or Get of a buy_x_get_y promotion).
	MaxQuantity = 1_000_000_000
	// MaxLines is the most lines a cart may have.
	MaxLines = 10_000
	// MaxCodes is the most codes Codes and Wallet may hold together.
	MaxCodes = 1_000
)

// Cart is what the engine evaluates: the lines, shipping and context of
// one customer's cart on one channel at one moment.
type Cart struct {
	Currency money.Currency `json:"currency"`
	Lines    []Line         `json:"lines"`
	// Shipping is the shipping charge before discounts; the zero Amount
	// means no shipping charge.
	Shipping money.Amount `json:"shipping,omitzero"`
	Channel  string       `json:"channel"`
	// Now is the moment the promotions' periods are checked against. It
	// must be set: the engine never reads the clock itself.
	Now      time.Time `json:"now"`
	Customer Customer  `json:"customer"`
	// Codes were entered by the customer; Wallet holds codes saved in the
	// customer's promotion wallet. Both are matched case-insensitively.
	Codes  []string `json:"codes,omitempty"`
	Wallet []string `json:"wallet,omitempty"`
}

// Line is one cart line.
type Line struct {
	ID            string       `json:"id"`
	VariantID     string       `json:"variant_id"`
	ProductID     string       `json:"product_id"`
	CollectionIDs []string     `json:"collection_ids,omitempty"`
	Quantity      int64        `json:"quantity"`
	UnitPrice     money.Amount `json:"unit_price"`
}

// Customer is what the engine knows about the buyer.
type Customer struct {
	// FirstOrder is true when this cart would become the customer's
	// first order.
	FirstOrder bool `json:"first_order"`
	// Uses counts, by promotion ID, the customer's earlier uses.
	Uses map[string]int64 `json:"uses,omitempty"`
	// TotalUses counts, by promotion ID, the uses by all customers.
	TotalUses map[string]int64 `json:"total_uses,omitempty"`
}

// priced is a validated cart with the amounts the engine works on.
type priced struct {
	*Cart
	sub      []int64 // line subtotals in minor units
	subtotal int64
	shipping int64
}

func badCart(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalidCart)
}

// price validates c and computes the line subtotals. Every sum the engine
// forms later is bounded by subtotal+shipping, which is checked here to
// fit in int64.
func price(c *Cart, sub []int64) (priced, error) {
	if !c.Currency.Valid() {
		return priced{}, badCart("cart currency %q is not an ISO 4217 code", c.Currency)
	}
	if c.Now.IsZero() {
		return priced{}, badCart("cart time (now) is not set")
	}
	if len(c.Lines) > MaxLines {
		return priced{}, badCart("%d lines, at most %d allowed", len(c.Lines), MaxLines)
	}
	if n := len(c.Codes) + len(c.Wallet); n > MaxCodes {
		return priced{}, badCart("%d codes, at most %d allowed", n, MaxCodes)
	}
	p := priced{Cart: c, sub: sub[:0]}
	total := money.Zero(c.Currency)
	for i := range c.Lines {
		l := &c.Lines[i]
		if err := checkLine(c, i); err != nil {
			return priced{}, err
		}
		s, err := l.UnitPrice.Mul(l.Quantity)
		if err == nil {
			total, err = total.Add(s)
		}
		if err != nil {
			return priced{}, badCart("line %q: %v", l.ID, err)
		}
		p.sub = append(p.sub, s.Minor)
	}
	p.subtotal = total.Minor
	if c.Shipping != (money.Amount{}) {
		if c.Shipping.Currency != c.Currency || c.Shipping.IsNegative() {
			return priced{}, badCart("shipping %v must be a non-negative %s amount", c.Shipping, c.Currency)
		}
		if _, err := total.Add(c.Shipping); err != nil {
			return priced{}, badCart("subtotal plus shipping: %v", err)
		}
		p.shipping = c.Shipping.Minor
	}
	return p, nil
}

func checkLine(c *Cart, i int) error {
	l := &c.Lines[i]
	switch {
	case l.ID == "":
		return badCart("line %d has no id", i)
	case l.Quantity < 1 || l.Quantity > MaxQuantity:
		return badCart("line %q quantity %d outside [1, %d]", l.ID, l.Quantity, MaxQuantity)
	case l.UnitPrice.Currency != c.Currency:
		return badCart("line %q price is in %q, cart in %s", l.ID, l.UnitPrice.Currency, c.Currency)
	case l.UnitPrice.IsNegative():
		return badCart("line %q unit price %v is negative", l.ID, l.UnitPrice)
	}
	for j := range i {
		if c.Lines[j].ID == l.ID {
			return badCart("line id %q appears twice", l.ID)
		}
	}
	return nil
}
