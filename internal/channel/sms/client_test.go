package sms

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testAccount = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	testToken   = "f00dcafef00dcafef00dcafef00dcafe"
)

// twilioServer answers the Messages resource after checking the request
// shape; the answer is the named fixture with the given status.
func twilioServer(t *testing.T, wantForm url.Values, status int, fixture string) *httptest.Server {
	t.Helper()
	answer, err := os.ReadFile("testdata/" + fixture)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		if want := "/2010-04-01/Accounts/" + testAccount + "/Messages.json"; r.URL.Path != want || r.URL.RawQuery != "" {
			t.Errorf("URL = %s, want %s", r.URL, want)
		}
		if user, pass, ok := r.BasicAuth(); !ok || user != testAccount || pass != testToken {
			t.Errorf("basic auth = %q, %q, %v", user, pass, ok)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("Content-Type = %q", ct)
		}
		raw, _ := io.ReadAll(r.Body)
		got, err := url.ParseQuery(string(raw))
		if err != nil {
			t.Errorf("body is not a form: %v", err)
		}
		if !reflect.DeepEqual(got, wantForm) {
			t.Errorf("form = %v\nwant %v", got, wantForm)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(answer)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newTestClient(t *testing.T, baseURL string) *Client {
	t.Helper()
	c, err := NewClient(Config{BaseURL: baseURL, AccountSID: testAccount, AuthToken: testToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendRequestAndResponse(t *testing.T) {
	want := url.Values{
		"From": {"+15005550006"}, "To": {"+5571981265131"}, "Body": {"All in the game, yo"},
		"StatusCallback": {"https://omni.example.com/hooks/sms/status"},
	}
	srv := twilioServer(t, want, http.StatusCreated, "message_created.json")
	msg, err := newTestClient(t, srv.URL).Send(context.Background(),
		"+15005550006", "+5571981265131", "All in the game, yo", "https://omni.example.com/hooks/sms/status")
	if err != nil {
		t.Fatal(err)
	}
	wantMsg := Message{
		SID: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", AccountSID: "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		MessagingServiceSID: "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		From:                "+15005550006", To: "+5571981265131", Body: "All in the game, yo",
		Status: "queued", Direction: "outbound-api", NumSegments: "1",
		DateCreated: "Thu, 30 Jul 2015 20:12:31 +0000",
	}
	if !reflect.DeepEqual(msg, wantMsg) {
		t.Fatalf("message = %+v\nwant %+v", msg, wantMsg)
	}
}

func TestSendWithMessagingServiceAndNoCallback(t *testing.T) {
	want := url.Values{
		"MessagingServiceSid": {"MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, "To": {"+5571981265131"}, "Body": {"hi"},
	}
	srv := twilioServer(t, want, http.StatusCreated, "message_created.json")
	if _, err := newTestClient(t, srv.URL).Send(context.Background(),
		"MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "+5571981265131", "hi", ""); err != nil {
		t.Fatal(err)
	}
}

func TestSendAPIErrors(t *testing.T) {
	want := url.Values{"From": {"+15005550006"}, "To": {"+14155552671"}, "Body": {"hi"}}
	tests := []struct {
		fixture   string
		status    int
		code      int
		temporary bool
	}{
		{"error_21211.json", 400, 21211, false},
		{"error_20003.json", 401, 20003, false},
		{"error_20429.json", 429, 20429, true},
		{"error_20503.json", 503, 20503, true},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			srv := twilioServer(t, want, tt.status, tt.fixture)
			_, err := newTestClient(t, srv.URL).Send(context.Background(), "+15005550006", "+14155552671", "hi", "")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if apiErr.HTTPStatus != tt.status || apiErr.Code != tt.code || apiErr.Message == "" ||
				apiErr.MoreInfo != "https://www.twilio.com/docs/errors/"+strings.TrimSuffix(strings.TrimPrefix(tt.fixture, "error_"), ".json") {
				t.Errorf("decoded %+v", apiErr)
			}
			if IsTemporary(err) != tt.temporary {
				t.Errorf("IsTemporary = %v, want %v", !tt.temporary, tt.temporary)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error leaks the auth token: %v", err)
			}
		})
	}
}

func TestSendTransportErrors(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	_, err := newTestClient(t, base).Send(context.Background(), "+15005550006", "+14155552671", "hi", "")
	var te *TransportError
	if !errors.As(err, &te) || !IsTemporary(err) {
		t.Fatalf("err = %v (%T), temporary %v; want temporary *TransportError", err, err, IsTemporary(err))
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error leaks the auth token: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = newTestClient(t, base).Send(ctx, "+15005550006", "+14155552671", "hi", "")
	if !errors.Is(err, context.Canceled) || IsTemporary(err) {
		t.Fatalf("cancelled: err = %v, temporary = %v", err, IsTemporary(err))
	}
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `<TwilioResponse/>`)
	}))
	defer bad.Close()
	if _, err := newTestClient(t, bad.URL).Send(context.Background(), "+15005550006", "+14155552671", "hi", ""); err == nil {
		t.Fatal("non-JSON success body accepted")
	}
}

func TestSendRejectsBadInput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("no request expected for invalid input")
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	tests := []struct{ name, from, to, body, callback string }{
		{"no from", "", "+14155552671", "hi", ""},
		{"national to", "+15005550006", "4155552671", "hi", ""},
		{"empty body", "+15005550006", "+14155552671", "", ""},
		{"long body", "+15005550006", "+14155552671", strings.Repeat("x", MaxBodyLength+1), ""},
		{"bad utf8", "+15005550006", "+14155552671", "\xfe", ""},
		{"relative callback", "+15005550006", "+14155552671", "hi", "/hooks/sms/status"},
	}
	for _, tt := range tests {
		_, err := c.Send(context.Background(), tt.from, tt.to, tt.body, tt.callback)
		if err == nil || IsTemporary(err) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestNewClientConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{AccountSID: testAccount, AuthToken: testToken}, true},
		{"bad account", Config{AccountSID: "AC123", AuthToken: testToken}, false},
		{"no token", Config{AccountSID: testAccount}, false},
		{"bad base", Config{AccountSID: testAccount, AuthToken: testToken, BaseURL: "api.twilio.com"}, false},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if tt.name == "defaults" && c != nil && c.endpoint != "https://api.twilio.com/2010-04-01/Accounts/"+testAccount+"/Messages.json" {
			t.Errorf("endpoint = %s", c.endpoint)
		}
	}
}
