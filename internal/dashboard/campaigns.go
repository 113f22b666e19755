package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/marketing"
	"github.com/omni-hq/omni/internal/segment"
)

// Campaigns is what the Campaigns pages need from the campaign service.
type Campaigns interface {
	List(ctx context.Context) ([]campaign.Campaign, error)
	Get(ctx context.Context, id string) (campaign.Campaign, error)
	Create(ctx context.Context, in campaign.Input) (campaign.Campaign, error)
	Update(ctx context.Context, id string, in campaign.Input) (campaign.Campaign, error)
	SendNow(ctx context.Context, id string) (campaign.Campaign, error)
	Schedule(ctx context.Context, id string, at time.Time) (campaign.Campaign, error)
	Cancel(ctx context.Context, id string) (campaign.Campaign, error)
	Preview(ctx context.Context, in campaign.Input) (campaign.Preview, error)
	PreviewOf(ctx context.Context, id string) (campaign.Preview, error)
}

func (h *Handler) mountCampaigns(mux *http.ServeMux, s section) {
	mux.Handle("GET /campaigns", h.guard(s.roles, h.campaigns))
	mux.Handle("GET /campaigns/new", h.guard(s.roles, h.newCampaign))
	mux.Handle("POST /campaigns", h.guard(s.roles, h.createCampaign))
	mux.Handle("POST /campaigns/preview", h.guard(s.roles, h.campaignPreview))
	mux.Handle("GET /campaigns/{id}", h.guard(s.roles, h.campaignPage))
	mux.Handle("GET /campaigns/{id}/audience", h.guard(s.roles, h.campaignAudience))
	mux.Handle("POST /campaigns/{id}", h.guard(s.roles, h.updateCampaign))
	mux.Handle("POST /campaigns/{id}/send", h.guard(s.roles, h.campaignAction))
	mux.Handle("POST /campaigns/{id}/schedule", h.guard(s.roles, h.campaignAction))
	mux.Handle("POST /campaigns/{id}/cancel", h.guard(s.roles, h.campaignAction))
}

// campaignRow is a campaign as listed, with its segment's name.
type campaignRow struct {
	campaign.Campaign
	Segment string
}

type campaignsView struct {
	Campaigns []campaignRow
}

// campaigns lists every campaign with its results; a campaign not sent yet
// loads its segment's member count by itself.
func (h *Handler) campaigns(w http.ResponseWriter, r *http.Request, req *request) error {
	list, err := h.d.Campaigns.List(r.Context())
	if err != nil {
		return err
	}
	names, err := h.segmentNames(r.Context())
	if err != nil {
		return err
	}
	v := campaignsView{}
	for _, c := range list {
		v.Campaigns = append(v.Campaigns, campaignRow{Campaign: c, Segment: names[c.SegmentID]})
	}
	h.render(w, r, http.StatusOK, "campaigns", h.withSession(view{Title: "Campaigns", Active: "campaigns", Data: v}, req))
	return nil
}

func (h *Handler) segmentNames(ctx context.Context) (map[string]string, error) {
	segs, err := h.d.Segments.List(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range segs {
		out[s.ID] = s.Name
	}
	return out, nil
}

// campaignAudience is the fragment holding the member count a campaign
// would go to now.
func (h *Handler) campaignAudience(w http.ResponseWriter, r *http.Request, req *request) error {
	p, err := h.d.Campaigns.PreviewOf(r.Context(), r.PathValue("id"))
	if _, bad := actionProblem(err); bad {
		_, _ = w.Write([]byte("–")) // the segment was deleted: no audience to count
		return nil
	}
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "campaigns", "audience-now", p.Audience)
	return nil
}

// campaignForm is the campaign form as typed.
type campaignForm struct {
	ID, Name, Slug, Channel, SegmentID, Subject, Body, Code, Link string
	CapMessages, CapDays, QuietStart, QuietEnd, Zone              string
	Error                                                         string
}

// campaignFormView is the form with what it offers and its preview.
type campaignFormView struct {
	Form     campaignForm
	Segments []segment.Segment
	Channels []string
	Tags     []string
	Preview  campaignPreview
	CSRF     string
}

// campaignPreview is the form's live audience and sample message, or why
// the campaign cannot be previewed yet.
type campaignPreview struct {
	campaign.Preview
	Error string
}

func readCampaignForm(r *http.Request) campaignForm {
	_ = r.ParseForm()
	get := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	return campaignForm{ID: r.PathValue("id"), Name: get("name"), Slug: get("slug"), Channel: get("channel"),
		SegmentID: get("segment_id"), Subject: get("subject"), Body: r.PostForm.Get("body"), Code: get("promotion_code"),
		Link: get("link"), CapMessages: get("cap_messages"), CapDays: get("cap_days"), QuietStart: get("quiet_start"),
		QuietEnd: get("quiet_end"), Zone: get("time_zone")}
}

