package promo

import (
	"time"

	"github.com/omni-hq/omni/internal/money"
)

// Kind is what a promotion gives.
type Kind string

// The promotion kinds.
const (
	// KindPercentOff takes Percent off the target items.
	KindPercentOff Kind = "percent_off"
	// KindAmountOff takes Amount off the target items, once or per unit.
	KindAmountOff Kind = "amount_off"
	// KindFreeShipping takes the shipping amount (at most Amount, if set) off.
	KindFreeShipping Kind = "free_shipping"
	// KindBuyXGetY discounts Get of every Buy+Get target units, cheapest first.
	KindBuyXGetY Kind = "buy_x_get_y"
	// KindTiered applies the highest spend tier the target items reach.
	KindTiered Kind = "tiered"
)

// TargetType says which cart lines a promotion applies to.
type TargetType string

// The target types.
const (
	// TargetOrder applies to every line of the cart.
	TargetOrder TargetType = "order"
	// TargetProducts applies to lines whose product is listed.
	TargetProducts TargetType = "products"
	// TargetCollections applies to lines in at least one listed collection.
	TargetCollections TargetType = "collections"
)

// Target selects the lines a promotion discounts.
type Target struct {
	Type          TargetType `json:"type"`
	ProductIDs    []string   `json:"product_ids,omitempty"`
	CollectionIDs []string   `json:"collection_ids,omitempty"`
}

// BuyXGetY parameterises a buy_x_get_y promotion: for every Buy target
// units bought, Get more target units get Percent off (Hundred: free).
type BuyXGetY struct {
	Buy     int64         `json:"buy"`
	Get     int64         `json:"get"`
	Percent money.Percent `json:"percent"`
}

// Tier is one spend threshold of a tiered promotion: once the target items
// reach Threshold, either Percent or Amount comes off them.
type Tier struct {
	Threshold money.Amount  `json:"threshold"`
	Percent   money.Percent `json:"percent,omitempty"`
	Amount    money.Amount  `json:"amount,omitzero"`
}

// Conditions restrict when a promotion is valid. Zero values mean no
// restriction.
type Conditions struct {
	// MinSubtotal is the least cart subtotal (all lines, before discounts).
	MinSubtotal money.Amount `json:"min_subtotal,omitzero"`
	// FirstOrderOnly limits the promotion to a customer's first order.
	FirstOrderOnly bool `json:"first_order_only,omitempty"`
	// StartsAt (inclusive) and EndsAt (exclusive) bound the valid period.
	StartsAt time.Time `json:"starts_at,omitzero"`
	EndsAt   time.Time `json:"ends_at,omitzero"`
	// UsageLimit caps the uses by all customers together.
	UsageLimit int64 `json:"usage_limit,omitempty"`
	// UsageLimitPerCustomer caps the uses by one customer.
	UsageLimitPerCustomer int64 `json:"usage_limit_per_customer,omitempty"`
	// Channels lists the channels the promotion is valid on; empty is all.
	Channels []string `json:"channels,omitempty"`
}

// Promotion is one discount rule, shared by every channel.
type Promotion struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Code must be entered or held in the wallet; empty makes the
	// promotion automatic. Codes compare case-insensitively.
	Code   string `json:"code,omitempty"`
	Kind   Kind   `json:"kind"`
	Target Target `json:"target"`
	// Percent is the percent_off rate.
	Percent money.Percent `json:"percent,omitempty"`
	// Amount is the amount_off value, or the free_shipping cap (zero:
	// all of the shipping).
	Amount money.Amount `json:"amount,omitzero"`
	// PerItem makes amount_off come off each target unit instead of once.
	PerItem    bool       `json:"per_item,omitempty"`
	BuyXGetY   BuyXGetY   `json:"buy_x_get_y,omitzero"`
	Tiers      []Tier     `json:"tiers,omitempty"`
	Conditions Conditions `json:"conditions,omitzero"`
	// Combinable promotions stack with each other; a promotion that is not
	// combinable (exclusive) only ever applies alone.
	Combinable bool `json:"combinable"`
	// Priority breaks ties between equally good choices: higher first,
	// then the smaller ID.
	Priority int `json:"priority"`
}
