package promo

import (
	"fmt"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/money"
)

// check returns why promotion c cannot apply to cart p, or "" if it can
// as far as its conditions go. For ReasonMinSubtotalNotMet it also
// returns the missing amount in minor units.
func check(c *compiled, p *priced) (Reason, int64) {
	cond := &c.Conditions
	switch {
	case c.currency != "" && c.currency != p.Currency:
		return ReasonCurrencyMismatch, 0
	case !cond.StartsAt.IsZero() && p.Now.Before(cond.StartsAt):
		return ReasonNotStarted, 0
	case !cond.EndsAt.IsZero() && !p.Now.Before(cond.EndsAt):
		return ReasonExpired, 0
	case !channelAllowed(cond.Channels, p.Channel):
		return ReasonWrongChannel, 0
	case cond.UsageLimit > 0 && p.Customer.TotalUses[c.ID] >= cond.UsageLimit:
		return ReasonUsageExhausted, 0
	case cond.UsageLimitPerCustomer > 0 && p.Customer.Uses[c.ID] >= cond.UsageLimitPerCustomer:
		return ReasonCustomerLimit, 0
	case cond.FirstOrderOnly && !p.Customer.FirstOrder:
		return ReasonFirstOrderOnly, 0
	case p.subtotal < cond.MinSubtotal.Minor:
		return ReasonMinSubtotalNotMet, cond.MinSubtotal.Minor - p.subtotal
	}
	return "", 0
}

func channelAllowed(channels []string, channel string) bool {
	if len(channels) == 0 {
		return true
	}
	for _, ch := range channels {
		if strings.EqualFold(ch, channel) {
			return true
		}
	}
	return false
}

// message explains a rejection to the customer.
func message(code string, c *compiled, r Reason, missing money.Amount, p *priced, winner string) string {
	if c == nil {
		return fmt.Sprintf("code %s is not known", code)
	}
	cond := &c.Conditions
	switch r {
	case ReasonCurrencyMismatch:
		return fmt.Sprintf("code %s is for %s carts, this cart is in %s", code, c.currency, p.Currency)
	case ReasonNotStarted:
		return fmt.Sprintf("code %s is valid from %s", code, cond.StartsAt.UTC().Format(time.RFC3339))
	case ReasonExpired:
		return fmt.Sprintf("code %s expired at %s", code, cond.EndsAt.UTC().Format(time.RFC3339))
	case ReasonWrongChannel:
		return fmt.Sprintf("code %s is valid on %s, not on %q", code, strings.Join(cond.Channels, ", "), p.Channel)
	case ReasonUsageExhausted:
		return fmt.Sprintf("code %s has been used the maximum of %d times", code, cond.UsageLimit)
	case ReasonCustomerLimit:
		return fmt.Sprintf("code %s can be used %d time(s) per customer", code, cond.UsageLimitPerCustomer)
	case ReasonFirstOrderOnly:
		return fmt.Sprintf("code %s is for a first order only", code)
	case ReasonMinSubtotalNotMet:
		return fmt.Sprintf("add %v more to use code %s (minimum %v)", missing, code, cond.MinSubtotal)
	case ReasonNoEligibleItems:
		return fmt.Sprintf("code %s does not apply to any item in the cart", code)
	case ReasonNoDiscount:
		return fmt.Sprintf("code %s gives no further discount on this cart", code)
	case ReasonNotCombinable:
		return fmt.Sprintf("code %s cannot be combined with %s, which gives the better discount", code, winner)
	}
	return string(r)
}
