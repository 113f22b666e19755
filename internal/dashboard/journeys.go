package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/marketing"
)

// Journeys is what the Journeys pages need from the journey service.
type Journeys interface {
	List(ctx context.Context) ([]journey.Journey, error)
	Get(ctx context.Context, id string) (journey.Journey, error)
	Create(ctx context.Context, in journey.Input) (journey.Journey, error)
	Update(ctx context.Context, id string, in journey.Input) (journey.Journey, error)
	Enrolments(ctx context.Context, id, state string, limit int, cursor string) (journey.EnrolmentPage, error)
}

var (
	journeyKinds  = []string{string(journey.AbandonedCart), string(journey.BrowseAbandonment)}
	journeyStates = []string{journey.Waiting, journey.Sent, journey.Skipped, journey.Failed}
)

// enrolmentsShown is the size of a page of enrolments on a journey's page.
const enrolmentsShown = 25

func (h *Handler) mountJourneys(mux *http.ServeMux, s section) {
	mux.Handle("GET /journeys", h.guard(s.roles, h.journeys))
	mux.Handle("POST /journeys", h.guard(s.roles, h.createJourney))
	mux.Handle("GET /journeys/{id}", h.guard(s.roles, h.journeyPage))
	mux.Handle("POST /journeys/{id}", h.guard(s.roles, h.updateJourney))
}

// journeyFormView is the create or edit form with what it offers.
type journeyFormView struct {
	Form     journeyForm
	Kinds    []string
	Channels []string
	CSRF     string
}

type journeysView struct {
	Journeys []journey.Journey
	Form     journeyFormView
}

func (h *Handler) journeys(w http.ResponseWriter, r *http.Request, req *request) error {
	f := journeyForm{Kind: string(journey.AbandonedCart), WaitMinutes: "60", CapMessages: "2", CapDays: "7", Enabled: true}
	return h.renderJourneys(w, r, req, http.StatusOK, f)
}

func (h *Handler) renderJourneys(w http.ResponseWriter, r *http.Request, req *request, status int, f journeyForm) error {
	list, err := h.d.Journeys.List(r.Context())
	if err != nil {
		return err
	}
	v := journeysView{Journeys: list, Form: h.formView(f, req)}
	h.render(w, r, status, "journeys", h.withSession(view{Title: "Journeys", Active: "journeys", Data: v}, req))
	return nil
}

func (h *Handler) formView(f journeyForm, req *request) journeyFormView {
	return journeyFormView{Form: f, Kinds: journeyKinds, Channels: marketing.Channels, CSRF: req.csrf}
}

// createJourney stores a journey from the form and opens its page; a bad
// field shows the form again (in place, for htmx) with the problem named.
func (h *Handler) createJourney(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readJourneyForm(r)
	in, err := f.input()
	var j journey.Journey
	if err == nil {
		j, err = h.d.Journeys.Create(r.Context(), in)
	}
	if msg, bad := formProblem(err); bad {
		f.Error = msg
		if isFragment(r) {
			h.renderBlock(w, r, http.StatusOK, "journeys", "journey-form", h.formView(f, req))
			return nil
		}
		return h.renderJourneys(w, r, req, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	return h.toJourney(w, r, j.ID, "created")
}

func (h *Handler) updateJourney(w http.ResponseWriter, r *http.Request, req *request) error {
	id := r.PathValue("id")
	f := readJourneyForm(r)
	f.ID = id
	in, err := f.input()
	if err == nil {
		_, err = h.d.Journeys.Update(r.Context(), id, in)
	}
	if msg, bad := formProblem(err); bad {
		f.Error = msg
		if isFragment(r) {
			h.renderBlock(w, r, http.StatusOK, "journey", "journey-form", h.formView(f, req))
			return nil
		}
		return h.renderJourney(w, r, req, http.StatusBadRequest, id, &f)
	}
	if err != nil {
		return err
	}
	return h.toJourney(w, r, id, "saved")
}

// toPage opens a page after a save: htmx navigates there, a plain form
// follows the redirect.
func toPage(w http.ResponseWriter, r *http.Request, target string) error {
	if isFragment(r) {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// toJourney opens a journey's page after a save.
func (h *Handler) toJourney(w http.ResponseWriter, r *http.Request, id, done string) error {
	return toPage(w, r, "/journeys/"+url.PathEscape(id)+"?"+done+"=1")
}

// formProblem turns a bad-input error into the message the form shows.
func formProblem(err error) (string, bool) {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return "", false
	}
	if e.Field != "" {
		return e.Field + ": " + e.Message, true
	}
	return e.Message, true
}

// journeyForm is the journey form as typed.
type journeyForm struct {
	ID, Name, Kind, WaitMinutes, Subject, Template   string
	CapMessages, CapDays, QuietStart, QuietEnd, Zone string
	Channels                                         []string
	Enabled                                          bool
	Error                                            string
}

// Has reports whether channel ch is ticked.
func (f journeyForm) Has(ch string) bool {
	for _, c := range f.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

func readJourneyForm(r *http.Request) journeyForm {
	_ = r.ParseForm()
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	return journeyForm{Name: get("name"), Kind: get("kind"), WaitMinutes: get("wait_minutes"), Subject: r.PostForm.Get("subject"),
		Template: r.PostForm.Get("template"), CapMessages: get("cap_messages"), CapDays: get("cap_days"),
		QuietStart: get("quiet_start"), QuietEnd: get("quiet_end"), Zone: get("time_zone"),
		Channels: r.PostForm["channels"], Enabled: r.PostForm.Get("enabled") != ""}
}

// input reads the form's numbers; the journey service checks the rest.
func (f journeyForm) input() (journey.Input, error) {
	in := journey.Input{Name: f.Name, Kind: journey.Kind(f.Kind), Subject: f.Subject, Template: f.Template, Enabled: f.Enabled,
		Channels: f.Channels, Quiet: marketing.QuietHours{Start: f.QuietStart, End: f.QuietEnd, TimeZone: f.Zone}}
	wait, err := formNumber("wait_minutes", f.WaitMinutes, "give the wait in whole minutes, e.g. 60")
	if err != nil {
		return in, err
	}
	in.WaitSeconds = wait * 60
	msgs, err := formNumber("cap_messages", f.CapMessages, "give the most messages as a whole number, e.g. 2")
	if err != nil {
		return in, err
	}
	days, err := formNumber("cap_days", f.CapDays, "give the days as a whole number, e.g. 7")
	if err != nil {
		return in, err
	}
	in.Cap = marketing.FrequencyCap{Messages: int(msgs), Days: int(days)}
	return in, nil
}

// formNumber reads an optional positive whole number (0 when empty).
func formNumber(field, s, msg string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, errInvalid(field, msg)
	}
	return n, nil
}

func journeyFormOf(j journey.Journey) journeyForm {
	return journeyForm{ID: j.ID, Name: j.Name, Kind: string(j.Kind), WaitMinutes: strconv.FormatInt(j.WaitSeconds/60, 10),
		Subject: j.Subject, Template: j.Template, CapMessages: strconv.Itoa(j.Cap.Messages), CapDays: strconv.Itoa(j.Cap.Days),
		QuietStart: j.Quiet.Start, QuietEnd: j.Quiet.End, Zone: j.Quiet.TimeZone, Channels: j.Channels, Enabled: j.Enabled}
}

// waitText shows a wait in hours and minutes: "1 h", "90 min", "2 h 30 min".
func waitText(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	h, m := int(d.Hours()), int(d.Minutes())%60
	switch {
	case h == 0:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case m == 0:
		return strconv.Itoa(h) + " h"
	}
	return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
}
