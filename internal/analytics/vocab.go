package analytics

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/omni-hq/omni/internal/money"
)

// Step is a stage of the purchase funnel.
type Step int

// The funnel steps, in order. StepNone marks events outside the funnel.
const (
	StepNone Step = iota
	StepView
	StepAdd
	StepCheckout
	StepPurchase
)

// Steps lists the funnel steps in order.
var Steps = []Step{StepView, StepAdd, StepCheckout, StepPurchase}

// String names the step as in reports.
func (s Step) String() string {
	return [...]string{"none", "view", "add_to_cart", "checkout", "purchase"}[s]
}

// Kind says what an event means to analytics.
type Kind int

// The kinds of events analytics tells apart.
const (
	KindOther    Kind = iota
	KindView          // Product Viewed
	KindAdd           // Product Added
	KindRemove        // Product Removed
	KindCheckout      // Checkout Started
	KindOrder         // Order Completed
	KindRefund        // Order Refunded
	KindPromo         // Promotion Viewed / Promotion Clicked
	KindCoupon        // Coupon Applied / Coupon Entered
	KindMessage       // an inbox message (type "message")
	KindPage          // a page or screen view
)

// Step returns the funnel step of events of this kind.
func (k Kind) Step() Step {
	switch k {
	case KindView:
		return StepView
	case KindAdd:
		return StepAdd
	case KindCheckout:
		return StepCheckout
	case KindOrder:
		return StepPurchase
	}
	return StepNone
}

// Classify tells an event's kind from its type and name. Types "track",
// "order" and "cart" share the e-commerce names; "message" is an inbox
// message; "page" and "screen" are views of a page.
func Classify(typ, name string) Kind {
	switch typ {
	case "message":
		return KindMessage
	case "page", "screen":
		return KindPage
	case "track", "order", "cart":
	default:
		return KindOther
	}
	switch name {
	case "Product Viewed":
		return KindView
	case "Product Added":
		return KindAdd
	case "Product Removed":
		return KindRemove
	case "Checkout Started":
		return KindCheckout
	case "Order Completed":
		return KindOrder
	case "Order Refunded":
		return KindRefund
	case "Promotion Viewed", "Promotion Clicked":
		return KindPromo
	case "Coupon Applied", "Coupon Entered":
		return KindCoupon
	}
	return KindOther
}

// NeedsPayload reports whether facts of this kind come from the payload.
func (k Kind) NeedsPayload() bool {
	switch k {
	case KindOrder, KindRefund, KindPromo, KindCoupon, KindMessage:
		return true
	}
	return false
}

// RollupName is the event name daily rollups use: the event's own name for
// e-commerce and custom events, and fixed names for page and screen views
// (whose names are page titles) and for messages.
func RollupName(typ, name string, inbound bool) string {
	switch typ {
	case "page":
		return "Page Viewed"
	case "screen":
		return "Screen Viewed"
	case "message":
		if inbound {
			return "Message Received"
		}
		return "Message Sent"
	case "identify", "alias", "group":
		return strings.ToUpper(typ[:1]) + typ[1:]
	}
	if name == "" {
		return "(unnamed " + typ + ")"
	}
	return name
}

// Facts are what the payload of an order, refund, promotion, coupon or
// message event says.
type Facts struct {
	OrderID      string
	Minor        int64 // order total or refund amount in minor units; -1 when absent
	Currency     string
	Promos       []string // promotion keys: "id:<promotion_id>", "code:<lower-cased code>"
	Conversation string
	Direction    string // "in", "out" or "note"
	Campaign     string // context.campaign name, or source / medium when unnamed
}

// Inbound reports whether a message event came from the customer.
func (f Facts) Inbound() bool { return f.Direction == "in" || f.Direction == "inbound" }

type payloadDoc struct {
	Properties json.RawMessage `json:"properties"`
	Context    struct {
		Campaign struct {
			Name   string `json:"name"`
			Source string `json:"source"`
			Medium string `json:"medium"`
		} `json:"campaign"`
	} `json:"context"`
}

