package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/storefront"
)

// Consents records and reads customers' consent decisions.
type Consents interface {
	SetConsent(ctx context.Context, customerID string, c customer.Consent) error
	Get(ctx context.Context, id string) (customer.Profile, error)
}

// StoreConsentRequest is the visitor's decision about messages for one
// purpose on one channel: the newsletter box ticked at sign-up, a "text me
// about my order" switch.
type StoreConsentRequest struct {
	Channel string `json:"channel"` // email, sms or messenger
	Purpose string `json:"purpose"` // marketing or transactional
	Granted bool   `json:"granted"`
}

var (
	consentChannels = []string{"email", "sms", "messenger"}
	consentPurposes = []string{"marketing", "transactional"}
)

func storeConsentRoute(sf Storefront, visitor func(*http.Request) (storefront.Visitor, error),
	route func(method, path, summary string, req, resp any, h HandlerFunc) Route) Route {
	return route("POST", "/store/v1/consent", "Record the visitor's consent to messages for a purpose on a channel; returns every decision",
		StoreConsentRequest{}, []customer.Consent{}, JSON(func(r *http.Request) ([]customer.Consent, error) {
			v, err := visitor(r)
			if err != nil {
				return nil, err
			}
			var in StoreConsentRequest
			if err := DecodeJSON(r, &in); err != nil {
				return nil, err
			}
			if !slices.Contains(consentChannels, in.Channel) {
				return nil, apperr.InvalidField("channel", "unknown channel %q (want email, sms or messenger)", in.Channel)
			}
			if !slices.Contains(consentPurposes, in.Purpose) {
				return nil, apperr.InvalidField("purpose", "unknown purpose %q (want marketing or transactional)", in.Purpose)
			}
			err = sf.Consents.SetConsent(r.Context(), v.CustomerID, customer.Consent{Channel: in.Channel, Purpose: in.Purpose,
				Granted: in.Granted, Source: "storefront:" + v.KeyID, UpdatedAt: time.Now()})
			if err != nil {
				return nil, err
			}
			p, err := sf.Consents.Get(r.Context(), v.CustomerID)
			return p.Consent, err
		}))
}
