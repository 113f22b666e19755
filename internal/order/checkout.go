package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/store"
)

// PaymentInput says how an order is paid.
type PaymentInput struct {
	Provider string `json:"provider"`         // manual (default) or stripe
	Method   string `json:"method,omitempty"` // stripe: a PaymentMethod id; manual: pay_later, cash, card_terminal
}

// CheckoutRequest turns the cart into an order.
type CheckoutRequest struct {
	Channel         string             `json:"channel"`
	Fulfillment     string             `json:"fulfillment"`        // shipping, pickup or in_store
	Location        string             `json:"location,omitempty"` // pickup shop or in-store location (id or code)
	ShippingAddress *inventory.Address `json:"shipping_address,omitempty"`
	ShippingRateID  string             `json:"shipping_rate_id,omitempty"`
	Email           string             `json:"email,omitempty"`
	Payment         PaymentInput       `json:"payment"`
}

// SaleRequest rings up an in-store sale at the counter without a stored
// cart; the customer is optional.
type SaleRequest struct {
	Location   string       `json:"location"`
	CustomerID string       `json:"customer_id,omitempty"`
	Items      []cart.Item  `json:"items"`
	Codes      []string     `json:"codes,omitempty"`
	Payment    PaymentInput `json:"payment"`
	Email      string       `json:"email,omitempty"`
}

// MaxIdempotencyKey bounds idempotency keys.
const MaxIdempotencyKey = 255

// placement is everything needed to write an order.
type placement struct {
	customerID, cartID, channel, fulfillment, email, key, hash string
	loc                                                        *inventory.Location
	addr                                                       *inventory.Address
	rateID                                                     string
	pay                                                        PaymentInput
	price                                                      func(q store.Querier, shipping int64) (cart.View, error)
}

// Checkout places an order from a cart. It returns the order and whether it
// was created now (false when the idempotency key names an earlier one).
// The payment is taken right after the order is written; a declined or
// pending payment leaves the order pending_payment with its stock reserved.
func (s *Service) Checkout(ctx context.Context, cartID, idempotencyKey string, req CheckoutRequest) (Order, bool, error) {
	customerID, status, err := s.d.Carts.Owner(ctx, nil, cartID)
	if err != nil {
		return Order{}, false, err
	}
	p := placement{customerID: customerID, cartID: cartID, channel: req.Channel, fulfillment: req.Fulfillment,
		email: strings.TrimSpace(req.Email), key: idempotencyKey, addr: req.ShippingAddress, rateID: req.ShippingRateID, pay: req.Payment}
	p.hash = requestHash(cartID, req)
	if o, found, err := s.replay(ctx, p); found || err != nil {
		return o, false, err
	}
	if status != cart.StatusActive {
		return Order{}, false, apperr.Conflictf("cart %s is %s; it can be checked out once", cartID, status)
	}
	if err := s.validate(ctx, &p, req.Location); err != nil {
		return Order{}, false, err
	}
	p.price = func(q store.Querier, shipping int64) (cart.View, error) {
		return s.d.Carts.PriceTx(ctx, q, customerID, p.channel, shipping)
	}
	return s.place(ctx, p)
}

// Sale rings up an in-store sale on channel pos: the items are priced with
// the customer's promotions (when a customer is named), taken off the
// location's shelf once paid, and the order ends picked up.
func (s *Service) Sale(ctx context.Context, idempotencyKey string, req SaleRequest) (Order, bool, error) {
	p := placement{customerID: req.CustomerID, channel: "pos", fulfillment: InStore, email: strings.TrimSpace(req.Email),
		key: idempotencyKey, pay: req.Payment}
	raw, _ := json.Marshal(req)
	sum := sha256.Sum256(raw)
	p.hash = hex.EncodeToString(sum[:])
	if o, found, err := s.replay(ctx, p); found || err != nil {
		return o, false, err
	}
	if err := s.validate(ctx, &p, req.Location); err != nil {
		return Order{}, false, err
	}
	p.price = func(q store.Querier, _ int64) (cart.View, error) {
		return s.d.Carts.PriceItemsTx(ctx, q, req.CustomerID, "pos", req.Items, req.Codes)
	}
	return s.place(ctx, p)
}

func requestHash(cartID string, req CheckoutRequest) string {
	raw, _ := json.Marshal(struct {
		CartID string
		Req    CheckoutRequest
	}{cartID, req})
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:])
}

// replay finds the order an earlier call with the same idempotency key made,
// and resumes its payment when the provider's answer was lost.
func (s *Service) replay(ctx context.Context, p placement) (Order, bool, error) {
	if p.key == "" {
		return Order{}, false, nil
	}
	if len(p.key) > MaxIdempotencyKey {
		return Order{}, false, apperr.InvalidField("Idempotency-Key", "is longer than %d characters", MaxIdempotencyKey)
	}
	var orderID, hash string
	err := s.db.QueryRowContext(ctx, "SELECT id, request_hash FROM orders WHERE customer_id = ? AND idempotency_key = ?",
		p.customerID, p.key).Scan(&orderID, &hash)
	if store.IsNoRows(err) {
		return Order{}, false, nil
	}
	if err != nil {
		return Order{}, false, fmt.Errorf("find order by idempotency key: %w", err)
	}
	if hash != p.hash {
		return Order{}, true, apperr.Conflictf("idempotency key %q was used for a different request (order %s)", p.key, orderID)
	}
	o, err := s.resumeCharge(ctx, orderID)
	return o, true, err
}

