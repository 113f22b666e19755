package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/campaign"
)

// Campaigns is what the campaign routes need from the campaign service.
type Campaigns interface {
	List(ctx context.Context) ([]campaign.Campaign, error)
	Create(ctx context.Context, in campaign.Input) (campaign.Campaign, error)
	Get(ctx context.Context, id string) (campaign.Campaign, error)
	Update(ctx context.Context, id string, in campaign.Input) (campaign.Campaign, error)
	SendNow(ctx context.Context, id string) (campaign.Campaign, error)
	Schedule(ctx context.Context, id string, at time.Time) (campaign.Campaign, error)
	Cancel(ctx context.Context, id string) (campaign.Campaign, error)
	Stats(ctx context.Context, id string) (campaign.Stats, error)
	PreviewOf(ctx context.Context, id string) (campaign.Preview, error)
}

// ScheduleRequest says when a campaign goes out.
type ScheduleRequest struct {
	SendAt string `json:"send_at"` // RFC 3339, in the future
}

// CampaignRoutes manage campaigns — one-off messages to a segment on email,
// SMS or Messenger — send or schedule them and report their results, for
// marketers.
func CampaignRoutes(cs Campaigns) []Route {
	cid := func(r *http.Request) string { return r.PathValue("id") }
	return []Route{
		{Method: "GET", Path: "/api/v1/campaigns", Summary: "List campaigns, newest first, with their results",
			Tag: "campaigns", Scopes: marketerScopes, Response: []campaign.Campaign{},
			Handle: JSON(func(r *http.Request) ([]campaign.Campaign, error) { return cs.List(r.Context()) })},
		{Method: "POST", Path: "/api/v1/campaigns", Summary: "Create a draft campaign: a segment, a channel (email, sms, messenger), a subject (email) and a body with {{first_name}}-style tags, an optional promotion code and link",
			Tag: "campaigns", Scopes: marketerScopes, MaxBody: 32 << 10, Request: campaign.Input{}, Response: campaign.Campaign{},
			Status: http.StatusCreated, Handle: JSONBody(http.StatusCreated, func(r *http.Request, in campaign.Input) (campaign.Campaign, error) {
				return cs.Create(r.Context(), in)
			})},
		{Method: "GET", Path: "/api/v1/campaigns/{id}", Summary: "A campaign with its results", Tag: "campaigns",
			Scopes: marketerScopes, Response: campaign.Campaign{},
			Handle: JSON(func(r *http.Request) (campaign.Campaign, error) { return cs.Get(r.Context(), cid(r)) })},
		{Method: "PUT", Path: "/api/v1/campaigns/{id}", Summary: "Replace the content and settings of a campaign that has not started sending",
			Tag: "campaigns", Scopes: marketerScopes, MaxBody: 32 << 10, Request: campaign.Input{}, Response: campaign.Campaign{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in campaign.Input) (campaign.Campaign, error) {
				return cs.Update(r.Context(), cid(r), in)
			})},
		{Method: "GET", Path: "/api/v1/campaigns/{id}/preview", Summary: "What the campaign would send now: the segment's member count and the message its first member would get",
			Tag: "campaigns", Scopes: marketerScopes, Response: campaign.Preview{},
			Handle: JSON(func(r *http.Request) (campaign.Preview, error) { return cs.PreviewOf(r.Context(), cid(r)) })},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/send", Summary: "Send a campaign now (a failed or cancelled one goes on with the rest of its audience); a second call while it sends is refused",
			Tag: "campaigns", Scopes: marketerScopes, Response: campaign.Campaign{}, Status: http.StatusAccepted,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				c, err := cs.SendNow(r.Context(), cid(r))
				if err != nil {
					return err
				}
				WriteJSON(w, http.StatusAccepted, c)
				return nil
			}},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/schedule", Summary: "Schedule a campaign that has not started for send_at (RFC 3339, in the future)",
			Tag: "campaigns", Scopes: marketerScopes, MaxBody: 1 << 10, Request: ScheduleRequest{}, Response: campaign.Campaign{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, req ScheduleRequest) (campaign.Campaign, error) {
				at, err := time.Parse(time.RFC3339, strings.TrimSpace(req.SendAt))
				if err != nil {
					return campaign.Campaign{}, apperr.InvalidField("send_at", "give a time as RFC 3339, e.g. 2026-05-04T09:00:00Z")
				}
				return cs.Schedule(r.Context(), cid(r), at)
			})},
		{Method: "POST", Path: "/api/v1/campaigns/{id}/cancel", Summary: "Cancel a scheduled campaign, or stop a sending one before its next batch",
			Tag: "campaigns", Scopes: marketerScopes, Response: campaign.Campaign{},
			Handle: JSON(func(r *http.Request) (campaign.Campaign, error) { return cs.Cancel(r.Context(), cid(r)) })},
		{Method: "GET", Path: "/api/v1/campaigns/{id}/stats", Summary: "A campaign's results: audience, sent, skipped by reason, delivery states, conversions and revenue within 7 days of the send",
			Tag: "campaigns", Scopes: marketerScopes, Response: campaign.Stats{},
			Handle: JSON(func(r *http.Request) (campaign.Stats, error) { return cs.Stats(r.Context(), cid(r)) })},
	}
}
