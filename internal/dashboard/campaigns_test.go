package dashboard_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/demo"
)

// TestCampaignPages: a marketer writes a campaign to a segment of Ann and
// Bob with the form — the preview counts the audience and renders the
// message, a bad tag is refused in place — schedules it (a time in the
// past is refused), cancels it, then sends it: Ann, who consented, gets
// it through the SMTP stand-in, Bob is skipped, and the list and the page
// show the results; a second send is refused. Agents may not open the
// section.
func TestCampaignPages(t *testing.T) {
	standIns, err := demo.StartStandIns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(standIns.Close)
	cfg := config.Server{Channels: config.Channels{Email: config.Email{Domain: "shop.example", Relay: standIns.SMTPAddr,
		From: "Shop <shop@shop.example>"}}}
	apptest.EachConfig(t, cfg, func(t *testing.T, s *apptest.Server) { campaignPages(t, newWorld(t, s), standIns) })
}

var campaignID = regexp.MustCompile(`^/campaigns/(cmp_[0-9a-z]+)\?created=1$`)

func campaignPages(t *testing.T, w *world, standIns *demo.StandIns) {
	mailed := standIns.Email.Load()
	agent := signedIn(t, w.URL, auth.ScopeAgent)
	if r := agent.get("/campaigns"); r.status != http.StatusForbidden {
		t.Errorf("agent opening campaigns: %d", r.status)
	}
	err := w.App.Customers().SetConsent(context.Background(), w.ann, customer.Consent{Channel: "email", Purpose: "marketing",
		Granted: true, Source: "test", UpdatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	w.api(t, http.StatusCreated, "POST", "/api/v1/segments", `{"name":"Known by email","conditions":[{"field":"trait","key":"email","op":"exists"}]}`)

	m := signedIn(t, w.URL, auth.ScopeMarketer)
	if r := m.get("/campaigns"); r.status != http.StatusOK || !strings.Contains(r.body, `id="no-campaigns"`) {
		t.Fatalf("empty list: %d", r.status)
	}
	page := m.get("/campaigns/new")
	if !strings.Contains(page.body, `>Known by email</option>`) || !strings.Contains(page.body, `id="campaign-audience" class="figure">2<`) {
		t.Fatalf("new campaign form: no segment to choose or no audience of 2:\n%s", page.body)
	}
	tok := token(t, page.body)
	form := func(body string) url.Values {
		return url.Values{"csrf_token": {tok}, "name": {"Spring sale"}, "channel": {"email"}, "segment_id": {regexp.MustCompile(
			`<option value="(seg_[0-9a-z]+)"`).FindStringSubmatch(page.body)[1]}, "subject": {"Spring, {{first_name}}"},
			"body": {body}, "link": {"https://shop.example/spring"}, "cap_messages": {"2"}, "cap_days": {"7"}}
	}
	htmx := map[string]string{"HX-Request": "true"}
	if r := m.do("POST", "/campaigns/preview", form("Hi {{first_name|there}}, spring is here: {{link}}"), htmx); strings.Contains(r.body, "<html") ||
		!strings.Contains(r.body, `id="campaign-audience" class="figure">2<`) ||
		!regexp.MustCompile(`Hi (Ann|Bob), spring is here: https://shop\.example/spring\?utm_campaign=spring-sale&amp;utm_medium=email&amp;utm_source=omni`).MatchString(r.body) {
		t.Errorf("preview: %d\n%s", r.status, r.body)
	}
	if r := m.do("POST", "/campaigns", form("Hi {{nickname}}"), nil); r.status != http.StatusBadRequest ||
		!strings.Contains(r.body, `id="campaign-form-error"`) || !strings.Contains(r.body, "body: unknown tag {{nickname}}") {
		t.Errorf("bad tag: %d", r.status)
	}
	r := m.do("POST", "/campaigns", form("Hi {{first_name|there}}, spring is here."), nil)
	match := campaignID.FindStringSubmatch(r.header.Get("Location"))
	if r.status != http.StatusSeeOther || match == nil {
		t.Fatalf("create: %d to %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
	id := match[1]
	base := "/campaigns/" + id
	if body := m.get(base + "?created=1").body; !strings.Contains(body, `id="campaign-done">Campaign created.`) ||
		!strings.Contains(body, `id="send-now"`) || !strings.Contains(body, `id="schedule"`) || !strings.Contains(body, `value="Spring sale"`) {
		t.Errorf("campaign page after create:\n%s", body)
	}
	act := func(action string, extra url.Values) response {
		v := url.Values{"csrf_token": {tok}}
		for k, vals := range extra {
			v[k] = vals
		}
		return m.do("POST", base+"/"+action, v, nil)
	}
	past := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
	if r := act("schedule", url.Values{"send_at": {past}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="campaign-problem">send_at:`) {
		t.Errorf("schedule in the past: %d", r.status)
	}
	later := time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02T15:04")
	if r := act("schedule", url.Values{"send_at": {later}}); r.status != http.StatusSeeOther || r.header.Get("Location") != base+"?scheduled=1" {
		t.Fatalf("schedule: %d %s", r.status, r.header.Get("Location"))
	}
	if body := m.get(base).body; !strings.Contains(body, `id="campaign-status">scheduled`) || !strings.Contains(body, `id="cancel"`) {
		t.Error("the scheduled campaign shows no status or no Cancel")
	}
	if r := act("cancel", nil); r.status != http.StatusSeeOther || !strings.Contains(m.get(base).body, `id="campaign-status">cancelled`) {
		t.Errorf("cancel: %d", r.status)
	}
	if r := act("send", nil); r.status != http.StatusSeeOther || r.header.Get("Location") != base+"?sending=1" {
		t.Fatalf("send: %d %s", r.status, r.header.Get("Location"))
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(m.get(base).body, `id="campaign-status">sent`) || standIns.Email.Load() == mailed {
		if time.Now().After(deadline) {
			t.Fatalf("not sent after 20s (%d mails)", standIns.Email.Load()-mailed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	body := m.get("/campaigns").body
	row := body[strings.Index(body, `id="campaign-`+id+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	for _, want := range []string{`data-status="sent"`, `class="campaign-link">Spring sale</a>`, `<td class="num audience">2</td>`,
		`<td class="num sent">1</td><td class="num skipped">1</td>`, `<td class="num converted">0</td>`} {
		if !strings.Contains(row, want) {
			t.Errorf("list row lacks %q:\n%s", want, row)
		}
	}
	detail := m.get(base)
	for _, want := range []string{`data-reason="no consent">1 no consent`, `id="tile-sent"><h2>Sent</h2><p class="figure">1<`,
		`id="campaign-message"`} {
		if !strings.Contains(detail.body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	if strings.Contains(detail.body, `id="send-now"`) || strings.Contains(detail.body, `id="campaign-form"`) {
		t.Error("a sent campaign still offers Send now or its edit form")
	}
	if r := act("send", nil); r.status != http.StatusConflict || !strings.Contains(r.body, `id="campaign-problem">status:`) {
		t.Errorf("sending twice: %d", r.status)
	}
	if r := m.do("POST", base, form("Edited"), nil); r.status != http.StatusConflict || !strings.Contains(r.body, "can no longer change") {
		t.Errorf("editing a sent campaign: %d", r.status)
	}
	time.Sleep(200 * time.Millisecond)
	if n := standIns.Email.Load() - mailed; n != 1 {
		t.Errorf("%d mails reached the SMTP stand-in, want 1 (Ann)", n)
	}
}
