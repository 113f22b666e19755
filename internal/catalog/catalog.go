// Package catalog keeps what a merchant sells: products with variants (SKU,
// option values, barcode), prices in integer minor units with an ISO 4217
// currency, optional per-channel prices and availability, collections and
// images by URL. It answers the priced "offer" of a variant on a channel,
// which carts and checkout use.
package catalog

import (
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// Product statuses.
const (
	StatusActive   = "active"
	StatusDraft    = "draft"
	StatusArchived = "archived"
)

// Limits on catalog input, so that a bad import cannot store absurd values.
const (
	MaxPrice    = 1_000_000_000_00 // 1 billion in a two-decimal currency
	MaxVariants = 100
	MaxImages   = 50
	maxText     = 255
	maxBody     = 64 << 10
)

// Product is a thing for sale with one or more variants.
type Product struct {
	ID          string    `json:"id"`
	Handle      string    `json:"handle"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Vendor      string    `json:"vendor"`
	Type        string    `json:"type"`
	Tags        []string  `json:"tags"`
	Status      string    `json:"status"`
	Options     []string  `json:"options"`     // option names, e.g. ["Size", "Color"]
	Channels    []string  `json:"channels"`    // channels it is sold on; empty means every channel
	Collections []string  `json:"collections"` // ids of the collections it is in
	Variants    []Variant `json:"variants"`
	Images      []Image   `json:"images"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Variant is one buyable version of a product.
type Variant struct {
	ID             string           `json:"id"`
	ProductID      string           `json:"product_id"`
	SKU            string           `json:"sku"`
	Barcode        string           `json:"barcode"`
	Title          string           `json:"title"`
	Options        []string         `json:"options"` // values in the product's option order
	Price          int64            `json:"price"`   // minor units
	CompareAtPrice int64            `json:"compare_at_price"`
	Currency       string           `json:"currency"`
	ChannelPrices  map[string]int64 `json:"channel_prices,omitempty"`
	Position       int              `json:"position"`
}

// Image is a product picture stored by URL.
type Image struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Alt       string `json:"alt"`
	VariantID string `json:"variant_id,omitempty"`
	Position  int    `json:"position"`
}

// Collection groups products, e.g. "Summer" or "Shoes".
type Collection struct {
	ID          string    `json:"id"`
	Handle      string    `json:"handle"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	ProductIDs  []string  `json:"product_ids"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Offer is a variant as sold on one channel: its price there and whether it
// may be sold there at all.
type Offer struct {
	VariantID     string   `json:"variant_id"`
	ProductID     string   `json:"product_id"`
	SKU           string   `json:"sku"`
	ProductTitle  string   `json:"product_title"`
	VariantTitle  string   `json:"variant_title"`
	Price         int64    `json:"price"`
	Currency      string   `json:"currency"`
	Sellable      bool     `json:"sellable"` // active and sold on the channel
	CollectionIDs []string `json:"collection_ids,omitempty"`
	ImageURL      string   `json:"image_url,omitempty"`
}

// Service stores and reads the catalog.
type Service struct {
	db    *store.DB
	now   func() time.Time
	cache offerCache
}

// NewService returns a catalog Service on db.
func NewService(db *store.DB) *Service {
	return &Service{db: db, now: time.Now}
}
