// Package identity resolves every identifier a customer shows on any channel —
// anonymous web id, user id, email, phone, Messenger PSID, device id, loyalty
// card, marketplace buyer id — to one customer profile. When one call carries
// identifiers of two profiles, the profiles merge, within per-type limits that
// keep a shared device from gluing different people together. Every merge is
// logged with its reason.
package identity

import (
	"fmt"
	"net/mail"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/omni-hq/omni/internal/apperr"
)

// Type is a kind of identifier.
type Type string

// The identifier types, in priority order: when profiles conflict, the one
// holding the higher-priority identifier wins.
const (
	UserID        Type = "user_id"
	Email         Type = "email"
	Phone         Type = "phone"
	LoyaltyCard   Type = "loyalty_card"
	MarketplaceID Type = "marketplace_buyer_id"
	MessengerPSID Type = "messenger_psid"
	DeviceID      Type = "device_id"
	AnonymousID   Type = "anonymous_id"
)

// Types lists every identifier type, highest priority first.
var Types = []Type{UserID, Email, Phone, LoyaltyCard, MarketplaceID, MessengerPSID, DeviceID, AnonymousID}

// Priority is the rank of t: lower is stronger.
func (t Type) Priority() int {
	for i, x := range Types {
		if x == t {
			return i
		}
	}
	return len(Types)
}

// Identifier is one normalised identifier.
type Identifier struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
}

func (i Identifier) String() string { return string(i.Type) + ":" + i.Value }

// DefaultRegion is the region assumed for phone numbers written without a
// country code.
const DefaultRegion = "US"

// maxValueLen bounds identifier values.
const maxValueLen = 256

// New returns the normalised identifier: emails trimmed and lower-cased, phone
// numbers in E.164, other values trimmed. It fails on values that cannot be
// identifiers.
func New(t Type, value string) (Identifier, error) {
	v := strings.TrimSpace(value)
	if v == "" {
		return Identifier{}, apperr.InvalidField(string(t), "is empty")
	}
	if len(v) > maxValueLen {
		return Identifier{}, apperr.InvalidField(string(t), "is longer than %d characters", maxValueLen)
	}
	switch t {
	case Email:
		v = strings.ToLower(v)
		addr, err := mail.ParseAddress(v)
		if err != nil || addr.Address != v || !strings.Contains(v, "@") {
			return Identifier{}, apperr.InvalidField(string(t), "%q is not an email address", value)
		}
	case Phone:
		e164, err := NormalizePhone(v, DefaultRegion)
		if err != nil {
			return Identifier{}, err
		}
		v = e164
	case UserID, LoyaltyCard, MarketplaceID, MessengerPSID, DeviceID, AnonymousID:
	default:
		return Identifier{}, apperr.InvalidField("type", "unknown identifier type %q", t)
	}
	return Identifier{Type: t, Value: v}, nil
}

// ParseType validates an identifier type name.
func ParseType(s string) (Type, error) {
	t := Type(s)
	if t.Priority() == len(Types) {
		return "", apperr.InvalidField("type", "unknown identifier type %q", s)
	}
	return t, nil
}

// NormalizePhone returns the E.164 form of a phone number; numbers without a
// country code are read as numbers of region.
func NormalizePhone(s, region string) (string, error) {
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", apperr.InvalidField(string(Phone), "%q is not a phone number", s)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// Limits caps how many identifiers of each type one profile may hold. A merge
// or attachment that would exceed a limit does not happen: a profile holds at
// most one user_id, so two signed-in people sharing a computer (one
// anonymous_id) stay two profiles.
type Limits map[Type]int

// DefaultLimits are the limits used unless configured otherwise.
func DefaultLimits() Limits {
	return Limits{
		UserID:        1,
		Email:         5,
		Phone:         5,
		LoyaltyCard:   1,
		MarketplaceID: 10,
		MessengerPSID: 5,
		DeviceID:      20,
		AnonymousID:   200,
	}
}

// ParseLimits reads "user_id=1,email=3" over the defaults.
func ParseLimits(s string) (Limits, error) {
	l := DefaultLimits()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, ok := strings.Cut(part, "=")
		t, err := ParseType(strings.TrimSpace(name))
		var n int
		if ok && err == nil {
			_, err = fmt.Sscanf(strings.TrimSpace(val), "%d", &n)
		}
		if !ok || err != nil || n < 1 {
			return nil, apperr.InvalidField("identity-limits", "%q: want type=N with N ≥ 1", part)
		}
		l[t] = n
	}
	return l, nil
}

func notFound(customerID string) error {
	return apperr.NotFoundf("no customer %s", customerID)
}
