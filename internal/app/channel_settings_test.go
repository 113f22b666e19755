package app_test

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/inbox"
)

const oldAppSecret = "meta-app-secret-before-rotation"

// messengerEvent is the reference message webhook from psid, sent now,
// with its own message id.
func messengerEvent(t *testing.T, psid, mid, text string) []byte {
	now := fmt.Sprint(time.Now().UnixMilli())
	return fixture(t, "messenger_message.json", "PSID", psid, "1458692752478", now,
		"mid.1457764197618:41d102a3e1ae206a38", mid, "hello, world!", text)
}

// An owner connects Messenger in the dashboard of a node started without
// any Messenger setting, then rotates the app secret: the webhook takes
// the new secret's signatures at once and refuses the old one's. A reply
// sent with a wrong page token fails and the failure shows on the page;
// once the right token is saved the next reply goes through. No secret
// reaches the page or the logs.
func TestMessengerSettingsFromTheDashboard(t *testing.T) {
	api := newSendAPI(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		d := signInOwner(t, s)
		agent := s.Token(t, auth.ScopeAgent)
		first := messengerEvent(t, "5550001", "mid.settings.1", "Hello from Messenger")
		if code := postMessenger(t, s, first, oldAppSecret); code != 404 {
			t.Fatalf("webhook before Messenger is configured: %d, want 404", code)
		}
		if got := d.state("messenger"); got != "not configured" {
			t.Fatalf("status before saving: %q", got)
		}
		d.save("messenger", url.Values{"app_secret": {oldAppSecret}, "verify_token": {verifyToken},
			"page_token": {"EAAG-wrong-page-token"}, "api_base": {api.URL}, "enabled": {"1"}})
		if code := postMessenger(t, s, first, oldAppSecret); code != 200 {
			t.Fatalf("webhook signed with the saved secret: %d", code)
		}

		// Rotate the app secret; the blank token fields keep their values.
		d.save("messenger", url.Values{"app_secret": {appSecret}, "verify_token": {""}, "page_token": {""},
			"api_base": {api.URL}, "enabled": {"1"}})
		second := messengerEvent(t, "5550001", "mid.settings.2", "Still there?")
		if code := postMessenger(t, s, second, oldAppSecret); code != 403 {
			t.Fatalf("webhook signed with the old secret: %d, want 403", code)
		}
		if code := postMessenger(t, s, second, appSecret); code != 200 {
			t.Fatalf("webhook signed with the new secret: %d", code)
		}
		q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"31337"}}
		if code, got := s.Do(t, "GET", "/hooks/messenger?"+q.Encode(), "", nil); code != 200 || string(got) != "31337" {
			t.Fatalf("handshake with the kept verify token: %d %q", code, got)
		}

		// A reply with the wrong page token fails; the page shows why.
		_, body := s.Do(t, "GET", "/api/v1/conversations?channel=messenger", agent, nil)
		conv := apptest.DecodeJSON[inbox.Page](t, body).Conversations[0]
		reply := replyOn(t, s, agent, conv.ID, "Yes, we are here.")
		waitState(t, s, agent, conv.ID, reply.ID, inbox.StateFailed)
		_, page := d.get("/channels/messenger")
		if !strings.Contains(page, "Invalid OAuth access token") || !strings.Contains(page, reply.ID) {
			t.Fatalf("the channel page does not show the failed reply:\n%s", page)
		}

		d.save("messenger", url.Values{"page_token": {pageToken}, "api_base": {api.URL}, "enabled": {"1"}})
		reply = replyOn(t, s, agent, conv.ID, "Sorry, here we are.")
		select {
		case req := <-api.got:
			if req.Message.Text != "Sorry, here we are." || req.Recipient.ID != "5550001" {
				t.Fatalf("Send API got %+v", req)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the reply did not reach the Send API with the new page token")
		}
		waitState(t, s, agent, conv.ID, reply.ID, inbox.StateSent)
		if got := d.state("messenger"); got != "on" {
			t.Fatalf("status after saving: %q", got)
		}

		code, checked, _ := d.post("/channels/messenger/check", url.Values{})
		if code != 200 || !strings.Contains(checked, `id="check-result" data-ok="true"`) || !strings.Contains(checked, "Omni Shop") {
			t.Fatalf("connection test: %d\n%s", code, checked)
		}
		_, page = d.get("/channels/messenger")
		if !strings.Contains(page, "set (ends …ests)") || !strings.Contains(page, `id="unsealed-note"`) {
			t.Errorf("the page does not describe the stored secrets:\n%s", page)
		}
		_, list := d.get("/channels")
		noSecrets(t, s, page+checked+list, oldAppSecret, appSecret, pageToken, "EAAG-wrong-page-token", verifyToken)
	})
}

// replyOn queues an agent's reply and returns it.
func replyOn(t *testing.T, s *apptest.Server, agent, convID, text string) inbox.Message {
	t.Helper()
	code, body := s.Do(t, "POST", "/api/v1/conversations/"+convID+"/messages", agent, map[string]string{"body": text})
	if code != 202 {
		t.Fatalf("reply: %d %s", code, body)
	}
	return apptest.DecodeJSON[inbox.Message](t, body)
}

// noSecrets fails when a secret is in the pages or the node's logs.
func noSecrets(t *testing.T, s *apptest.Server, pages string, secrets ...string) {
	t.Helper()
	logs := s.Logs()
	if !strings.Contains(logs, "omni serving") {
		t.Fatal("the node's logs were not captured")
	}
	for _, secret := range secrets {
		if strings.Contains(pages, secret) {
			t.Errorf("a page shows the secret %.6s…", secret)
		}
		if strings.Contains(logs, secret) {
			t.Errorf("the logs show the secret %.6s…", secret)
		}
	}
}

