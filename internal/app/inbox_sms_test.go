package app_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/channel/sms"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/inbox"
)

const (
	twilioSID   = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	twilioToken = "twilio-auth-token"
)

// messagesAPI stands in for Twilio's Messages resource: the first request
// gets a 503 (20503), later ones the documented 201 answer. It also
// answers a fetch of the Account resource, which (as Twilio's does) carries
// the auth token.
func messagesAPI(t *testing.T) (*httptest.Server, chan url.Values, *atomic.Int32) {
	created, _ := os.ReadFile("testdata/twilio_message_created.json")
	unavailable, _ := os.ReadFile("testdata/twilio_error_20503.json")
	account, _ := os.ReadFile("testdata/twilio_account.json")
	got := make(chan url.Values, 8)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if ok && user == twilioSID && pass == twilioToken && r.Method == "GET" && r.URL.Path == "/2010-04-01/Accounts/"+twilioSID+".json" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, strings.NewReplacer("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", twilioSID, `"friendly_name": "friendly_name"`, `"friendly_name": "Omni Shop"`,
				`"auth_token": "auth_token"`, `"auth_token": "`+twilioToken+`"`).Replace(string(account)))
			return
		}
		if !ok || user != twilioSID || pass != twilioToken || r.URL.Path != "/2010-04-01/Accounts/"+twilioSID+"/Messages.json" {
			http.Error(w, `{"code":20003,"message":"Authenticate","status":401}`, 401)
			return
		}
		r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.WriteHeader(503)
			w.Write(unavailable)
			return
		}
		got <- r.PostForm
		w.WriteHeader(201)
		io.WriteString(w, strings.NewReplacer("SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "+5571981265131", r.PostForm.Get("To"), "All in the game, yo", r.PostForm.Get("Body")).Replace(string(created)))
	}))
	t.Cleanup(srv.Close)
	return srv, got, &calls
}

// postTwilio posts a form to a Twilio webhook, signed with token.
func postTwilio(t *testing.T, s *apptest.Server, path string, form url.Values, token string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(sms.SignatureHeader, sms.Signature(token, s.URL+path, form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSMSChannel(t *testing.T) {
	api, got, calls := messagesAPI(t)
	cfg := config.Server{Channels: config.Channels{Twilio: config.Twilio{AccountSID: twilioSID, AuthToken: twilioToken,
		Number: "+14155238886", APIBase: api.URL}}}
	apptest.EachConfig(t, cfg, func(t *testing.T, s *apptest.Server) {
		calls.Store(0)
		agent := s.Token(t, auth.ScopeAgent)
		raw, _ := os.ReadFile("testdata/twilio_inbound_sms.form")
		form, err := url.ParseQuery(strings.TrimSpace(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if status := postTwilio(t, s, "/hooks/twilio/sms", form, "wrong-token"); status != 403 {
			t.Fatalf("bad signature: %d, want 403", status)
		}
		for range 2 { // Twilio retrying: stored once
			if status := postTwilio(t, s, "/hooks/twilio/sms", form, twilioToken); status != 200 {
				t.Fatalf("inbound: %d", status)
			}
		}
		_, body := s.Do(t, "GET", "/api/v1/conversations?channel=sms", agent, nil)
		list := apptest.DecodeJSON[inbox.Page](t, body)
		if len(list.Conversations) != 1 {
			t.Fatalf("sms conversations: %s", body)
		}
		conv := list.Conversations[0]
		_, body = s.Do(t, "GET", "/api/v1/conversations/"+conv.ID, agent, nil)
		view := apptest.DecodeJSON[httpapi.ConversationView](t, body)
		if len(view.Messages) != 1 || view.Messages[0].Body != "Is my order #42 shipped?" || view.Messages[0].Address != "+14158675310" {
			t.Fatalf("thread after replayed webhook: %s", body)
		}

		// The reply: the first attempt meets a 503, the retry goes through.
		code, body := s.Do(t, "POST", "/api/v1/conversations/"+conv.ID+"/messages", agent, map[string]string{"body": "Yes, it left today."})
		if code != 202 {
			t.Fatalf("reply: %d %s", code, body)
		}
		reply := apptest.DecodeJSON[inbox.Message](t, body)
		select {
		case f := <-got:
			if f.Get("To") != "+14158675310" || f.Get("From") != "+14155238886" || f.Get("Body") != "Yes, it left today." {
				t.Fatalf("Twilio got %v", f)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("reply not sent within 20s")
		}
		sent, _ := waitState(t, s, agent, conv.ID, reply.ID, inbox.StateSent)
		if sent.Attempts != 2 || sent.ExternalID != "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" || calls.Load() != 2 {
			t.Fatalf("sent %+v after %d calls", sent, calls.Load())
		}
		// Twilio's status callback.
		status := url.Values{"MessageSid": {sent.ExternalID}, "MessageStatus": {"delivered"}, "AccountSid": {twilioSID}}
		if code := postTwilio(t, s, "/hooks/twilio/status", status, "wrong-token"); code != 403 {
			t.Fatalf("unsigned status callback: %d", code)
		}
		if code := postTwilio(t, s, "/hooks/twilio/status", status, twilioToken); code != 204 {
			t.Fatalf("status callback: %d", code)
		}
		waitState(t, s, agent, conv.ID, reply.ID, inbox.StateDelivered)
	})
}