// input reads the form's numbers; the campaign service checks the rest.
func (f campaignForm) input() (campaign.Input, error) {
	in := campaign.Input{Name: f.Name, Slug: f.Slug, Channel: f.Channel, SegmentID: f.SegmentID, Subject: f.Subject, Body: f.Body,
		PromotionCode: f.Code, Link: f.Link, Quiet: marketing.QuietHours{Start: f.QuietStart, End: f.QuietEnd, TimeZone: f.Zone}}
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

func campaignFormOf(c campaign.Campaign) campaignForm {
	return campaignForm{ID: c.ID, Name: c.Name, Slug: c.Slug, Channel: c.Channel, SegmentID: c.SegmentID, Subject: c.Subject,
		Body: c.Body, Code: c.PromotionCode, Link: c.Link, CapMessages: strconv.Itoa(c.Cap.Messages), CapDays: strconv.Itoa(c.Cap.Days),
		QuietStart: c.Quiet.Start, QuietEnd: c.Quiet.End, Zone: c.Quiet.TimeZone}
}

func (h *Handler) campaignFormView(r *http.Request, f campaignForm, req *request) (campaignFormView, error) {
	segs, err := h.d.Segments.List(r.Context())
	if err != nil {
		return campaignFormView{}, err
	}
	v := campaignFormView{Form: f, Segments: segs, Channels: marketing.Channels, Tags: campaign.Tags, CSRF: req.csrf}
	v.Preview, err = h.campaignPreviewOf(r, f)
	return v, err
}

// campaignPreviewOf previews what the form holds now.
func (h *Handler) campaignPreviewOf(r *http.Request, f campaignForm) (campaignPreview, error) {
	in, err := f.input()
	var p campaign.Preview
	if err == nil {
		p, err = h.d.Campaigns.Preview(r.Context(), in)
	}
	if msg, bad := actionProblem(err); bad {
		return campaignPreview{Error: msg}, nil
	}
	return campaignPreview{Preview: p}, err
}

func (h *Handler) newCampaign(w http.ResponseWriter, r *http.Request, req *request) error {
	f := campaignForm{Channel: "email", CapMessages: strconv.Itoa(marketing.DefaultCapMessages),
		CapDays: strconv.Itoa(marketing.DefaultCapDays), Body: "Hi {{first_name|there}},\n\n"}
	if segs, err := h.d.Segments.List(r.Context()); err == nil && len(segs) > 0 {
		f.SegmentID = segs[0].ID
	}
	return h.renderCampaignForm(w, r, req, http.StatusOK, f)
}

func (h *Handler) renderCampaignForm(w http.ResponseWriter, r *http.Request, req *request, status int, f campaignForm) error {
	v, err := h.campaignFormView(r, f, req)
	if err != nil {
		return err
	}
	title := "New campaign"
	if f.ID != "" {
		title = "Edit campaign"
	}
	h.render(w, r, status, "campaignform", h.withSession(view{Title: title, Active: "campaigns", Data: v}, req))
	return nil
}

// campaignPreview answers the form's htmx requests with the preview panel.
func (h *Handler) campaignPreview(w http.ResponseWriter, r *http.Request, req *request) error {
	p, err := h.campaignPreviewOf(r, readCampaignForm(r))
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "campaignform", "campaign-preview", p)
	return nil
}

// createCampaign stores a draft from the form and opens its page; a bad
// field shows the form again with the problem named.
func (h *Handler) createCampaign(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readCampaignForm(r)
	in, err := f.input()
	var c campaign.Campaign
	if err == nil {
		c, err = h.d.Campaigns.Create(r.Context(), in)
	}
	if msg, bad := actionProblem(err); bad {
		f.Error = msg
		e, _ := apperr.As(err)
		return h.renderCampaignForm(w, r, req, httpapi.Status(e.Code), f)
	}
	if err != nil {
		return err
	}
	return toCampaign(w, r, c.ID, "created")
}

func (h *Handler) updateCampaign(w http.ResponseWriter, r *http.Request, req *request) error {
	f := readCampaignForm(r)
	in, err := f.input()
	if err == nil {
		_, err = h.d.Campaigns.Update(r.Context(), f.ID, in)
	}
	if msg, bad := actionProblem(err); bad {
		f.Error = msg
		return h.refused(w, r, req, f.ID, err, &f)
	}
	if err != nil {
		return err
	}
	return toCampaign(w, r, f.ID, "saved")
}

// toCampaign opens a campaign's page after a change.
func toCampaign(w http.ResponseWriter, r *http.Request, id, done string) error {
	return toPage(w, r, "/campaigns/"+url.PathEscape(id)+"?"+done+"=1")
}
