package sms

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// ErrInvalidPhone is matched (errors.Is) by every phone number error.
var ErrInvalidPhone = errors.New("invalid phone number")

var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// NormalizePhone parses s, a phone number as a person or platform writes it
// ("+44 20 7946 0958", "(415) 555-2671", "00 33 1 42 68 53 00"), and returns
// it in E.164 form ("+442079460958"). Numbers without an international prefix
// are read in defaultRegion, an ISO 3166-1 alpha-2 code such as "US"; it may
// be empty when s always carries its country code. The number must have a
// possible length for its country; whether it is assigned is not checked.
func NormalizePhone(s, defaultRegion string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrInvalidPhone)
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return "", fmt.Errorf("%w: unknown default region %q", ErrInvalidPhone, defaultRegion)
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil {
		if region == "" && !strings.HasPrefix(s, "+") {
			return "", fmt.Errorf("%w: %q has no country code and no default region was given", ErrInvalidPhone, s)
		}
		return "", fmt.Errorf("%w: %q: %v", ErrInvalidPhone, s, err)
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", fmt.Errorf("%w: %q has an unknown country code", ErrInvalidPhone, s)
	case phonenumbers.TOO_SHORT:
		return "", fmt.Errorf("%w: %q is too short", ErrInvalidPhone, s)
	case phonenumbers.TOO_LONG:
		return "", fmt.Errorf("%w: %q is too long", ErrInvalidPhone, s)
	default:
		return "", fmt.Errorf("%w: %q does not have a possible length", ErrInvalidPhone, s)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// checkE164 reports whether s is already a well-formed E.164 number with a
// known country code, as Twilio writes From and To.
func checkE164(s string) error {
	if !e164RE.MatchString(s) {
		return fmt.Errorf("%w: %q is not in E.164 form (+ and 7 to 15 digits)", ErrInvalidPhone, s)
	}
	num, err := phonenumbers.Parse(s, "")
	if err != nil || phonenumbers.GetRegionCodeForCountryCode(int(num.GetCountryCode())) == "ZZ" {
		return fmt.Errorf("%w: %q has an unknown country code", ErrInvalidPhone, s)
	}
	return nil
}