// validate checks the request and resolves the location.
func (s *Service) validate(ctx context.Context, p *placement, location string) error {
	if !catalog.ValidChannel(p.channel) {
		return apperr.InvalidField("channel", "unknown channel %q", p.channel)
	}
	if p.pay.Provider == "" {
		p.pay.Provider = "manual"
	}
	if _, err := s.d.Payments.Get(p.pay.Provider); err != nil {
		return apperr.InvalidField("payment.provider", "%s", err.Error())
	}
	switch p.fulfillment {
	case Shipping:
		a := p.addr
		if a == nil || strings.TrimSpace(a.Line1) == "" || strings.TrimSpace(a.City) == "" || len(strings.TrimSpace(a.Country)) != 2 {
			return apperr.InvalidField("shipping_address", "shipping needs line1, city and a two-letter country")
		}
		return nil
	case Pickup, InStore:
	default:
		return apperr.InvalidField("fulfillment", "unknown fulfillment %q (want shipping, pickup or in_store)", p.fulfillment)
	}
	if strings.TrimSpace(location) == "" {
		return apperr.InvalidField("location", "is required for %s", p.fulfillment)
	}
	loc, err := s.d.Inventory.LocationTx(ctx, s.db, location)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.InvalidField("location", "unknown location %q", location)
	}
	if err != nil {
		return err
	}
	if p.fulfillment == Pickup && !loc.PickupEnabled {
		return apperr.InvalidField("location", "%s (%s) does not offer pickup", loc.Name, loc.Code)
	}
	p.loc = &loc
	p.addr = nil
	return nil
}

// place writes the order, reserves its stock, counts its promotions and
// closes the cart in one transaction, then takes the payment.
func (s *Service) place(ctx context.Context, p placement) (Order, bool, error) {
	orderID := id.New("ord")
	var chargeID string
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		region := ""
		if p.loc != nil {
			region = RegionOf(p.loc.Address)
		} else {
			region = RegionOf(*p.addr)
		}
		v, err := p.price(tx, 0)
		if err != nil {
			return err
		}
		if err := checkable(v, p.cartID); err != nil {
			return err
		}
		if p.fulfillment == Shipping {
			shipping, err := s.shippingFor(ctx, tx, p.rateID, region, v.Currency)
			if err != nil {
				return err
			}
			if shipping > 0 {
				if v, err = p.price(tx, shipping); err != nil {
					return err
				}
			}
		}
		rate, err := rateFor(ctx, tx, region)
		if err != nil {
			return err
		}
		o, lines, err := build(orderID, p, v, region, rate)
		if err != nil {
			return err
		}
		if err := s.reserve(ctx, tx, p, &o, lines); err != nil {
			return err
		}
		if err := s.insert(ctx, tx, &o, lines, p); err != nil {
			return err
		}
		if s.d.Promotions != nil && len(v.Applied) > 0 {
			if err := s.d.Promotions.RecordUsesTx(ctx, tx, p.customerID, orderID, v.Applied); err != nil {
				return err
			}
		}
		if p.cartID != "" {
			if err := s.d.Carts.MarkOrderedTx(ctx, tx, p.cartID, v.Version); err != nil {
				return err
			}
		}
		if err := s.eventTx(ctx, tx, &o, "", PendingPayment, p.channel, "placed"); err != nil {
			return err
		}
		chargeID, err = s.startCharge(ctx, tx, &o, p.pay)
		return err
	})
	if err != nil {
		return Order{}, false, err
	}
	o, err := s.charge(ctx, orderID, chargeID, p.pay)
	return o, true, err
}

// checkable refuses carts that cannot become orders.
func checkable(v cart.View, cartID string) error {
	if cartID != "" && v.ID != cartID {
		return apperr.Conflictf("cart %s is no longer the customer's active cart", cartID)
	}
	if len(v.Lines) == 0 {
		return apperr.New(apperr.Unprocessable, "the cart is empty: add items before checking out")
	}
	for _, l := range v.Lines {
		if l.Problem != "" {
			name := l.SKU
			if name == "" {
				name = l.VariantID
			}
			return apperr.New(apperr.Unprocessable, "cart line %s cannot be bought: %s", name, l.Problem)
		}
	}
	return nil
}

