package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/promotion"
)

// TestCampaignEndToEnd sends an email campaign through the public API to a
// segment of five: Ann and Bo consented to marketing email and get it,
// personalised, through a real SMTP relay; Cy did not consent, a visitor
// who consented has no address, and Di, who got another campaign already,
// is over the cap. A second click and a retried job send nothing more; the
// results count the skips by reason, Ann's wallet holds the campaign's code
// and her timeline the message, and her order later counts as the
// campaign's conversion with its revenue.
func TestCampaignEndToEnd(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		ctx := context.Background()
		s.must(t, http.StatusCreated, "POST", "/api/v1/promotions",
			`{"name":"Autumn sale","code":"AUTUMN10","kind":"percent_off","percent":1000,"combinable":true}`)
		identify := s.tracker(t)
		identify(`{"anonymousId":"ann-laptop","traits":{"email":"ann@example.com","name":"Ann Archer","first_name":"Ann","tier":"vip"}}`)
		identify(`{"anonymousId":"bo-phone","traits":{"email":"bo@example.com","tier":"vip"}}`)
		identify(`{"anonymousId":"cy-phone","traits":{"email":"cy@example.com","name":"Cy Cole","tier":"vip"}}`)
		identify(`{"anonymousId":"di-phone","traits":{"email":"di@example.com","name":"Di Dunn","tier":"vip","early":"yes"}}`)
		identify(`{"anonymousId":"visitor-9","traits":{"tier":"vip"}}`)
		identify(`{"anonymousId":"ed-phone","traits":{"email":"ed@example.com","name":"Ed Eyre","tier":"regular"}}`)
		ann := s.login("ann@example.com")
		for who, tok := range map[string]string{"ann-laptop": ann, "bo-phone": s.login("bo@example.com"),
			"di-phone": s.login("di@example.com"), "ed-phone": s.login("ed@example.com"), "visitor-9": ""} {
			s.consent(t, who, tok)
		}
		vips := s.segment(t, `{"name":"VIPs","conditions":[{"field":"trait","key":"tier","op":"eq","value":"vip"}]}`)
		early := s.segment(t, `{"name":"Early access","conditions":[{"field":"trait","key":"early","op":"eq","value":"yes"}]}`)

		// Di hears about early access first: one marketing message this week.
		first := s.createCampaign(t, `{"name":"Early access","channel":"email","segment_id":"`+early+`","subject":"Early access","body":"Come early."}`)
		s.sendCampaign(t, first.ID)
		if m := s.nextMail(t); m.To[0].Email != "di@example.com" {
			t.Fatalf("early access went to %v", m.To)
		}

		c := s.createCampaign(t, `{"name":"Autumn sale!","channel":"email","segment_id":"`+vips+`",
			"subject":"{{first_name|Friend}}, autumn is here","body":"Hi {{first_name|there}},\n\nuse {{code}} this week: {{link}}",
			"promotion_code":"autumn10","link":"https://shop.example/sale?ref=mail","frequency_cap":{"messages":1,"days":7}}`)
		if c.Slug != "autumn-sale" || c.Status != campaign.Draft || c.PromotionCode != "AUTUMN10" {
			t.Fatalf("created %+v", c)
		}
		badCampaignRequests(t, s, vips, first.ID)
		p := apptest.DecodeJSON[campaign.Preview](t, s.mustAs(t, s.marketer, 200, "GET", "/api/v1/campaigns/"+c.ID+"/preview", nil))
		if p.Audience != 5 || !strings.Contains(p.Body, "use AUTUMN10 this week: https://shop.example/sale?") {
			t.Errorf("preview %+v", p)
		}

		s.sendCampaign(t, c.ID)
		if code, out := s.Do(t, "POST", "/api/v1/campaigns/"+c.ID+"/send", s.marketer, nil); code != http.StatusConflict {
			t.Errorf("second click while it sends or after: %d %s", code, out)
		}
		mails := map[string][2]string{}
		for range 2 {
			m := s.nextMail(t)
			mails[m.To[0].Email] = [2]string{m.Subject, m.Text}
		}
		s.noMoreMail(t)
		for addr, want := range map[string]string{"ann@example.com": "Ann, autumn is here|Hi Ann,", "bo@example.com": "Friend, autumn is here|Hi there,"} {
			subject, greeting, _ := strings.Cut(want, "|")
			got, ok := mails[addr]
			if !ok || got[0] != subject || !strings.HasPrefix(got[1], greeting) || !strings.Contains(got[1], "use AUTUMN10 this week") {
				t.Errorf("mail to %s: %q", addr, got)
			}
			link := got[1][strings.Index(got[1], "https://"):]
			u, err := url.Parse(strings.TrimSpace(link))
			if err != nil || u.Query().Get("utm_campaign") != "autumn-sale" || u.Query().Get("utm_medium") != "email" ||
				u.Query().Get("utm_source") != "omni" || u.Query().Get("ref") != "mail" || u.Query().Get(promotion.LandingParam) != "AUTUMN10" {
				t.Errorf("link to %s: %q", addr, link)
			}
		}

		// A job that runs again over the same audience sends nothing more.
		if _, err := s.App.DB().ExecContext(ctx, "UPDATE campaigns SET status = 'sending', finished_at = NULL WHERE id = ?", c.ID); err != nil {
			t.Fatal(err)
		}
		sent := s.campaign(t, c.ID)
		job := &river.Job[campaign.SendArgs]{JobRow: &rivertype.JobRow{Attempt: 2, MaxAttempts: 10},
			Args: campaign.SendArgs{CampaignID: c.ID, SendAt: sent.SendAt.UnixMilli()}}
		if err := campaign.NewWorker(s.App.Campaigns()).Work(ctx, job); err != nil {
			t.Fatal(err)
		}
		s.noMoreMail(t)

		done := s.campaign(t, c.ID)
		st := done.Stats
		if done.Status != campaign.Sent || st.Audience != 5 || st.Sent != 2 || st.Skipped != 3 || st.Pending != 0 {
			t.Errorf("status %s, stats %+v", done.Status, st)
		}
		if want := map[string]int64{"no consent": 1, "no address": 1, "capped": 1}; !maps.Equal(st.SkippedBy, want) {
			t.Errorf("skipped by %v, want %v", st.SkippedBy, want)
		}
		if st.Delivery.Sent+st.Delivery.Delivered != 2 || st.Delivery.Failed != 0 {
			t.Errorf("delivery %+v", st.Delivery)
		}

		annID := s.customerByEmail(t, "ann@example.com")
		wallet := apptest.DecodeJSON[[]promotion.WalletEntry](t, s.must(t, 200, "GET", "/api/v1/customers/"+annID+"/promotions", nil))
		if len(wallet) != 1 || wallet[0].Code != "AUTUMN10" || wallet[0].Source != "campaign" || wallet[0].Channel != "email" {
			t.Errorf("Ann's wallet %+v", wallet)
		}
		cyWallet := s.must(t, 200, "GET", "/api/v1/customers/"+s.customerByEmail(t, "cy@example.com")+"/promotions", nil)
		if strings.Contains(string(cyWallet), "AUTUMN10") {
			t.Error("Cy, who was skipped, got the code")
		}
		if !campaignOnTimeline(t, s, annID, "autumn-sale") {
			t.Error("the campaign's message is not on Ann's timeline")
		}

		s.add(t, "ann-laptop", ann, "MUG", 1)
		code, out := s.storeCheckout(t, "ann-laptop", ann, `{"fulfillment":"pickup","location":"paris"}`, "ann-after-campaign")
		if code != http.StatusCreated {
			t.Fatalf("checkout: %d %s", code, out)
		}
		o := apptest.DecodeJSON[order.Order](t, out)
		st = apptest.DecodeJSON[campaign.Stats](t, s.mustAs(t, s.marketer, 200, "GET", "/api/v1/campaigns/"+c.ID+"/stats", nil))
		if o.Discount != 120 || st.Converted != 1 || st.Revenue["EUR"] != o.Total {
			t.Errorf("conversion: stats %+v, order total %d, discount %d (10%% off the mug with the wallet's code)", st, o.Total, o.Discount)
		}
		list := apptest.DecodeJSON[[]campaign.Campaign](t, s.mustAs(t, s.marketer, 200, "GET", "/api/v1/campaigns", nil))
		if len(list) != 2 || list[0].ID != c.ID || list[0].Stats.Converted != 1 || list[1].Stats.Sent != 1 {
			t.Errorf("list: %+v", list)
		}
	})
}