// An owner connects Twilio in the dashboard: inbound texts signed with the
// saved auth token are taken, the connection test reaches the account, and
// an agent's reply goes to the Messages API with the saved credentials.
// Switched off, the channel takes and sends nothing.
func TestTwilioSettingsFromTheDashboard(t *testing.T) {
	api, got, calls := messagesAPI(t)
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		calls.Store(0)
		d := signInOwner(t, s)
		agent := s.Token(t, auth.ScopeAgent)
		raw, _ := os.ReadFile("testdata/twilio_inbound_sms.form")
		form, _ := url.ParseQuery(strings.TrimSpace(string(raw)))
		if code := postTwilio(t, s, "/hooks/twilio/sms", form, twilioToken); code != 404 {
			t.Fatalf("webhook before Twilio is configured: %d, want 404", code)
		}
		settings := url.Values{"account_sid": {twilioSID}, "auth_token": {twilioToken}, "number": {"+14155238886"},
			"api_base": {api.URL}, "enabled": {"1"}}
		d.save("sms", settings)
		if code := postTwilio(t, s, "/hooks/twilio/sms", form, "wrong-token"); code != 403 {
			t.Fatalf("webhook with a wrong signature: %d", code)
		}
		if code := postTwilio(t, s, "/hooks/twilio/sms", form, twilioToken); code != 200 {
			t.Fatalf("webhook signed with the saved token: %d", code)
		}
		code, checked, _ := d.post("/channels/sms/check", url.Values{})
		if code != 200 || !strings.Contains(checked, `Twilio account &#34;Omni Shop&#34; is active`) {
			t.Fatalf("connection test: %d\n%s", code, checked)
		}

		_, body := s.Do(t, "GET", "/api/v1/conversations?channel=sms", agent, nil)
		conv := apptest.DecodeJSON[inbox.Page](t, body).Conversations[0]
		reply := replyOn(t, s, agent, conv.ID, "It ships tomorrow.")
		select {
		case f := <-got:
			if f.Get("From") != "+14155238886" || f.Get("To") != "+14158675310" || f.Get("Body") != "It ships tomorrow." {
				t.Fatalf("Twilio got %v", f)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the reply did not reach Twilio with the saved credentials")
		}
		waitState(t, s, agent, conv.ID, reply.ID, inbox.StateSent)
		_, page := d.get("/channels/sms")
		if !strings.Contains(page, `data-state="on"`) || strings.Contains(page, `id="last-received" title="never"`) {
			t.Fatalf("the SMS page after a text and a reply:\n%s", page)
		}
		noSecrets(t, s, page+checked, twilioToken)

		settings.Del("enabled")
		settings.Set("auth_token", "")
		d.save("sms", settings)
		if code := postTwilio(t, s, "/hooks/twilio/sms", form, twilioToken); code != 404 {
			t.Fatalf("webhook while switched off: %d, want 404", code)
		}
		code, body = s.Do(t, "POST", "/api/v1/conversations/"+conv.ID+"/messages", agent, map[string]string{"body": "Hello?"})
		if code != 422 || !strings.Contains(string(body), "switched off") {
			t.Fatalf("reply while switched off: %d %s", code, body)
		}
		if got := d.state("sms"); got != "off" {
			t.Fatalf("status switched off: %q", got)
		}
	})
}

// Values from flags and environment variables win and cannot be changed
// in the dashboard; with a secret key, saved secrets are sealed.
func TestChannelSettingsFromTheEnvironmentAndSealed(t *testing.T) {
	cfg := config.Server{SecretKey: config.Secret(strings.Repeat("7f", 32)),
		Channels: config.Channels{Twilio: config.Twilio{AuthToken: "env-twilio-token-5678"}}}
	apptest.EachConfig(t, cfg, func(t *testing.T, s *apptest.Server) {
		d := signInOwner(t, s)
		_, page := d.get("/channels/sms")
		if !strings.Contains(page, "set (ends …5678) from the environment: OMNI_TWILIO_AUTH_TOKEN") ||
			strings.Contains(page, `name="auth_token"`) || strings.Contains(page, `id="unsealed-note"`) {
			t.Fatalf("the SMS page does not show the token as set by the environment:\n%s", page)
		}
		code, body, _ := d.post("/channels/sms", url.Values{"auth_token": {"from-the-page"}, "enabled": {"1"}})
		if code != 400 || !strings.Contains(body, "is set by OMNI_TWILIO_AUTH_TOKEN") {
			t.Fatalf("changing a value set by the environment: %d\n%s", code, body)
		}
		d.save("messenger", url.Values{"app_secret": {appSecret}, "enabled": {"1"}})
		var stored string
		var sealed int
		err := s.App.DB().QueryRowContext(t.Context(), "SELECT value, sealed FROM channel_settings WHERE channel = ? AND name = ?",
			"messenger", "app_secret").Scan(&stored, &sealed)
		if err != nil || sealed != 1 || strings.Contains(stored, "secret") {
			t.Fatalf("stored app secret %q sealed=%d: %v", stored, sealed, err)
		}
		if code := postMessenger(t, s, messengerEvent(t, "5550002", "mid.sealed.1", "hi"), appSecret); code != 200 {
			t.Fatalf("webhook signed with the sealed secret: %d", code)
		}
		noSecrets(t, s, page+body, "env-twilio-token-5678", appSecret)
	})
}
