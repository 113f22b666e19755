package dashboard

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
)

// Promotions is what the Promotions page needs from the promotion service.
type Promotions interface {
	List(ctx context.Context) ([]promotion.Stored, error)
	Create(ctx context.Context, p promo.Promotion) (promotion.Stored, error)
}

// promotionKinds are the kinds the create form offers.
var promotionKinds = []string{string(promo.KindPercentOff), string(promo.KindAmountOff), string(promo.KindFreeShipping)}

func (h *Handler) mountPromotions(mux *http.ServeMux, s section) {
	mux.Handle("GET /promotions", h.guard(s.roles, h.promotions))
	mux.Handle("POST /promotions", h.guard(s.roles, h.createPromotion))
}

type promotionsView struct {
	Promotions []promotion.Stored
	Kinds      []string
	Channels   []string
	Form       promotionForm
	Created    string
	Now        time.Time
}

// promotionForm is the create form as typed.
type promotionForm struct {
	Name, Kind, Value, Currency, Code, MinSubtotal, Starts, Ends string
	Channels                                                     []string
	Combinable                                                   bool
	Error                                                        string
}

// Has reports whether channel ch is ticked.
func (f promotionForm) Has(ch string) bool {
	for _, c := range f.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

func (h *Handler) promotions(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.renderPromotions(w, r, req, http.StatusOK, promotionForm{Kind: string(promo.KindPercentOff), Currency: "EUR"})
}

func (h *Handler) renderPromotions(w http.ResponseWriter, r *http.Request, req *request, status int, f promotionForm) error {
	list, err := h.d.Promotions.List(r.Context())
	if err != nil {
		return err
	}
	v := promotionsView{Promotions: list, Kinds: promotionKinds, Channels: auth.Channels, Form: f,
		Created: r.URL.Query().Get("created"), Now: h.o.Now()}
	h.render(w, r, status, "promotions", h.withSession(view{Title: "Promotions", Active: "promotions", Data: v}, req))
	return nil
}

// createPromotion stores a promotion from the form; a bad field shows the
// form again with the problem named.
func (h *Handler) createPromotion(w http.ResponseWriter, r *http.Request, req *request) error {
	_ = r.ParseForm()
	f := promotionForm{Name: r.PostForm.Get("name"), Kind: r.PostForm.Get("kind"), Value: strings.TrimSpace(r.PostForm.Get("value")),
		Currency: strings.ToUpper(strings.TrimSpace(r.PostForm.Get("currency"))), Code: r.PostForm.Get("code"),
		MinSubtotal: strings.TrimSpace(r.PostForm.Get("min_subtotal")), Starts: r.PostForm.Get("starts"),
		Ends: r.PostForm.Get("ends"), Channels: r.PostForm["channels"], Combinable: r.PostForm.Get("combinable") != ""}
	p, err := f.promotion()
	var st promotion.Stored
	if err == nil {
		st, err = h.d.Promotions.Create(r.Context(), p)
	}
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Conflict) {
		f.Error = e.Message
		if e.Field != "" {
			f.Error = e.Field + ": " + e.Message
		}
		return h.renderPromotions(w, r, req, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/promotions?created="+st.ID+"#"+st.ID, http.StatusSeeOther)
	return nil
}

// promotion turns the form into a promotion on the whole order.
func (f promotionForm) promotion() (promo.Promotion, error) {
	p := promo.Promotion{Name: strings.TrimSpace(f.Name), Code: strings.TrimSpace(f.Code), Kind: promo.Kind(f.Kind),
		Target: promo.Target{Type: promo.TargetOrder}, Combinable: f.Combinable}
	switch p.Kind {
	case promo.KindPercentOff:
		pct, err := parsePercent(f.Value)
		if err != nil {
			return p, err
		}
		p.Percent = pct
	case promo.KindAmountOff, promo.KindFreeShipping:
		if f.Value != "" || p.Kind == promo.KindAmountOff {
			a, err := parseAmount("value", f.Value, f.Currency)
			if err != nil {
				return p, err
			}
			p.Amount = a
		}
	default:
		return p, errInvalid("kind", "choose percent_off, amount_off or free_shipping")
	}
	if f.MinSubtotal != "" {
		a, err := parseAmount("min_subtotal", f.MinSubtotal, f.Currency)
		if err != nil {
			return p, err
		}
		p.Conditions.MinSubtotal = a
	}
	var err error
	if p.Conditions.StartsAt, err = parseDay("starts", f.Starts); err != nil {
		return p, err
	}
	if p.Conditions.EndsAt, err = parseDay("ends", f.Ends); err != nil {
		return p, err
	}
	if !p.Conditions.EndsAt.IsZero() {
		p.Conditions.EndsAt = p.Conditions.EndsAt.AddDate(0, 0, 1) // the last day counts in full
	}
	p.Conditions.Channels = f.Channels
	return p, nil
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