// TestScheduledCampaign: a campaign scheduled a moment ahead goes out then;
// one cancelled before its time never does, and a sent one cannot be
// edited.
func TestScheduledCampaign(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		s.tracker(t)(`{"anonymousId":"ann-laptop","traits":{"email":"ann@example.com","first_name":"Ann"}}`)
		s.consent(t, "ann-laptop", s.login("ann@example.com"))
		everyone := s.segment(t, `{"name":"Everyone"}`)
		later := s.createCampaign(t, `{"name":"Later","channel":"email","segment_id":"`+everyone+`","subject":"Later","body":"Later, {{first_name}}."}`)
		never := s.createCampaign(t, `{"name":"Never","channel":"email","segment_id":"`+everyone+`","subject":"Never","body":"Never."}`)
		at := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
		for _, id := range []string{later.ID, never.ID} {
			c := apptest.DecodeJSON[campaign.Campaign](t, s.mustAs(t, s.marketer, 200, "POST", "/api/v1/campaigns/"+id+"/schedule",
				`{"send_at":"`+at+`"}`))
			if c.Status != campaign.Scheduled || c.SendAt == nil {
				t.Fatalf("scheduled: %+v", c)
			}
		}
		if c := apptest.DecodeJSON[campaign.Campaign](t, s.mustAs(t, s.marketer, 200, "POST", "/api/v1/campaigns/"+never.ID+"/cancel", nil)); c.Status != campaign.Cancelled {
			t.Fatalf("cancelled: %+v", c)
		}
		if m := s.nextMail(t); m.Subject != "Later" || !strings.Contains(m.Text, "Later, Ann.") {
			t.Errorf("scheduled mail %q: %q", m.Subject, m.Text)
		}
		s.waitStatus(t, later.ID, campaign.Sent)
		s.noMoreMail(t)
		if c := s.campaign(t, never.ID); c.Status != campaign.Cancelled || c.Stats.Audience != 0 {
			t.Errorf("the cancelled campaign: %+v", c)
		}
		var doc struct {
			Paths map[string]map[string]struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]any `json:"properties"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(s.must(t, 200, "GET", "/api/v1/openapi.json", nil), &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/api/v1/campaigns", "/api/v1/campaigns/{id}", "/api/v1/campaigns/{id}/send",
			"/api/v1/campaigns/{id}/schedule", "/api/v1/campaigns/{id}/cancel", "/api/v1/campaigns/{id}/stats", "/api/v1/campaigns/{id}/preview"} {
			if doc.Paths[p] == nil {
				t.Errorf("the OpenAPI document lacks %s", p)
			}
		}
		props := doc.Paths["/api/v1/campaigns"]["post"].RequestBody.Content["application/json"].Schema.Properties
		for _, p := range []string{"name", "channel", "segment_id", "subject", "body", "promotion_code", "link", "frequency_cap"} {
			if props[p] == nil {
				t.Errorf("OpenAPI: POST /api/v1/campaigns body lacks %s", p)
			}
		}
		code, out := s.Do(t, "PUT", "/api/v1/campaigns/"+later.ID, s.marketer,
			`{"name":"Later","channel":"email","segment_id":"`+everyone+`","subject":"Later","body":"Edited."}`)
		if code != http.StatusConflict || !strings.Contains(string(out), `"field":"status"`) {
			t.Errorf("editing a sent campaign: %d %s", code, out)
		}
	})
}

// badCampaignRequests: each bad request is refused with a 4xx naming the
// field, and changes nothing.
func badCampaignRequests(t *testing.T, s *journeyShop, segmentID, sentID string) {
	t.Helper()
	ok := map[string]any{"name": "Bad", "channel": "email", "segment_id": segmentID, "subject": "Hi", "body": "Hello"}
	with := func(k string, v any) string {
		m := map[string]any{}
		for key, val := range ok {
			m[key] = val
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	agent := s.Token(t, auth.ScopeAgent)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, token, method, path, body string
		status                          int
		field                           string
	}{
		{"agent", agent, "POST", "/api/v1/campaigns", with("name", "x"), 403, ""},
		{"unknown segment", s.marketer, "POST", "/api/v1/campaigns", with("segment_id", "seg_nope"), 400, "segment_id"},
		{"channel the inbox cannot send", s.marketer, "POST", "/api/v1/campaigns", with("channel", "fax"), 400, "channel"},
		{"channel not connected", s.marketer, "POST", "/api/v1/campaigns", with("channel", "sms"), 422, "channel"},
		{"empty body", s.marketer, "POST", "/api/v1/campaigns", with("body", "  "), 400, "body"},
		{"unknown tag", s.marketer, "POST", "/api/v1/campaigns", with("body", "Hi {{nickname}}"), 400, "body"},
		{"email without subject", s.marketer, "POST", "/api/v1/campaigns", with("subject", nil), 400, "subject"},
		{"unknown code", s.marketer, "POST", "/api/v1/campaigns", with("promotion_code", "NOPE"), 400, "promotion_code"},
		{"relative link", s.marketer, "POST", "/api/v1/campaigns", with("link", "/sale"), 400, "link"},
		{"taken slug", s.marketer, "POST", "/api/v1/campaigns", with("slug", "early-access"), 409, "slug"},
		{"send_at in the past", s.marketer, "POST", "/api/v1/campaigns/" + sentID + "/schedule", `{"send_at":"` + past + `"}`, 400, "send_at"},
		{"send_at not a time", s.marketer, "POST", "/api/v1/campaigns/" + sentID + "/schedule", `{"send_at":"tomorrow"}`, 400, "send_at"},
		{"editing a sent campaign", s.marketer, "PUT", "/api/v1/campaigns/" + sentID, with("name", "Edited"), 409, "status"},
		{"sending a sent campaign", s.marketer, "POST", "/api/v1/campaigns/" + sentID + "/send", "", 409, "status"},
		{"cancelling a sent campaign", s.marketer, "POST", "/api/v1/campaigns/" + sentID + "/cancel", "", 409, "status"},
		{"unknown campaign", s.marketer, "GET", "/api/v1/campaigns/cmp_nope", "", 404, ""},
	}
	for _, tc := range tests {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		code, out := s.Do(t, tc.method, tc.path, tc.token, body)
		var e struct {
			Error struct{ Code, Message, Field string }
		}
		_ = json.Unmarshal(out, &e)
		if code != tc.status || e.Error.Field != tc.field || e.Error.Message == "" {
			t.Errorf("%s: %d %s, want %d naming %q", tc.name, code, out, tc.status, tc.field)
		}
	}
	list := apptest.DecodeJSON[[]campaign.Campaign](t, s.mustAs(t, s.marketer, 200, "GET", "/api/v1/campaigns", nil))
	for _, c := range list {
		if c.Name == "Bad" || c.Name == "Edited" {
			t.Errorf("a refused request stored %+v", c)
		}
	}
}

// tracker returns a function that identifies visitors through the tracking
// API, as a storefront would.
func (s *journeyShop) tracker(t *testing.T) func(body string) {
	t.Helper()
	src, err := auth.NewService(s.App.DB()).CreateSource(context.Background(), "Web shop", "web")
	if err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(src.WriteKey+":"))
	return func(body string) {
		t.Helper()
		if code, out := s.DoHeaders(t, "POST", "/v1/identify", map[string]string{"Authorization": basic}, body); code != 200 {
			t.Fatalf("identify: %d %s", code, out)
		}
	}
}

// mustAs sends a request with token and fails unless the status is want.
func (s *journeyShop) mustAs(t *testing.T, token string, want int, method, path string, body any) []byte {
	t.Helper()
	code, out := s.Do(t, method, path, token, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, out, want)
	}
	return out
}

func (s *journeyShop) segment(t *testing.T, body string) string {
	t.Helper()
	var seg struct{ ID string }
	seg = apptest.DecodeJSON[struct{ ID string }](t, s.mustAs(t, s.marketer, http.StatusCreated, "POST", "/api/v1/segments", body))
	return seg.ID
}

func (s *journeyShop) createCampaign(t *testing.T, body string) campaign.Campaign {
	t.Helper()
	return apptest.DecodeJSON[campaign.Campaign](t, s.mustAs(t, s.marketer, http.StatusCreated, "POST", "/api/v1/campaigns", body))
}

func (s *journeyShop) campaign(t *testing.T, id string) campaign.Campaign {
	t.Helper()
	return apptest.DecodeJSON[campaign.Campaign](t, s.mustAs(t, s.marketer, 200, "GET", "/api/v1/campaigns/"+id, nil))
}

// sendCampaign sends a campaign now and waits until it is sent.
func (s *journeyShop) sendCampaign(t *testing.T, id string) {
	t.Helper()
	c := apptest.DecodeJSON[campaign.Campaign](t, s.mustAs(t, s.marketer, http.StatusAccepted, "POST", "/api/v1/campaigns/"+id+"/send", nil))
	if c.Status != campaign.Sending || c.SendAt == nil {
		t.Fatalf("after send: %+v", c)
	}
	s.waitStatus(t, id, campaign.Sent)
}

func (s *journeyShop) waitStatus(t *testing.T, id string, want campaign.Status) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := s.campaign(t, id)
		if c.Status == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign %s is %s after 30s, want %s (%s)", id, c.Status, want, c.Error)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noMoreMail fails if the relay gets another mail within a second.
func (s *journeyShop) noMoreMail(t *testing.T) {
	t.Helper()
	select {
	case raw := <-s.mail:
		t.Fatalf("an unexpected mail:\n%s", raw)
	case <-time.After(time.Second):
	}
}

func campaignOnTimeline(t *testing.T, s *journeyShop, customerID, slug string) bool {
	page := apptest.DecodeJSON[customer.Page](t, s.must(t, 200, "GET", "/api/v1/customers/"+customerID+"/timeline", nil))
	for _, e := range page.Events {
		var p struct{ Campaign, Channel string }
		if e.Type == "message" && e.Name == "Message sent" && json.Unmarshal(e.Payload, &p) == nil && p.Campaign == slug && p.Channel == "email" {
			return true
		}
	}
	return false
}
