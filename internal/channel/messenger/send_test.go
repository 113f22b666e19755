package messenger

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testToken = "EAAG-page-token+with/odd=chars"

// graphServer answers POST /v25.0/me/messages after checking the request
// shape; the answer comes from a fixture with the given status.
func graphServer(t *testing.T, wantBody map[string]any, status int, fixture string) *httptest.Server {
	t.Helper()
	answer := readFixture(t, fixture)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			t.Errorf("method = %s, want POST", r.Method)
		}
		if r.URL.Path != "/v25.0/me/messages" {
			t.Errorf("path = %s, want /v25.0/me/messages", r.URL.Path)
		}
		if got := r.URL.Query(); len(got) != 1 || got.Get("access_token") != testToken {
			t.Errorf("query = %v, want only access_token", got)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		raw, _ := io.ReadAll(r.Body)
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Errorf("body is not JSON: %v: %s", err, raw)
		}
		if !reflect.DeepEqual(got, wantBody) {
			t.Errorf("body = %s\nwant %v", raw, wantBody)
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
	c, err := NewClient(Config{BaseURL: baseURL, APIVersion: "v25.0", PageAccessToken: testToken, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSendTextRequestShape(t *testing.T) {
	tests := []struct {
		name     string
		delivery Delivery
		want     map[string]any
	}{
		{"response", Delivery{Type: TypeResponse}, map[string]any{
			"recipient": map[string]any{"id": "PSID-1"}, "messaging_type": "RESPONSE",
			"message": map[string]any{"text": "Your order ships today."},
		}},
		{"update", Delivery{Type: TypeUpdate}, map[string]any{
			"recipient": map[string]any{"id": "PSID-1"}, "messaging_type": "UPDATE",
			"message": map[string]any{"text": "Your order ships today."},
		}},
		{"human agent tag", Delivery{Type: TypeMessageTag, Tag: TagHumanAgent}, map[string]any{
			"recipient": map[string]any{"id": "PSID-1"}, "messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT",
			"message": map[string]any{"text": "Your order ships today."},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := graphServer(t, tt.want, http.StatusOK, "send_success.json")
			res, err := newTestClient(t, srv.URL).SendText(context.Background(), "PSID-1", "Your order ships today.", tt.delivery)
			if err != nil {
				t.Fatal(err)
			}
			if res != (SendResult{RecipientID: "PAGE-SCOPED-ID", MessageID: "AG5Hz2U..."}) {
				t.Fatalf("result = %+v", res)
			}
		})
	}
}

func TestSendTextGraphErrors(t *testing.T) {
	body := map[string]any{
		"recipient": map[string]any{"id": "PSID-1"}, "messaging_type": "RESPONSE",
		"message": map[string]any{"text": "hi"},
	}
	tests := []struct {
		fixture       string
		status        int
		code, subcode int
		temporary     bool
		outsideWindow bool
	}{
		{"error_oauth.json", 400, 190, 1234567, false, false},
		{"error_outside_window.json", 400, 10, 2018278, false, true},
		{"error_user_unavailable.json", 400, 551, 1545041, false, false},
		{"error_rate_limit.json", 400, 613, 0, true, false},
		{"error_temporary_send.json", 500, 1200, 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			srv := graphServer(t, body, tt.status, tt.fixture)
			_, err := newTestClient(t, srv.URL).SendText(context.Background(), "PSID-1", "hi", Delivery{Type: TypeResponse})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %v (%T), want *APIError", err, err)
			}
			if apiErr.HTTPStatus != tt.status || apiErr.Code != tt.code || apiErr.Subcode != tt.subcode {
				t.Errorf("got status %d code %d subcode %d", apiErr.HTTPStatus, apiErr.Code, apiErr.Subcode)
			}
			if apiErr.FBTraceID != "BLBz/WZt8dN" || apiErr.Type != "OAuthException" || apiErr.Message == "" {
				t.Errorf("fields not decoded: %+v", apiErr)
			}
			if IsTemporary(err) != tt.temporary {
				t.Errorf("IsTemporary = %v, want %v", !tt.temporary, tt.temporary)
			}
			if apiErr.OutsideWindow() != tt.outsideWindow {
				t.Errorf("OutsideWindow = %v, want %v", !tt.outsideWindow, tt.outsideWindow)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error leaks the token: %v", err)
			}
		})
	}
}

func TestAPIErrorTemporary(t *testing.T) {
	tests := []struct {
		err  APIError
		want bool
	}{
		{APIError{HTTPStatus: 503}, true},
		{APIError{HTTPStatus: 429}, true},
		{APIError{HTTPStatus: 400, Code: 2}, true},
		{APIError{HTTPStatus: 400, Code: 4, Subcode: 2018022}, true},
		{APIError{HTTPStatus: 400, Code: 1234, Transient: true}, true},
		{APIError{HTTPStatus: 400, Code: 100, Subcode: 2018001}, false},
		{APIError{HTTPStatus: 500, Code: 190}, false},
		{APIError{HTTPStatus: 403, Code: 200}, false},
	}
	for _, tt := range tests {
		if got := tt.err.Temporary(); got != tt.want {
			t.Errorf("%v: Temporary = %v, want %v", &tt.err, got, tt.want)
		}
	}
}

func TestSendTextNonJSONErrorBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
	}))
	defer srv.Close()
	_, err := newTestClient(t, srv.URL).SendText(context.Background(), "PSID-1", "hi", Delivery{Type: TypeResponse})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.HTTPStatus != 502 || !strings.Contains(apiErr.Message, "upstream unavailable") {
		t.Fatalf("err = %v", err)
	}
	if !IsTemporary(err) {
		t.Error("502 should be temporary")
	}
}

func TestSendTextTransportErrorsHideToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	srv.Close() // nothing listens any more
	_, err := newTestClient(t, url).SendText(context.Background(), "PSID-1", "hi", Delivery{Type: TypeResponse})
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v (%T), want *TransportError", err, err)
	}
	if !IsTemporary(err) {
		t.Error("connection refused should be temporary")
	}
	for _, leak := range []string{testToken, "access_token", "EAAG"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error leaks %q: %v", leak, err)
		}
	}

	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)
	c, err := NewClient(Config{BaseURL: slow.URL, PageAccessToken: testToken, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.SendText(context.Background(), "PSID-1", "hi", Delivery{Type: TypeResponse})
	if err == nil || strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "access_token") {
		t.Fatalf("timeout err = %v", err)
	}
	if !IsTemporary(err) {
		t.Error("timeout should be temporary")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.SendText(ctx, "PSID-1", "hi", Delivery{Type: TypeResponse})
	if !errors.Is(err, context.Canceled) || IsTemporary(err) {
		t.Fatalf("cancelled err = %v, temporary = %v", err, IsTemporary(err))
	}
}

func TestSendTextRejectsBadInput(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("no request expected for invalid input")
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL)
	tests := []struct {
		name, psid, text string
		d                Delivery
	}{
		{"no psid", "", "hi", Delivery{Type: TypeResponse}},
		{"no text", "P", "", Delivery{Type: TypeResponse}},
		{"too long", "P", strings.Repeat("é", MaxTextLength+1), Delivery{Type: TypeResponse}},
		{"invalid utf8", "P", "\xff", Delivery{Type: TypeResponse}},
		{"tag without MESSAGE_TAG", "P", "hi", Delivery{Type: TypeResponse, Tag: TagHumanAgent}},
		{"MESSAGE_TAG without tag", "P", "hi", Delivery{Type: TypeMessageTag}},
		{"unknown type", "P", "hi", Delivery{Type: "PROMO"}},
	}
	for _, tt := range tests {
		if _, err := c.SendText(context.Background(), tt.psid, tt.text, tt.d); err == nil {
			t.Errorf("%s: no error", tt.name)
		} else if IsTemporary(err) {
			t.Errorf("%s: validation error reported temporary: %v", tt.name, err)
		}
	}
}

func TestNewClientConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{PageAccessToken: "t"}, true},
		{"no token", Config{}, false},
		{"relative base", Config{PageAccessToken: "t", BaseURL: "graph.facebook.com"}, false},
		{"ftp base", Config{PageAccessToken: "t", BaseURL: "ftp://graph.facebook.com"}, false},
		{"bad version", Config{PageAccessToken: "t", APIVersion: "25.0"}, false},
		{"page id", Config{PageAccessToken: "t", PageID: "12345"}, true},
	}
	for _, tt := range tests {
		c, err := NewClient(tt.cfg)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v", tt.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "t\"") {
			t.Errorf("%s: error may contain the token: %v", tt.name, err)
		}
		if c != nil && tt.name == "defaults" && c.endpoint != "https://graph.facebook.com/v25.0/me/messages" {
			t.Errorf("default endpoint = %s", c.endpoint)
		}
		if c != nil && tt.name == "page id" && !strings.HasSuffix(c.endpoint, "/12345/messages") {
			t.Errorf("page endpoint = %s", c.endpoint)
		}
	}
}

func TestSendTextAtLengthLimit(t *testing.T) {
	text := strings.Repeat("é", MaxTextLength) // 2000 characters, 4000 bytes
	srv := graphServer(t, map[string]any{
		"recipient": map[string]any{"id": "PSID-1"}, "messaging_type": "RESPONSE",
		"message": map[string]any{"text": text},
	}, http.StatusOK, "send_success.json")
	if _, err := newTestClient(t, srv.URL).SendText(context.Background(), "PSID-1", text, Delivery{Type: TypeResponse}); err != nil {
		t.Fatal(err)
	}
}
