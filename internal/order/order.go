// Package order turns carts into orders on every channel and follows them
// to the end: checkout with shipping or pickup in a chosen shop, sales tax by
// region, payment through a provider, reservations of stock, cancellation
// before payment, pickup at the counter, in-store sales and returns at any
// location with refund and restock.
//
// # States
//
//	pending_payment → paid → shipped
//	                       → ready_for_pickup → picked_up
//	pending_payment → ready_for_pickup (pay at pickup) → picked_up
//	pending_payment | ready_for_pickup (unpaid) → cancelled
//	shipped | picked_up → refunded (every unit returned)
//
// Cancelling releases the reserved stock and the promotion uses; it is
// refused once the payment is captured (return the items instead).
//
// # Tax
//
// Prices are before tax. The rate is looked up by region: "US-CA" (country
// and subdivision) first, then the country ("US"); no rate means no tax.
// The region is the shipping address's for shipped orders and the shop's for
// pickup and in-store sales. Tax is computed per line on the line total after
// discounts, and on the shipping charge after its discount, each rounded
// half away from zero to the currency's minor unit; the order's tax is the
// sum of those amounts, so a refund of a line gives back exactly its tax.
//
// # Idempotency
//
// A checkout may carry an idempotency key, scoped to the customer. A retry
// with the same key returns the order the first call made (and resumes its
// payment if the provider's answer was lost), never a second order; the same
// key with different parameters is a Conflict. Payment calls carry their own
// keys derived from the order, so the provider never charges twice.
package order

import (
	"context"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/payment"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/store"
)

// Order statuses.
const (
	PendingPayment = "pending_payment"
	Paid           = "paid"
	ReadyForPickup = "ready_for_pickup"
	Shipped        = "shipped"
	PickedUp       = "picked_up"
	Cancelled      = "cancelled"
	Refunded       = "refunded"
)

// Payment statuses of an order.
const (
	PayPending           = "pending"
	PayFailed            = "failed"
	PayPaid              = "paid"
	PayPartiallyRefunded = "partially_refunded"
	PayRefunded          = "refunded"
	PayVoided            = "voided"
)

// Fulfilment kinds.
const (
	Shipping = "shipping"
	Pickup   = "pickup"
	InStore  = "in_store"
)

// Order is a purchase on some channel. Amounts are minor units of Currency.
type Order struct {
	ID              string             `json:"id"`
	CustomerID      string             `json:"customer_id"`
	CartID          string             `json:"cart_id,omitempty"`
	Channel         string             `json:"channel"`
	Status          string             `json:"status"`
	PaymentStatus   string             `json:"payment_status"`
	Fulfillment     string             `json:"fulfillment"`
	LocationID      string             `json:"location_id,omitempty"`
	Currency        string             `json:"currency"`
	Subtotal        int64              `json:"subtotal"`
	Discount        int64              `json:"discount"`
	Shipping        int64              `json:"shipping"`
	Tax             int64              `json:"tax"`
	Total           int64              `json:"total"`
	Refunded        int64              `json:"refunded"`
	TaxRegion       string             `json:"tax_region,omitempty"`
	ShippingAddress *inventory.Address `json:"shipping_address,omitempty"`
	Email           string             `json:"email,omitempty"`
	PaymentProvider string             `json:"payment_provider"`
	Promotions      []promo.Applied    `json:"promotions"`
	Lines           []Line             `json:"lines"`
	Payments        []Payment          `json:"payments"`
	History         []Event            `json:"history"`
	ExpiresAt       *time.Time         `json:"expires_at,omitempty"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
	PaidAt          *time.Time         `json:"paid_at,omitempty"`
}

// Line is one bought variant, as it was when bought.
type Line struct {
	ID               string             `json:"id"`
	VariantID        string             `json:"variant_id"`
	ProductID        string             `json:"product_id"`
	SKU              string             `json:"sku"`
	Title            string             `json:"title"`
	Quantity         int64              `json:"quantity"`
	UnitPrice        int64              `json:"unit_price"`
	Subtotal         int64              `json:"subtotal"`
	Discount         int64              `json:"discount"`
	TaxRate          int64              `json:"tax_rate"` // basis points
	Tax              int64              `json:"tax"`
	Total            int64              `json:"total"` // subtotal − discount + tax
	ReturnedQuantity int64              `json:"returned_quantity"`
	Refunded         int64              `json:"refunded"`
	Adjustments      []promo.Adjustment `json:"adjustments,omitempty"`
}

// Payment is one call to a payment provider.
type Payment struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"` // charge, cancel, refund
	Provider     string    `json:"provider"`
	Ref          string    `json:"ref,omitempty"`
	Amount       int64     `json:"amount"`
	Status       string    `json:"status"` // started, succeeded, pending, requires_action, declined, failed
	Message      string    `json:"message,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"` // for requires_action, on the latest charge only
	CreatedAt    time.Time `json:"created_at"`
}

