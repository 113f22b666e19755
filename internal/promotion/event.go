package promotion

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// LandingParam is the URL query parameter that carries a promotion code on
// a landing page, e.g. https://shop.example/p/mug?omni_promo=SUMMER10.
const LandingParam = "omni_promo"

// trackedEvent is the part of a Segment-shaped event that can carry a code.
type trackedEvent struct {
	Properties map[string]any `json:"properties"`
	Context    struct {
		Campaign map[string]any `json:"campaign"`
		Page     struct {
			URL    string `json:"url"`
			Search string `json:"search"`
		} `json:"page"`
	} `json:"context"`
}

// CodeFromEvent finds a promotion code in a tracked event (Segment's event
// JSON), looking in this order at:
//
//   - properties.promotion_code, properties.coupon, properties.promotion
//     (a code or a promotion id);
//   - context.campaign.promotion, which analytics.js fills from a
//     utm_promotion URL parameter;
//   - the omni_promo parameter of context.page.url, context.page.search or
//     properties.url.
//
// The source says how the customer met it: ad_click when the campaign
// medium is paid (cpc, ppc, paid, paid_social, display, social), email_link
// for the email medium, landing_url for a URL parameter, otherwise event.
func CodeFromEvent(payload []byte) (code, source string, ok bool) {
	var ev trackedEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return "", "", false
	}
	source = "event"
	if m, _ := ev.Context.Campaign["medium"].(string); m != "" {
		switch strings.ToLower(m) {
		case "cpc", "ppc", "paid", "paid_social", "paidsocial", "display", "social", "ad", "ads":
			source = "ad_click"
		case "email", "newsletter":
			source = "email_link"
		}
	}
	for _, k := range []string{"promotion_code", "coupon", "promotion"} {
		if v, _ := ev.Properties[k].(string); strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), source, true
		}
	}
	if v, _ := ev.Context.Campaign["promotion"].(string); strings.TrimSpace(v) != "" {
		return strings.TrimSpace(v), source, true
	}
	propURL, _ := ev.Properties["url"].(string)
	for _, raw := range []string{ev.Context.Page.URL, ev.Context.Page.Search, propURL} {
		if v := landingCode(raw); v != "" {
			if source == "event" {
				source = "landing_url"
			}
			return v, source, true
		}
	}
	return "", "", false
}

func landingCode(raw string) string {
	if raw == "" {
		return ""
	}
	query := raw
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		query = raw[i+1:]
	}
	if i := strings.IndexByte(query, '#'); i >= 0 {
		query = query[:i]
	}
	vals, err := url.ParseQuery(query)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(vals.Get(LandingParam))
}

// AttachFromEventTx attaches the promotion a tracked event carries (see
// CodeFromEvent) to the customer's wallet. Ingest calls it for every stored
// event; an event without a code, or with a code that cannot be attached
// (unknown, expired, exhausted), changes nothing and is not an error, because
// the event itself is valid.
func (s *Service) AttachFromEventTx(ctx context.Context, tx *store.Tx, customerID, channel string, payload []byte) (WalletEntry, bool, error) {
	code, source, ok := CodeFromEvent(payload)
	if !ok {
		return WalletEntry{}, false, nil
	}
	e, err := s.AttachTx(ctx, tx, customerID, code, channel, source)
	if err != nil {
		if _, isApp := apperr.As(err); isApp && apperr.CodeOf(err) != apperr.Internal {
			return WalletEntry{}, false, nil
		}
		return WalletEntry{}, false, err
	}
	return e, true, nil
}

// EventHook is a customer timeline hook (customer.Service.OnAppend): every
// tracked event that carries a promotion code (see CodeFromEvent) attaches
// the promotion to the wallet of the event's customer, on the event's
// channel, in the transaction that stores the event. Omni's own cart and
// order events are skipped.
func (s *Service) EventHook(ctx context.Context, tx *store.Tx, events []customer.Event) error {
	for _, e := range events {
		if e.Type == "cart" || e.Type == "order" || e.CustomerID == "" || !mayCarryCode(e.Payload) {
			continue
		}
		if _, _, err := s.AttachFromEventTx(ctx, tx, e.CustomerID, e.Channel, e.Payload); err != nil {
			return err
		}
	}
	return nil
}

// mayCarryCode is a cheap filter before decoding: every place CodeFromEvent
// looks at has one of these words in its key.
func mayCarryCode(payload []byte) bool {
	return bytes.Contains(payload, []byte("promotion")) || bytes.Contains(payload, []byte("coupon")) ||
		bytes.Contains(payload, []byte(LandingParam))
}
