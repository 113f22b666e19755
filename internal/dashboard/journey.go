package dashboard

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/journey"
)

// journeyView is one journey's page: its results, its recent enrolments
// with their outcomes, and the edit form.
type journeyView struct {
	Journey    journey.Journey
	Rows       enrolmentRows
	State      string
	States     []string
	Form       journeyFormView
	Done       string // "created" or "saved" after a save
	Now        time.Time
	WaitText   string
	Currencies []string
}

// enrolmentRows are a page of enrolments and the link to the next.
type enrolmentRows struct {
	Enrolments []enrolmentRow
	More       string
	Now        time.Time
}

// enrolmentRow is an enrolment with the customer's name.
type enrolmentRow struct {
	journey.Enrolment
	Customer string
}

// journeyPage shows a journey; htmx asking for more enrolments gets only
// the next rows.
func (h *Handler) journeyPage(w http.ResponseWriter, r *http.Request, req *request) error {
	if isFragment(r) && r.URL.Query().Get("cursor") != "" {
		rows, err := h.enrolmentRows(r, r.PathValue("id"))
		if err != nil {
			return err
		}
		h.renderBlock(w, r, http.StatusOK, "journey", "enrolment-rows", rows)
		return nil
	}
	return h.renderJourney(w, r, req, http.StatusOK, r.PathValue("id"), nil)
}

func (h *Handler) renderJourney(w http.ResponseWriter, r *http.Request, req *request, status int, id string, f *journeyForm) error {
	j, err := h.d.Journeys.Get(r.Context(), id)
	if err != nil {
		return err
	}
	rows, err := h.enrolmentRows(r, id)
	if err != nil {
		return err
	}
	form := journeyFormOf(j)
	if f != nil {
		form = *f
	}
	q := r.URL.Query()
	v := journeyView{Journey: j, Rows: rows, State: q.Get("state"), States: journeyStates, Form: h.formView(form, req),
		Now: h.o.Now(), WaitText: waitText(j.WaitSeconds)}
	for _, done := range []string{"created", "saved"} {
		if q.Get(done) != "" {
			v.Done = done
		}
	}
	for cur := range j.Stats.Revenue {
		v.Currencies = append(v.Currencies, cur)
	}
	slices.Sort(v.Currencies)
	h.render(w, r, status, "journey", h.withSession(view{Title: j.Name, Active: "journeys", Data: v}, req))
	return nil
}

// enrolmentRows loads a page of a journey's enrolments, in the state and
// after the cursor of the request, with their customers' names.
func (h *Handler) enrolmentRows(r *http.Request, id string) (enrolmentRows, error) {
	q := r.URL.Query()
	state := q.Get("state")
	if state != "" && !slices.Contains(journeyStates, state) {
		return enrolmentRows{}, apperr.InvalidField("state", "choose waiting, sent, skipped or failed")
	}
	page, err := h.d.Journeys.Enrolments(r.Context(), id, state, enrolmentsShown, q.Get("cursor"))
	if err != nil {
		return enrolmentRows{}, err
	}
	out := enrolmentRows{Now: h.o.Now()}
	names := map[string]string{}
	for _, e := range page.Enrolments {
		name, ok := names[e.CustomerID]
		if !ok {
			if p, err := h.d.Customers.Get(r.Context(), e.CustomerID); err == nil {
				name = firstOf(p.Name, p.Email, p.Phone)
			}
			names[e.CustomerID] = name
		}
		out.Enrolments = append(out.Enrolments, enrolmentRow{Enrolment: e, Customer: name})
	}
	if page.Next != "" {
		out.More = "/journeys/" + url.PathEscape(id) + "?" + url.Values{"state": {state}, "cursor": {page.Next}}.Encode()
	}
	return out, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
