package promo

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/omni-hq/omni/internal/money"
)

// ErrInvalidPromotion is wrapped by every error Promotion.Validate returns.
var ErrInvalidPromotion = errors.New("invalid promotion")

// ErrInvalidCart is wrapped by every error about a malformed Cart.
var ErrInvalidCart = errors.New("invalid cart")

func invalid(p *Promotion, format string, args ...any) error {
	return fmt.Errorf("promotion %q: %s: %w", p.ID, fmt.Sprintf(format, args...), ErrInvalidPromotion)
}

// Validate reports the first problem that keeps p from being evaluated:
// missing ID, unknown kind or target, values out of range for the kind,
// fields that do not belong to the kind, or money in several currencies.
func (p *Promotion) Validate() error {
	if p.ID == "" {
		return invalid(p, "id is empty")
	}
	if strings.IndexFunc(p.Code, unicode.IsSpace) >= 0 {
		return invalid(p, "code %q contains white space", p.Code)
	}
	if err := p.validateTarget(); err != nil {
		return err
	}
	if err := p.validateKind(); err != nil {
		return err
	}
	if err := p.validateConditions(); err != nil {
		return err
	}
	_, err := p.currency()
	return err
}

func (p *Promotion) validateTarget() error {
	t := p.Target
	for _, id := range append(t.ProductIDs[:len(t.ProductIDs):len(t.ProductIDs)], t.CollectionIDs...) {
		if id == "" {
			return invalid(p, "target has an empty id")
		}
	}
	switch t.Type {
	case TargetOrder:
		if len(t.ProductIDs)+len(t.CollectionIDs) > 0 {
			return invalid(p, "order target lists product or collection ids")
		}
	case TargetProducts:
		if len(t.ProductIDs) == 0 || len(t.CollectionIDs) > 0 {
			return invalid(p, "products target needs product ids and no collection ids")
		}
	case TargetCollections:
		if len(t.CollectionIDs) == 0 || len(t.ProductIDs) > 0 {
			return invalid(p, "collections target needs collection ids and no product ids")
		}
	default:
		return invalid(p, "unknown target type %q", t.Type)
	}
	return nil
}

func validPercent(v money.Percent) bool { return v > 0 && v <= money.Hundred }

func (p *Promotion) validateKind() error {
	hasPercent, hasAmount := p.Percent != 0, p.Amount != (money.Amount{})
	hasBXGY, hasTiers := p.BuyXGetY != (BuyXGetY{}), len(p.Tiers) > 0
	var ok bool
	switch p.Kind {
	case KindPercentOff:
		ok = validPercent(p.Percent) && !hasAmount && !hasBXGY && !hasTiers
	case KindAmountOff:
		ok = p.Amount.IsPositive() && !hasPercent && !hasBXGY && !hasTiers
	case KindFreeShipping:
		ok = !p.Amount.IsNegative() && !hasPercent && !hasBXGY && !hasTiers
	case KindBuyXGetY:
		b := p.BuyXGetY
		ok = b.Buy > 0 && b.Get > 0 && b.Buy <= MaxQuantity && b.Get <= MaxQuantity &&
			validPercent(b.Percent) && !hasPercent && !hasAmount && !hasTiers
	case KindTiered:
		if err := p.validateTiers(); err != nil {
			return err
		}
		ok = !hasPercent && !hasAmount && !hasBXGY
	default:
		return invalid(p, "unknown kind %q", p.Kind)
	}
	if !ok {
		return invalid(p, "%s needs %s and no other value", p.Kind, kindNeeds[p.Kind])
	}
	if p.PerItem && p.Kind != KindAmountOff {
		return invalid(p, "per_item only applies to amount_off")
	}
	return nil
}

var kindNeeds = map[Kind]string{
	KindPercentOff:   "a percent in (0%, 100%]",
	KindAmountOff:    "a positive amount",
	KindFreeShipping: "at most a non-negative cap amount",
	KindBuyXGetY:     "buy and get in [1, MaxQuantity] and a percent in (0%, 100%]",
	KindTiered:       "tiers",
}

func (p *Promotion) validateTiers() error {
	if len(p.Tiers) == 0 {
		return invalid(p, "tiered needs at least one tier")
	}
	for i, t := range p.Tiers {
		if !t.Threshold.IsPositive() {
			return invalid(p, "tier %d threshold must be positive", i)
		}
		if i > 0 && t.Threshold.Minor <= p.Tiers[i-1].Threshold.Minor {
			return invalid(p, "tier %d threshold must exceed tier %d's", i, i-1)
		}
		percent, amount := t.Percent != 0, t.Amount != (money.Amount{})
		if percent == amount || (percent && !validPercent(t.Percent)) || (amount && !t.Amount.IsPositive()) {
			return invalid(p, "tier %d needs either a percent in (0%%, 100%%] or a positive amount", i)
		}
	}
	return nil
}

func (p *Promotion) validateConditions() error {
	c := p.Conditions
	if c.MinSubtotal.IsNegative() {
		return invalid(p, "min subtotal is negative")
	}
	if !c.StartsAt.IsZero() && !c.EndsAt.IsZero() && !c.EndsAt.After(c.StartsAt) {
		return invalid(p, "ends_at must be after starts_at")
	}
	if c.UsageLimit < 0 || c.UsageLimitPerCustomer < 0 {
		return invalid(p, "usage limits must not be negative")
	}
	for _, ch := range c.Channels {
		if ch == "" {
			return invalid(p, "empty channel name")
		}
	}
	return nil
}

// currency returns the one currency of p's non-zero money values, or ""
// when p has none (a percentage promotion valid in every currency).
func (p *Promotion) currency() (money.Currency, error) {
	var cur money.Currency
	check := func(what string, a money.Amount) error {
		if a.IsZero() {
			return nil
		}
		if !a.Currency.Valid() {
			return invalid(p, "%s has unknown currency %q", what, a.Currency)
		}
		if cur != "" && a.Currency != cur {
			return invalid(p, "%s is in %s, other values in %s", what, a.Currency, cur)
		}
		cur = a.Currency
		return nil
	}
	if err := check("amount", p.Amount); err != nil {
		return "", err
	}
	if err := check("min subtotal", p.Conditions.MinSubtotal); err != nil {
		return "", err
	}
	for i, t := range p.Tiers {
		if err := check(fmt.Sprintf("tier %d threshold", i), t.Threshold); err != nil {
			return "", err
		}
		if err := check(fmt.Sprintf("tier %d amount", i), t.Amount); err != nil {
			return "", err
		}
	}
	return cur, nil
}
