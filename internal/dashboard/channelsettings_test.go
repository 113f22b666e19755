package dashboard_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
)

// connState reads a channel's status from the Channels page's connections.
func connState(t *testing.T, page, channel string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr data-channel="` + channel + `"><td><a href="/channels/` + channel + `">[\s\S]*?data-state="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s row in the connections table:\n%s", channel, page)
	}
	return m[1]
}

// TestChannelSettingsPages: a bad value is refused with its field named,
// the other values kept and the secret typed not shown again; an unknown
// channel is 404; connecting Amazon creates its tracking source once, and
// an event sent with its write key shows as the connection's last event.
func TestChannelSettingsPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		owner := signedIn(t, w.URL, auth.ScopeAdmin)
		tok := token(t, owner.get("/channels").body)
		post := func(path string, form url.Values) response {
			form.Set("csrf_token", tok)
			return owner.do("POST", path, form, map[string]string{"Origin": w.URL})
		}

		r := post("/channels/sms", url.Values{"account_sid": {"AC-not-a-sid"}, "auth_token": {"typed-secret-0001"},
			"number": {"+14155238886"}, "enabled": {"1"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Account SID is not AC followed by 32 hex digits") ||
			!strings.Contains(r.body, `value="&#43;14155238886"`) || strings.Contains(r.body, "typed-secret-0001") {
			t.Fatalf("bad account SID: %d\n%s", r.status, r.body)
		}
		if r := post("/channels/fax", url.Values{}); r.status != http.StatusNotFound {
			t.Errorf("unknown channel: %d", r.status)
		}
		if r := owner.get("/channels/fax"); r.status != http.StatusNotFound {
			t.Errorf("unknown channel page: %d", r.status)
		}

		if got := connState(t, owner.get("/channels").body, "amazon"); got != "not configured" {
			t.Fatalf("Amazon before connecting: %q", got)
		}
		for range 2 {
			if r := post("/channels/amazon", url.Values{"seller_id": {"A2SELLER"}, "region": {"A1PA6795UKMFR9"}, "enabled": {"1"}}); r.status != http.StatusSeeOther {
				t.Fatalf("connect Amazon: %d\n%s", r.status, r.body)
			}
		}
		if n := strings.Count(sourceNames(t, w), "Amazon"); n != 1 {
			t.Fatalf("%d Amazon sources after two saves, want 1", n)
		}
		page := owner.get("/channels/amazon").body
		key := regexp.MustCompile(`<code class="write-key">(wk_[^<]+)</code>`).FindStringSubmatch(page)
		if key == nil || !strings.Contains(page, `id="last-event">never`) {
			t.Fatalf("Amazon page after connecting:\n%s", page)
		}
		code, body := w.DoHeaders(t, "POST", "/v1/track", map[string]string{"Authorization": basic(key[1])},
			`{"userId":"buyer-1","event":"Order Completed","properties":{"order_id":"114-1"}}`)
		if code != http.StatusOK {
			t.Fatalf("track with the Amazon key: %d %s", code, body)
		}
		if page := owner.get("/channels/amazon").body; strings.Contains(page, `id="last-event">never`) {
			t.Error("the Amazon page does not show the event received")
		}
		rows := owner.get("/channels/connections")
		if rows.status != http.StatusOK || connState(t, rows.body, "amazon") != "on" || strings.Contains(rows.body, "<html") {
			t.Errorf("connections fragment: %d\n%s", rows.status, rows.body)
		}
	})
}

// basic is the Authorization header of the tracking API for a write key.
func basic(writeKey string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(writeKey+":"))
}

const browserAppSecret = "app-secret-from-the-browser-0042"

// postSignedMessenger posts a Messenger message webhook from psid, signed
// with secret as Meta signs it (X-Hub-Signature-256), and returns the status.
func postSignedMessenger(t *testing.T, base, secret, psid, text string) int {
	t.Helper()
	now := time.Now().UnixMilli()
	body, _ := json.Marshal(map[string]any{"object": "page", "entry": []any{map[string]any{"id": "PAGE", "time": now,
		"messaging": []any{map[string]any{"sender": map[string]string{"id": psid}, "recipient": map[string]string{"id": "PAGE"},
			"timestamp": now, "message": map[string]string{"mid": fmt.Sprint("mid.browser.", now), "text": text}}}}}})
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	req, _ := http.NewRequest("POST", base+"/hooks/messenger", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
