package dashboard

import (
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/httpapi"
)

// campaignView is one campaign's page: its results, what it sends, the
// buttons its status allows and, until it starts, the edit form.
type campaignView struct {
	Campaign   campaign.Campaign
	Segment    string
	Preview    campaignPreview   // the message a member gets, and the audience now
	Form       *campaignFormView // the edit form, while the campaign may change
	Done       string            // what the last action did: created, saved, sending, scheduled, cancelled
	Problem    string            // why the last action was refused
	Reasons    []reasonCount
	Currencies []string
	SendAt     string // the schedule form's suggested time, UTC
	CSRF       string
}

// reasonCount is how many recipients were skipped for one reason.
type reasonCount struct {
	Reason string
	Count  int64
}

// campaignDone are the outcomes the page confirms after a redirect.
var campaignDone = []string{"created", "saved", "sending", "scheduled", "cancelled"}

func (h *Handler) campaignPage(w http.ResponseWriter, r *http.Request, req *request) error {
	v, err := h.campaignView(r, req, r.PathValue("id"), nil)
	if err != nil {
		return err
	}
	for _, d := range campaignDone {
		if r.URL.Query().Get(d) != "" {
			v.Done = d
		}
	}
	h.render(w, r, http.StatusOK, "campaign", h.withSession(view{Title: v.Campaign.Name, Active: "campaigns", Data: v}, req))
	return nil
}

// refused shows a campaign after a refused change, with the reason: in the
// edit form as typed (f) while the campaign may change, else above it.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, req *request, id string, err error, f *campaignForm) error {
	msg, _ := actionProblem(err)
	v, verr := h.campaignView(r, req, id, f)
	if verr != nil {
		return verr
	}
	if v.Form == nil || f == nil {
		v.Problem = msg
	}
	e, _ := apperr.As(err)
	h.render(w, r, httpapi.Status(e.Code), "campaign", h.withSession(view{Title: v.Campaign.Name, Active: "campaigns", Data: v}, req))
	return nil
}

func (h *Handler) campaignView(r *http.Request, req *request, id string, f *campaignForm) (campaignView, error) {
	ctx := r.Context()
	c, err := h.d.Campaigns.Get(ctx, id)
	if err != nil {
		return campaignView{}, err
	}
	names, err := h.segmentNames(ctx)
	if err != nil {
		return campaignView{}, err
	}
	v := campaignView{Campaign: c, Segment: names[c.SegmentID], CSRF: req.csrf,
		SendAt: h.o.Now().UTC().Add(time.Hour).Truncate(time.Hour).Format("2006-01-02T15:04")}
	p, err := h.d.Campaigns.PreviewOf(ctx, id)
	if msg, bad := actionProblem(err); bad {
		v.Preview.Error = msg
	} else if err != nil {
		return campaignView{}, err
	}
	v.Preview.Preview = p
	if c.Editable() {
		form := campaignFormOf(c)
		if f != nil {
			form = *f
		}
		fv, err := h.campaignFormView(r, form, req)
		if err != nil {
			return campaignView{}, err
		}
		v.Form = &fv
	}
	for reason, n := range c.Stats.SkippedBy {
		v.Reasons = append(v.Reasons, reasonCount{reason, n})
	}
	slices.SortFunc(v.Reasons, func(a, b reasonCount) int { return strings.Compare(a.Reason, b.Reason) })
	for cur := range c.Stats.Revenue {
		v.Currencies = append(v.Currencies, cur)
	}
	slices.Sort(v.Currencies)
	return v, nil
}

// campaignAction sends, schedules or cancels a campaign, then shows it; a
// refused action shows the page with the reason.
func (h *Handler) campaignAction(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx, id := r.Context(), r.PathValue("id")
	_ = r.ParseForm()
	var err error
	var done string
	switch path.Base(r.URL.Path) {
	case "send":
		_, err = h.d.Campaigns.SendNow(ctx, id)
		done = "sending"
	case "schedule":
		var at time.Time
		if at, err = parseSendAt(r.PostForm.Get("send_at")); err == nil {
			_, err = h.d.Campaigns.Schedule(ctx, id, at)
		}
		done = "scheduled"
	case "cancel":
		_, err = h.d.Campaigns.Cancel(ctx, id)
		done = "cancelled"
	}
	if _, bad := actionProblem(err); bad {
		return h.refused(w, r, req, id, err, nil)
	}
	if err != nil {
		return err
	}
	return toCampaign(w, r, id, done)
}

// parseSendAt reads the schedule form's time: a datetime-local value in
// UTC, or RFC 3339.
func parseSendAt(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errInvalid("send_at", "give a date and time (UTC), e.g. 2026-05-04T09:00")
}

// actionProblem words an error the marketer can act on: bad input, a
// status that does not allow the action, a channel that cannot send.
func actionProblem(err error) (string, bool) {
	e, ok := apperr.As(err)
	if !ok || (e.Code != apperr.Invalid && e.Code != apperr.Conflict && e.Code != apperr.Unprocessable) {
		return "", false
	}
	if e.Field != "" {
		return e.Field + ": " + e.Message, true
	}
	return e.Message, true
}