// Event is one status change.
type Event struct {
	From    string    `json:"from"`
	To      string    `json:"to"`
	Channel string    `json:"channel"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

// Carts is what orders need from carts.
type Carts interface {
	Owner(ctx context.Context, q store.Querier, cartID string) (customerID, status string, err error)
	PriceTx(ctx context.Context, q store.Querier, customerID, channel string, shipping int64) (cart.View, error)
	PriceItemsTx(ctx context.Context, q store.Querier, customerID, channel string, items []cart.Item, codes []string) (cart.View, error)
	MarkOrderedTx(ctx context.Context, tx *store.Tx, cartID string, version int64) error
}

// Inventory is what orders need from inventory.
type Inventory interface {
	LocationTx(ctx context.Context, q store.Querier, idOrCode string) (inventory.Location, error)
	ReserveTx(ctx context.Context, tx *store.Tx, ref, locationID string, lines []inventory.Line, expiresAt *time.Time) ([]inventory.Reservation, error)
	ReserveForShippingTx(ctx context.Context, tx *store.Tx, ref string, lines []inventory.Line, expiresAt *time.Time) ([]inventory.Reservation, error)
	ReleaseTx(ctx context.Context, tx *store.Tx, ref string) (int, error)
	ConsumeTx(ctx context.Context, tx *store.Tx, ref string) (int, error)
	HoldTx(ctx context.Context, tx *store.Tx, ref string) error
	RestockTx(ctx context.Context, tx *store.Tx, ref, locationID string, lines []inventory.Line) error
	ExpiredRefs(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Promotions counts promotion uses of orders.
type Promotions interface {
	RecordUsesTx(ctx context.Context, tx *store.Tx, customerID, orderID string, applied []promo.Applied) error
	ReleaseUsesTx(ctx context.Context, tx *store.Tx, orderID string) error
}

// Deps are the services an order Service uses; Promotions and Timeline may
// be nil.
type Deps struct {
	Carts      Carts
	Inventory  Inventory
	Promotions Promotions
	Payments   payment.Providers
	Timeline   cart.Timeline
}

// Options tunes how long unpaid orders hold stock.
type Options struct {
	PaymentHold time.Duration // unpaid online orders; default 30 minutes
	PickupHold  time.Duration // unpaid pay-at-pickup orders; default 72 hours
}

// Service places and follows orders.
type Service struct {
	db   *store.DB
	d    Deps
	opts Options
	now  func() time.Time
}

// NewService returns an order Service on db.
func NewService(db *store.DB, d Deps, opts Options) *Service {
	if opts.PaymentHold == 0 {
		opts.PaymentHold = 30 * time.Minute
	}
	if opts.PickupHold == 0 {
		opts.PickupHold = 72 * time.Hour
	}
	return &Service{db: db, d: d, opts: opts, now: time.Now}
}
