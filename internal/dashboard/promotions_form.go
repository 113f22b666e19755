package dashboard

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
)

// promotionKinds are the kinds the form offers; a promotion of another kind
// (buy_x_get_y, tiered) keeps its kind and values when edited here.
var promotionKinds = []string{string(promo.KindPercentOff), string(promo.KindAmountOff), string(promo.KindFreeShipping)}

// promotionForm is the create or edit form as typed.
type promotionForm struct {
	ID, Name, Kind, Value, Currency, Code, MinSubtotal, Starts, Ends string
	UsageLimit, PerCustomer, Priority                                string
	Channels                                                         []string
	Combinable, PerItem, FirstOrderOnly, Active                      bool
	Target                                                           string // what it applies to, when edited
	Error                                                            string
}

// Has reports whether channel ch is ticked.
func (f promotionForm) Has(ch string) bool { return slices.Contains(f.Channels, ch) }

// FixedKind reports whether the promotion's kind is one the form does not
// offer: its kind and values are shown, not edited.
func (f promotionForm) FixedKind() bool { return !slices.Contains(promotionKinds, f.Kind) }

// readPromotionForm reads the posted form; id is the promotion edited, if any.
func readPromotionForm(r *http.Request, id string) promotionForm {
	_ = r.ParseForm()
	p := r.PostForm
	trim := func(k string) string { return strings.TrimSpace(p.Get(k)) }
	return promotionForm{ID: id, Name: p.Get("name"), Kind: p.Get("kind"), Value: trim("value"),
		Currency: strings.ToUpper(trim("currency")), Code: p.Get("code"), MinSubtotal: trim("min_subtotal"),
		Starts: p.Get("starts"), Ends: p.Get("ends"), UsageLimit: trim("usage_limit"), PerCustomer: trim("per_customer"),
		Priority: trim("priority"), Channels: p["channels"], Combinable: p.Get("combinable") != "",
		PerItem: p.Get("per_item") != "", FirstOrderOnly: p.Get("first_order_only") != ""}
}

// promotionFormOf fills the form with a stored promotion.
func promotionFormOf(st promotion.Stored) promotionForm {
	p, c := st.Promotion, st.Conditions
	f := promotionForm{ID: p.ID, Name: p.Name, Kind: string(p.Kind), Code: p.Code, Channels: c.Channels,
		Combinable: p.Combinable, PerItem: p.PerItem, FirstOrderOnly: c.FirstOrderOnly, Active: st.Active,
		Currency: first(string(p.Amount.Currency), string(c.MinSubtotal.Currency)),
		Starts:   formDay(c.StartsAt, 0), Ends: formDay(c.EndsAt, -time.Millisecond), Target: targetText(p.Target)}
	switch p.Kind {
	case promo.KindPercentOff:
		f.Value = strings.TrimSuffix(p.Percent.String(), "%")
	case promo.KindAmountOff, promo.KindFreeShipping:
		if !p.Amount.IsZero() {
			f.Value = majorUnits(p.Amount)
		}
	}
	if !c.MinSubtotal.IsZero() {
		f.MinSubtotal = majorUnits(c.MinSubtotal)
	}
	if c.UsageLimit > 0 {
		f.UsageLimit = strconv.FormatInt(c.UsageLimit, 10)
	}
	if c.UsageLimitPerCustomer > 0 {
		f.PerCustomer = strconv.FormatInt(c.UsageLimitPerCustomer, 10)
	}
	if p.Priority != 0 {
		f.Priority = strconv.Itoa(p.Priority)
	}
	if f.Currency == "" {
		f.Currency = "EUR"
	}
	return f
}

// targetText says which lines a promotion discounts.
func targetText(t promo.Target) string {
	switch {
	case len(t.ProductIDs) > 0:
		return strconv.Itoa(len(t.ProductIDs)) + " product(s): " + strings.Join(t.ProductIDs, ", ")
	case len(t.CollectionIDs) > 0:
		return strconv.Itoa(len(t.CollectionIDs)) + " collection(s): " + strings.Join(t.CollectionIDs, ", ")
	}
	return "the whole order"
}

