package analytics

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

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

// commerceKinds are the e-commerce event names, shared by types "track",
// "order" and "cart".
var commerceKinds = map[string]Kind{
	"Product Viewed": KindView, "Product Added": KindAdd, "Product Removed": KindRemove,
	"Checkout Started": KindCheckout, "Order Completed": KindOrder, "Order Refunded": KindRefund,
	"Promotion Viewed": KindPromo, "Promotion Clicked": KindPromo,
	"Coupon Applied": KindCoupon, "Coupon Entered": KindCoupon,
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
		return commerceKinds[name] // KindOther when absent
	}
	return KindOther
}

// kindSQL is Classify as an SQL expression over the events table's type and
// name columns, so that a replay reads a number instead of two strings.
func kindSQL() string {
	var b strings.Builder
	fmt.Fprintf(&b, "CASE WHEN type = 'message' THEN %d WHEN type IN ('page', 'screen') THEN %d ", KindMessage, KindPage)
	b.WriteString("WHEN type IN ('track', 'order', 'cart') THEN CASE name")
	for _, name := range sortedKeys(commerceKinds) {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", name, commerceKinds[name])
	}
	fmt.Fprintf(&b, " ELSE %d END ELSE %d END", KindOther, KindOther)
	return b.String()
}

// payloadSQL is true for the events whose payload a replay reads: those of
// the kinds that NeedsPayload.
func payloadSQL() string {
	var names []string
	for _, name := range sortedKeys(commerceKinds) {
		if commerceKinds[name].NeedsPayload() {
			names = append(names, "'"+name+"'")
		}
	}
	return "type = 'message' OR (type IN ('track', 'order', 'cart') AND name IN (" + strings.Join(names, ", ") + "))"
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

// props are the payload properties analytics reads.
type props struct {
	orderID, totalMinor, total, revenue, currency    gjson.Result
	coupon, couponID, code, codes, promotionID       gjson.Result
	promotionIDs, promotion, conversation, direction gjson.Result
}

func (p *props) set(key, v gjson.Result) bool {
	switch key.Str {
	case "order_id":
		p.orderID = v
	case "total_minor":
		p.totalMinor = v
	case "total":
		p.total = v
	case "revenue":
		p.revenue = v
	case "currency":
		p.currency = v
	case "coupon":
		p.coupon = v
	case "coupon_id":
		p.couponID = v
	case "code":
		p.code = v
	case "codes":
		p.codes = v
	case "promotion_id":
		p.promotionID = v
	case "promotion_ids":
		p.promotionIDs = v
	case "promotion":
		p.promotion = v
	case "conversation_id":
		p.conversation = v
	case "direction":
		p.direction = v
	}
	return true
}

// ParseFacts reads the facts of an event of kind k from its payload. The
// properties are read from "properties" when present (Segment's shape) and
// from the top level otherwise (Omni's message events). Amounts: total_minor
// (integer minor units) wins over total, which wins over revenue (both in
// major units, numbers or strings, converted exactly with the currency's
// exponent); a missing currency is defaultCurrency.
func ParseFacts(k Kind, payload []byte, defaultCurrency string) (Facts, error) {
	if len(payload) > 0 && !gjson.ValidBytes(payload) {
		return Facts{Minor: -1}, fmt.Errorf("parse payload: not valid JSON")
	}
	return parseFacts(k, string(payload), defaultCurrency)
}

// parseFacts reads the payload in one pass over its top-level members (and
// those of "properties"), without building a document. Payloads from the
// events table are valid JSON (ingest checks them), so it does not validate.
func parseFacts(k Kind, payload, defaultCurrency string) (Facts, error) {
	f := Facts{Minor: -1}
	if payload == "" {
		return f, nil
	}
	root := gjson.Parse(payload)
	if !root.IsObject() {
		return f, fmt.Errorf("parse payload: not a JSON object")
	}
	need := k.NeedsPayload()
	var top, inner props
	hasProps := false
	root.ForEach(func(key, v gjson.Result) bool {
		switch key.Str {
		case "properties":
			if v.IsObject() && need {
				hasProps = true
				v.ForEach(inner.set)
			}
		case "context":
			if c := v.Get("campaign"); c.IsObject() {
				f.Campaign = CampaignLabel(c.Get("name").String(), c.Get("source").String(), c.Get("medium").String())
			}
		default:
			if need {
				top.set(key, v)
			}
		}
		return true
	})
	if !need {
		return f, nil
	}
	p := &top
	if hasProps {
		p = &inner
	}
	f.OrderID = scalar(p.orderID)
	f.Conversation, f.Direction = scalar(p.conversation), strings.ToLower(scalar(p.direction))
	f.Currency = strings.ToUpper(scalar(p.currency))
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

func promoKeys(p *props) []string {
	var keys []string
	add := func(prefix, v string) {
		if v == "" {
			return
		}
		if prefix == "code:" {
			v = strings.ToLower(v)
		}
		if !slices.Contains(keys, prefix+v) {
			keys = append(keys, prefix+v)
		}
	}
	add("id:", scalar(p.promotionID))
	add("id:", scalar(p.promotion))
	p.promotionIDs.ForEach(func(_, v gjson.Result) bool { add("id:", scalar(v)); return true })
	add("code:", scalar(p.coupon))
	add("code:", scalar(p.couponID))
	add("code:", scalar(p.code))
	p.codes.ForEach(func(_, v gjson.Result) bool { add("code:", scalar(v)); return true })
	return keys
}

func orderAmount(p *props, currency string) (int64, error) {
	if v := scalar(p.totalMinor); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("total_minor %q is not a whole number", v)
		}
		return n, nil
	}
	major := scalar(p.total)
	if major == "" {
		major = scalar(p.revenue)
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

// scalar returns a JSON string's value (trimmed) or a number's text; "" for
// anything else.
func scalar(v gjson.Result) string {
	switch v.Type {
	case gjson.String:
		return strings.TrimSpace(v.Str)
	case gjson.Number:
		return v.Raw
	}
	return ""
}
