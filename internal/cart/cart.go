// Package cart keeps one active cart per customer profile, shared by every
// channel: the web shop, the app, an agent in the inbox and the clerk at the
// counter all change the same cart, and every change records its channel
// and lands on the customer's timeline. A cart stores variants and
// quantities, never prices: it is priced, with the customer's promotions,
// each time it is read, at the prices of the channel reading it.
package cart

import (
	"context"
	"time"

	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

// Limits that keep a cart sane.
const (
	MaxQuantity = 999 // units of one variant in a cart
	MaxLines    = 100 // distinct variants in a cart
	MaxCodes    = 10  // codes entered on a cart
)

// Cart statuses.
const (
	StatusActive  = "active"
	StatusOrdered = "ordered"
	StatusMerged  = "merged"
)

// Catalog is what carts need from the catalog.
type Catalog interface {
	ResolveVariant(ctx context.Context, q store.Querier, ref catalog.VariantRef) (string, error)
	Offers(ctx context.Context, q store.Querier, channel string, variantIDs []string) (map[string]catalog.Offer, error)
	Offer(ctx context.Context, q store.Querier, channel, variantID string) (catalog.Offer, error)
}

// Stock tells how many units of variants are available to sell.
type Stock interface {
	AvailableTx(ctx context.Context, q store.Querier, variantIDs []string, locationID string) (map[string]int64, error)
}

// Promotions evaluates a cart with the customer's promotions (automatic,
// entered codes and wallet) and checks codes before they are kept. Inputs
// reads the customer's wallet and usage counts, so that a change reads them
// in its transaction and evaluates after the commit.
type Promotions interface {
	Inputs(ctx context.Context, q store.Querier, customerID string, now time.Time) (promotion.Inputs, error)
	EvaluateInputs(ctx context.Context, in promotion.Inputs, c promo.Cart) (promo.Result, error)
	CheckCode(ctx context.Context, q store.Querier, code string) error
}

// Timeline appends events to customers' timelines.
type Timeline interface {
	AppendTx(ctx context.Context, tx *store.Tx, events []customer.Event) (int, error)
}

// Customers follows merged-away profile ids to the live profile, reading
// through q (a transaction, or nil for the database).
type Customers interface {
	SurvivorTx(ctx context.Context, q store.Querier, customerID string) (string, bool, error)
}

// Orders tells whether a customer has ordered before, for first-order
// promotions.
type Orders interface {
	HasOrdered(ctx context.Context, q store.Querier, customerID string) (bool, error)
}

// Deps are the services a cart Service uses. Promotions, Timeline,
// Customers and Orders may be nil: no discounts, no timeline events, customer
// ids taken as given, every order a first order.
type Deps struct {
	Catalog    Catalog
	Stock      Stock
	Promotions Promotions
	Timeline   Timeline
	Customers  Customers
	Orders     Orders
}

// Service changes and prices carts.
type Service struct {
	db       *store.DB
	d        Deps
	now      func() time.Time
	batch    *batcher
	contents contents
}

// NewService returns a cart Service on db.
func NewService(db *store.DB, d Deps) *Service {
	return &Service{db: db, d: d, now: time.Now, batch: &batcher{db: db, timeline: d.Timeline}}
}

// View is a cart as seen on one channel, priced with the customer's
// promotions. Amounts are minor units of Currency.
type View struct {
	ID             string             `json:"id,omitempty"` // empty until something is added
	CustomerID     string             `json:"customer_id"`
	Channel        string             `json:"channel"` // prices and promotions are this channel's
	Currency       string             `json:"currency,omitempty"`
	Lines          []LineView         `json:"lines"`
	Codes          []string           `json:"codes"`
	Applied        []promo.Applied    `json:"applied_promotions"`
	Rejected       []promo.Rejection  `json:"rejected_codes"`
	OrderDiscounts []promo.Adjustment `json:"order_discounts,omitempty"`
	ShipDiscounts  []promo.Adjustment `json:"shipping_discounts,omitempty"`
	Totals         Totals             `json:"totals"`
	UpdatedChannel string             `json:"updated_channel,omitempty"`
	UpdatedAt      *time.Time         `json:"updated_at,omitempty"`
	Version        int64              `json:"version"`
}

// LineView is one cart line, priced.
type LineView struct {
	VariantID      string             `json:"variant_id"`
	ProductID      string             `json:"product_id"`
	SKU            string             `json:"sku"`
	ProductTitle   string             `json:"product_title"`
	VariantTitle   string             `json:"variant_title"`
	ImageURL       string             `json:"image_url,omitempty"`
	Quantity       int64              `json:"quantity"`
	UnitPrice      int64              `json:"unit_price"`
	Subtotal       int64              `json:"subtotal"`
	Discount       int64              `json:"discount"`
	Total          int64              `json:"total"`
	Adjustments    []promo.Adjustment `json:"adjustments,omitempty"` // which promotion took what, and why
	Problem        string             `json:"problem,omitempty"`     // why the line cannot be bought now
	AddedChannel   string             `json:"added_channel"`
	UpdatedChannel string             `json:"updated_channel"`
}

// Totals sums a priced cart.
type Totals struct {
	Items            int64 `json:"items"` // units
	Subtotal         int64 `json:"subtotal"`
	ItemDiscount     int64 `json:"item_discount"`
	Shipping         int64 `json:"shipping"`
	ShippingDiscount int64 `json:"shipping_discount"`
	Discount         int64 `json:"discount"`
	Total            int64 `json:"total"` // subtotal + shipping − discount, before tax
}
