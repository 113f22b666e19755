package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
)

// Promotions is what the Promotions pages need from the promotion service.
type Promotions interface {
	ListPage(ctx context.Context, o promotion.PageOptions) (promotion.Page, error)
	Get(ctx context.Context, id string) (promotion.Stored, error)
	Create(ctx context.Context, p promo.Promotion) (promotion.Stored, error)
	Update(ctx context.Context, id string, p promo.Promotion) (promotion.Stored, error)
	SetActive(ctx context.Context, id string, active bool) (promotion.Stored, error)
}

// promotionsPage is how many promotions the list shows at once.
const promotionsPage = 50

// promotionStates are the list's filter on whether a promotion is on.
var promotionStates = []string{"active", "inactive"}

func (h *Handler) mountPromotions(mux *http.ServeMux, s section) {
	mux.Handle("GET /promotions", h.guard(s.roles, h.promotions))
	mux.Handle("POST /promotions", h.guard(s.roles, h.createPromotion))
	mux.Handle("GET /promotions/{id}", h.guard(s.roles, h.editPromotion))
	mux.Handle("POST /promotions/{id}", h.guard(s.roles, h.updatePromotion))
	mux.Handle("POST /promotions/{id}/activate", h.guard(s.roles, h.switchPromotion(true)))
	mux.Handle("POST /promotions/{id}/deactivate", h.guard(s.roles, h.switchPromotion(false)))
}

// promotionsView is the list (a page of promotions and the create form) or,
// with Edit set, one promotion's edit page.
type promotionsView struct {
	Query, State string // the search and the filter
	States       []string
	Promotions   []promotion.Stored
	Next, First  string // the next page, and the first when this is not
	Here         string // this page, to come back to
	Created      string
	Switched     string
	Form         promotionFormView
	Edit         *promotion.Stored
	Saved        bool
}

// promotionFormView is the create or edit form with what it offers.
type promotionFormView struct {
	Form     promotionForm
	Kinds    []string
	Channels []string
	CSRF     string
}

func (h *Handler) promotions(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.renderPromotions(w, r, req, http.StatusOK, promotionForm{Kind: string(promo.KindPercentOff), Currency: "EUR"})
}

// renderPromotions shows a page of promotions, newest first, searched and
// filtered as the query says, above the create form.
func (h *Handler) renderPromotions(w http.ResponseWriter, r *http.Request, req *request, status int, f promotionForm) error {
	q := r.URL.Query()
	v := promotionsView{Query: strings.TrimSpace(q.Get("q")), State: q.Get("state"), States: promotionStates,
		Form:    promotionFormView{Form: f, Kinds: promotionKinds, Channels: auth.Channels, CSRF: req.csrf},
		Created: q.Get("created"), Switched: q.Get("switched")}
	if len(v.Query) > 200 {
		return errInvalid("q", "search for at most 200 characters")
	}
	o := promotion.PageOptions{Query: v.Query, After: q.Get("after"), Limit: promotionsPage}
	switch v.State {
	case "":
	case "active", "inactive":
		on := v.State == "active"
		o.Active = &on
	default:
		return errInvalid("state", "choose active or inactive")
	}
	page, err := h.d.Promotions.ListPage(r.Context(), o)
	if err != nil {
		return err
	}
	v.Promotions = page.Promotions
	link := func(after string) string {
		u := url.Values{}
		for k, val := range map[string]string{"q": v.Query, "state": v.State, "after": after} {
			if val != "" {
				u.Set(k, val)
			}
		}
		if len(u) == 0 {
			return "/promotions"
		}
		return "/promotions?" + u.Encode()
	}
	v.Here = link(o.After)
	if page.Next != "" {
		v.Next = link(page.Next)
	}
	if o.After != "" {
		v.First = link("")
	}
	h.render(w, r, status, "promotions", h.withSession(view{Title: "Promotions", Active: "promotions", Data: v}, req))
	return nil
}

// createPromotion stores a promotion from the form; a bad field shows the
// form again with the problem named.
func (h *Handler) createPromotion(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readPromotionForm(r, "")
	p := promo.Promotion{Target: promo.Target{Type: promo.TargetOrder}}
	err := f.apply(&p, promotionForm{})
	var st promotion.Stored
	if err == nil {
		st, err = h.d.Promotions.Create(r.Context(), p)
	}
	if msg, bad := formProblem(err); bad {
		f.Error = msg
		return h.renderPromotions(w, r, req, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/promotions?created="+url.QueryEscape(st.ID)+"#"+st.ID, http.StatusSeeOther)
	return nil
}

func (h *Handler) editPromotion(w http.ResponseWriter, r *http.Request, req *request) error {
	st, err := h.d.Promotions.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return h.renderPromotion(w, r, req, http.StatusOK, st, promotionFormOf(st))
}

func (h *Handler) renderPromotion(w http.ResponseWriter, r *http.Request, req *request, status int, st promotion.Stored, f promotionForm) error {
	v := promotionsView{Edit: &st, Form: promotionFormView{Form: f, Kinds: promotionKinds, Channels: auth.Channels, CSRF: req.csrf},
		Saved: r.URL.Query().Get("saved") != "", Switched: r.URL.Query().Get("switched")}
	h.render(w, r, status, "promotions", h.withSession(view{Title: "Edit " + st.Name, Active: "promotions", Data: v}, req))
	return nil
}

// updatePromotion replaces the promotion's definition with the form written
// onto it; its usage count stays.
func (h *Handler) updatePromotion(w http.ResponseWriter, r *http.Request, req *request) error {
	st, err := h.d.Promotions.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	was := promotionFormOf(st)
	f := readPromotionForm(r, st.ID)
	f.Active, f.Target = st.Active, was.Target
	if was.FixedKind() {
		f.Kind, f.Value = was.Kind, was.Value
	}
	p := st.Promotion
	err = f.apply(&p, was)
	if err == nil {
		_, err = h.d.Promotions.Update(r.Context(), st.ID, p)
	}
	if msg, bad := formProblem(err); bad {
		f.Error = msg
		return h.renderPromotion(w, r, req, http.StatusBadRequest, st, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/promotions/"+url.PathEscape(st.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}

// switchPromotion turns a promotion on or off and goes back to the page the
// button was on.
func (h *Handler) switchPromotion(active bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, req *request) error {
		st, err := h.d.Promotions.SetActive(r.Context(), r.PathValue("id"), active)
		if err != nil {
			return err
		}
		back := r.PostFormValue("back")
		if !strings.HasPrefix(back, "/promotions") || strings.HasPrefix(back, "/promotions/") && back != "/promotions/"+st.ID {
			back = "/promotions"
		}
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		http.Redirect(w, r, back+sep+"switched="+url.QueryEscape(st.ID)+"#"+st.ID, http.StatusSeeOther)
		return nil
	}
}