// build computes the order and its lines with tax from a priced cart.
func build(orderID string, p placement, v cart.View, region string, rate int64) (Order, []Line, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	o := Order{ID: orderID, CustomerID: p.customerID, CartID: p.cartID, Channel: p.channel, Status: PendingPayment,
		PaymentStatus: PayPending, Fulfillment: p.fulfillment, Currency: v.Currency, Subtotal: v.Totals.Subtotal,
		Discount: v.Totals.Discount, Shipping: v.Totals.Shipping, TaxRegion: region, ShippingAddress: p.addr,
		Email: p.email, PaymentProvider: p.pay.Provider, Promotions: v.Applied, CreatedAt: now, UpdatedAt: now}
	if p.loc != nil {
		o.LocationID = p.loc.ID
	}
	lines := make([]Line, 0, len(v.Lines))
	for _, l := range v.Lines {
		net := l.Subtotal - l.Discount
		tax, err := Tax(net, rate, v.Currency)
		if err != nil {
			return Order{}, nil, err
		}
		title := l.ProductTitle
		if l.VariantTitle != "" && l.VariantTitle != "Default" {
			title += " — " + l.VariantTitle
		}
		lines = append(lines, Line{ID: id.New("oli"), VariantID: l.VariantID, ProductID: l.ProductID, SKU: l.SKU, Title: title,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Subtotal: l.Subtotal, Discount: l.Discount, TaxRate: rate,
			Tax: tax, Total: net + tax, Adjustments: l.Adjustments})
		o.Tax += tax
	}
	shipTax, err := Tax(v.Totals.Shipping-v.Totals.ShippingDiscount, rate, v.Currency)
	if err != nil {
		return Order{}, nil, err
	}
	o.Tax += shipTax
	o.Total = v.Totals.Total + o.Tax
	if o.Total <= 0 && p.pay.Provider != "manual" {
		return Order{}, nil, apperr.InvalidField("payment.provider", "an order of %d %s is paid with the manual provider", o.Total, o.Currency)
	}
	return o, lines, nil
}

// reserve holds the order's stock: at the shop for pickup and in-store
// sales, at the first shipping location with enough units otherwise.
func (s *Service) reserve(ctx context.Context, tx *store.Tx, p placement, o *Order, lines []Line) error {
	want := make([]inventory.Line, len(lines))
	for i, l := range lines {
		want[i] = inventory.Line{VariantID: l.VariantID, Quantity: l.Quantity}
	}
	hold := s.opts.PaymentHold
	if p.fulfillment == Pickup && p.pay.Provider == "manual" {
		hold = s.opts.PickupHold
	}
	exp := s.now().Add(hold).UTC().Truncate(time.Millisecond)
	o.ExpiresAt = &exp
	var err error
	if p.loc != nil {
		_, err = s.d.Inventory.ReserveTx(ctx, tx, o.ID, p.loc.ID, want, &exp)
	} else {
		_, err = s.d.Inventory.ReserveForShippingTx(ctx, tx, o.ID, want, &exp)
	}
	if se, ok := inventory.AsShortage(err); ok {
		for _, l := range lines {
			if l.VariantID == se.VariantID {
				se.SKU = l.SKU
			}
		}
		if p.loc != nil {
			se.LocationID = p.loc.Name + " (" + p.loc.Code + ")"
		}
		return se.AppError()
	}
	return err
}

func (s *Service) insert(ctx context.Context, tx *store.Tx, o *Order, lines []Line, p placement) error {
	addr := "{}"
	if o.ShippingAddress != nil {
		b, _ := json.Marshal(o.ShippingAddress)
		addr = string(b)
	}
	promos, _ := json.Marshal(o.Promotions)
	if o.Promotions == nil {
		promos = []byte("[]")
	}
	var key any
	if p.key != "" {
		key = p.key
	}
	now := s.now().UnixMilli()
	_, err := tx.ExecContext(ctx, `INSERT INTO orders (id, customer_id, cart_id, channel, status, payment_status, fulfillment,
		location_id, currency, subtotal, discount, shipping, tax, total, tax_region, shipping_address, email, payment_provider,
		promotions, idempotency_key, request_hash, expires_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.CustomerID, o.CartID, o.Channel, o.Status, o.PaymentStatus, o.Fulfillment, o.LocationID, o.Currency,
		o.Subtotal, o.Discount, o.Shipping, o.Tax, o.Total, o.TaxRegion, addr, o.Email, o.PaymentProvider, string(promos),
		key, p.hash, o.ExpiresAt.UnixMilli(), now, now)
	if store.IsUniqueViolation(err) {
		return apperr.Conflictf("a checkout with idempotency key %q is already in progress; retry it", p.key)
	}
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	for i, l := range lines {
		adj, _ := json.Marshal(l.Adjustments)
		if l.Adjustments == nil {
			adj = []byte("[]")
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO order_lines (id, order_id, position, variant_id, product_id, sku, title,
			quantity, unit_price, subtotal, discount, tax_rate, tax, total, adjustments)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.ID, o.ID, i+1, l.VariantID, l.ProductID, l.SKU, l.Title, l.Quantity, l.UnitPrice, l.Subtotal, l.Discount,
			l.TaxRate, l.Tax, l.Total, string(adj))
		if err != nil {
			return fmt.Errorf("insert order line: %w", err)
		}
	}
	return nil
}