// formDay shows t+shift as a date input's value; the zero time is empty.
func formDay(t time.Time, shift time.Duration) string {
	if t.IsZero() {
		return ""
	}
	return t.Add(shift).UTC().Format(time.DateOnly)
}

// apply writes the form onto p: a new promotion on the whole order, or the
// stored one being edited, whose target and (for kinds the form does not
// offer) values stay. was is the form as it was shown, so that a date left
// alone keeps the stored time of day.
func (f promotionForm) apply(p *promo.Promotion, was promotionForm) error {
	p.Name, p.Code, p.Combinable, p.PerItem = strings.TrimSpace(f.Name), strings.TrimSpace(f.Code), f.Combinable, f.PerItem
	if !was.FixedKind() || f.ID == "" {
		if err := f.applyKind(p); err != nil {
			return err
		}
	}
	c := &p.Conditions
	c.Channels, c.FirstOrderOnly, c.MinSubtotal = f.Channels, f.FirstOrderOnly, money.Amount{}
	if f.MinSubtotal != "" {
		a, err := parseAmount("min_subtotal", f.MinSubtotal, f.Currency)
		if err != nil {
			return err
		}
		c.MinSubtotal = a
	}
	var err error
	if f.Starts != was.Starts {
		if c.StartsAt, err = parseDay("starts", f.Starts); err != nil {
			return err
		}
	}
	if f.Ends != was.Ends {
		if c.EndsAt, err = parseDay("ends", f.Ends); err != nil {
			return err
		}
		if !c.EndsAt.IsZero() {
			c.EndsAt = c.EndsAt.AddDate(0, 0, 1) // the last day counts in full
		}
	}
	if c.UsageLimit, err = parseCount("usage_limit", f.UsageLimit); err != nil {
		return err
	}
	if c.UsageLimitPerCustomer, err = parseCount("per_customer", f.PerCustomer); err != nil {
		return err
	}
	if p.Priority = 0; f.Priority != "" {
		if p.Priority, err = strconv.Atoi(f.Priority); err != nil {
			return errInvalid("priority", "give a whole number")
		}
	}
	return nil
}

// applyKind sets the kind and its value.
func (f promotionForm) applyKind(p *promo.Promotion) error {
	p.Kind, p.Percent, p.Amount, p.BuyXGetY, p.Tiers = promo.Kind(f.Kind), 0, money.Amount{}, promo.BuyXGetY{}, nil
	switch p.Kind {
	case promo.KindPercentOff:
		pct, err := parsePercent(f.Value)
		if err != nil {
			return err
		}
		p.Percent = pct
	case promo.KindAmountOff, promo.KindFreeShipping:
		if f.Value != "" || p.Kind == promo.KindAmountOff {
			a, err := parseAmount("value", f.Value, f.Currency)
			if err != nil {
				return err
			}
			p.Amount = a
		}
	default:
		return errInvalid("kind", "choose percent_off, amount_off or free_shipping")
	}
	if p.PerItem && p.Kind != promo.KindAmountOff {
		return errInvalid("per_item", "only an amount off comes off each unit")
	}
	return nil
}

// parsePercent reads "15" or "12.5" as a percentage.
func parsePercent(s string) (money.Percent, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 100 {
		return 0, errInvalid("value", "give a percentage between 0 and 100, e.g. 15")
	}
	return money.Percent(v*100 + 0.5), nil
}

// parseAmount reads "5" or "4.99" in currency.
func parseAmount(field, s, currency string) (money.Amount, error) {
	a, err := money.Parse(s + " " + currency)
	if err != nil || !a.IsPositive() {
		return money.Amount{}, errInvalid(field, "give a positive amount such as 5.00 and a currency such as EUR")
	}
	return a, nil
}

// parseCount reads an optional whole number; empty is 0.
func parseCount(field, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, errInvalid(field, "give a whole number, 0 or more")
	}
	return n, nil
}

// parseDay reads a date input (YYYY-MM-DD) as midnight UTC; empty is no bound.
func parseDay(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, errInvalid(field, "give a date as YYYY-MM-DD")
	}
	return t, nil
}