type propsDoc struct {
	OrderID        json.RawMessage `json:"order_id"`
	TotalMinor     json.RawMessage `json:"total_minor"`
	Total          json.RawMessage `json:"total"`
	Revenue        json.RawMessage `json:"revenue"`
	Currency       string          `json:"currency"`
	Coupon         string          `json:"coupon"`
	CouponID       string          `json:"coupon_id"`
	Code           string          `json:"code"`
	Codes          []string        `json:"codes"`
	PromotionID    string          `json:"promotion_id"`
	PromotionIDs   []string        `json:"promotion_ids"`
	Promotion      json.RawMessage `json:"promotion"`
	ConversationID string          `json:"conversation_id"`
	Direction      string          `json:"direction"`
}

// ParseFacts reads the facts of an event of kind k from its payload. The
// properties are read from "properties" when present (Segment's shape) and
// from the top level otherwise (Omni's message events). Amounts: total_minor
// (integer minor units) wins over total, which wins over revenue (both in
// major units, numbers or strings, converted exactly with the currency's
// exponent); a missing currency is defaultCurrency.
func ParseFacts(k Kind, payload []byte, defaultCurrency string) (Facts, error) {
	f := Facts{Minor: -1}
	if len(payload) == 0 {
		return f, nil
	}
	var doc payloadDoc
	if err := json.Unmarshal(payload, &doc); err != nil {
		return f, fmt.Errorf("parse payload: %w", err)
	}
	c := doc.Context.Campaign
	f.Campaign = CampaignLabel(c.Name, c.Source, c.Medium)
	if !k.NeedsPayload() {
		return f, nil
	}
	raw := doc.Properties
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = payload
	}
	var p propsDoc
	if err := json.Unmarshal(raw, &p); err != nil {
		return f, fmt.Errorf("parse properties: %w", err)
	}
	f.OrderID = scalarString(p.OrderID)
	f.Conversation, f.Direction = p.ConversationID, strings.ToLower(p.Direction)
	f.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if f.Currency == "" {
		f.Currency = defaultCurrency
	}
	f.Promos = promoKeys(p)
	if k == KindOrder || k == KindRefund {
		minor, err := orderAmount(p, f.Currency)
		if err != nil {
			return f, err
		}
		f.Minor = minor
	}
	return f, nil
}

// CampaignLabel names a campaign touchpoint: its name, or "source / medium"
// when it has none, or "" when there is no campaign.
func CampaignLabel(name, source, medium string) string {
	if name != "" {
		return name
	}
	if source == "" && medium == "" {
		return ""
	}
	return source + " / " + medium
}

func promoKeys(p propsDoc) []string {
	var keys []string
	add := func(prefix, v string) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		if prefix == "code:" {
			v = strings.ToLower(v)
		}
		for _, k := range keys {
			if k == prefix+v {
				return
			}
		}
		keys = append(keys, prefix+v)
	}
	add("id:", p.PromotionID)
	for _, id := range p.PromotionIDs {
		add("id:", id)
	}
	add("code:", p.Coupon)
	add("code:", p.CouponID)
	add("code:", p.Code)
	for _, c := range p.Codes {
		add("code:", c)
	}
	if s := scalarString(p.Promotion); s != "" {
		add("id:", s)
	}
	return keys
}

func orderAmount(p propsDoc, currency string) (int64, error) {
	if v := scalarString(p.TotalMinor); v != "" {
		var n big.Int
		if _, ok := n.SetString(v, 10); !ok || !n.IsInt64() {
			return 0, fmt.Errorf("total_minor %q is not a whole number", v)
		}
		return n.Int64(), nil
	}
	major := scalarString(p.Total)
	if major == "" {
		major = scalarString(p.Revenue)
	}
	if major == "" {
		return -1, nil
	}
	exp := 2
	if e, err := money.Currency(currency).Exponent(); err == nil {
		exp = e
	}
	return MajorToMinor(major, exp)
}

// MajorToMinor converts a decimal amount in major units ("19.99", "1e2",
// "-5") to minor units with the given exponent, exactly, rounding any finer
// digits half away from zero.
func MajorToMinor(s string, exp int) (int64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(s))
	if !ok {
		return 0, fmt.Errorf("amount %q is not a number", s)
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil)))
	num, den := new(big.Int).Set(r.Num()), r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if rem.Lsh(rem, 1).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("amount %q is too large", s)
	}
	if neg {
		return -q.Int64(), nil
	}
	return q.Int64(), nil
}

// scalarString returns a JSON string's value or a number's text.
func scalarString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
		return ""
	}
	if raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
		return string(raw)
	}
	return ""
}
