package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	analytics "github.com/segmentio/analytics-go/v3"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
)

// source creates a tracking source on the node and returns its write key.
func source(t *testing.T, s *apptest.Server, channel string) string {
	t.Helper()
	src, err := auth.NewService(s.App.DB()).CreateSource(context.Background(), "test "+channel, channel)
	if err != nil {
		t.Fatal(err)
	}
	return src.WriteKey
}

// post sends body to a tracking path with the write key as Basic auth user
// (none when key is empty) and returns the status and response body.
func post(t *testing.T, s *apptest.Server, path, key string, body []byte, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.SetBasicAuth(key, "")
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// timeline returns the events of the customer owning the identifier.
func timeline(t *testing.T, s *apptest.Server, typ identity.Type, value string) (string, []customer.Event) {
	t.Helper()
	ctx := context.Background()
	cid, err := s.App.Identity().Lookup(ctx, identity.Identifier{Type: typ, Value: value})
	if err != nil {
		t.Fatalf("look up %s:%s: %v", typ, value, err)
	}
	page, err := s.App.Customers().Timeline(ctx, cid, customer.MaxPage, "")
	if err != nil {
		t.Fatal(err)
	}
	return cid, page.Events
}

func count(t *testing.T, s *apptest.Server, table string) int {
	t.Helper()
	var n int
	if err := s.App.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type failures struct {
	mu   sync.Mutex
	errs []error
}

func (f *failures) Success(analytics.Message) {}
func (f *failures) Failure(_ analytics.Message, err error) {
	f.mu.Lock()
	f.errs = append(f.errs, err)
	f.mu.Unlock()
}

// The official Go library, unmodified, sends to Omni: an anonymous visitor
// browses, signs up and is aliased; everything lands on one timeline.
func TestSegmentGoLibrary(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := source(t, s, "web")
		fails := &failures{}
		client, err := analytics.NewWithConfig(key, analytics.Config{
			Endpoint: s.URL, Interval: 20 * time.Millisecond, BatchSize: 100, Callback: fails,
			RetryAfter: func(int) time.Duration { return 10 * time.Millisecond },
		})
		if err != nil {
			t.Fatal(err)
		}
		msgs := []analytics.Message{
			analytics.Track{AnonymousId: "anon-42", Event: "Product Viewed",
				Properties: analytics.NewProperties().Set("sku", "TEE-1").SetPrice(19.5)},
			analytics.Page{AnonymousId: "anon-42", Name: "Checkout",
				Context: &analytics.Context{Page: analytics.PageInfo{Path: "/checkout"}}},
			analytics.Identify{UserId: "user-42", Traits: analytics.NewTraits().SetEmail("Ada@Example.com").SetName("Ada L")},
			analytics.Alias{PreviousId: "anon-42", UserId: "user-42"},
		}
		for _, m := range msgs {
			if err := client.Enqueue(m); err != nil {
				t.Fatal(err)
			}
		}
		if err := client.Close(); err != nil {
			t.Fatal(err)
		}
		if len(fails.errs) > 0 {
			t.Fatalf("the library reported failures: %v", fails.errs)
		}
		cid, events := timeline(t, s, identity.UserID, "user-42")
		anonOwner, _ := timeline(t, s, identity.AnonymousID, "anon-42")
		if anonOwner != cid {
			t.Fatalf("anon-42 belongs to %s, user-42 to %s: alias did not merge", anonOwner, cid)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.Type+":"+e.Name)
			if e.Channel != "web" || e.CustomerID != cid {
				t.Errorf("event %s: channel %q customer %s", e.ID, e.Channel, e.CustomerID)
			}
		}
		slices.Sort(got)
		want := []string{"alias:", "identify:", "page:Checkout", "track:Product Viewed"}
		if !slices.Equal(got, want) {
			t.Fatalf("timeline %v, want %v", got, want)
		}
		p, err := s.App.Customers().Get(context.Background(), cid)
		if err != nil {
			t.Fatal(err)
		}
		if p.Email != "ada@example.com" || p.Name != "Ada L" {
			t.Errorf("profile %+v: identify traits not stored", p)
		}
	})
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRawGzipBatchIsWrittenOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := source(t, s, "app")
		raw, err := os.ReadFile("testdata/batch.json")
		if err != nil {
			t.Fatal(err)
		}
		// Give the calls message ids, so that a retry is recognised.
		raw = bytes.Replace(raw, []byte(`"type": "identify",`), []byte(`"type": "identify", "messageId": "m-1",`), 1)
		raw = bytes.Replace(raw, []byte(`"event": "Song Played",`), []byte(`"event": "Song Played", "messageId": "m-2",`), 1)
		raw = bytes.Replace(raw, []byte(`"userId": "971mj8mk7p",`), []byte(`"userId": "971mj8mk7p", "messageId": "m-3",`), 1)
		body := gzipped(t, raw)
		for attempt := range 2 {
			code, resp := post(t, s, "/v1/batch", key, body, "Content-Encoding", "gzip")
			if code != http.StatusOK || strings.TrimSpace(resp) != `{"success":true}` {
				t.Fatalf("attempt %d: %d %s", attempt, code, resp)
			}
		}
		if n := count(t, s, "events"); n != 3 {
			t.Fatalf("%d events stored after a retried batch, want 3", n)
		}
		_, metrics := s.Do(t, "GET", "/metrics", s.Token(t, auth.ScopeRead), nil)
		for _, want := range []string{`omni_ingest_events_total{outcome="written"} 3`, `omni_ingest_events_total{outcome="duplicate"} 3`} {
			if !strings.Contains(string(metrics), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		_, events := timeline(t, s, identity.UserID, "019mr8mf4r")
		if len(events) != 2 || events[0].Channel != "app" {
			t.Fatalf("timeline %+v", events)
		}
		var payload map[string]any
		if err := json.Unmarshal(events[0].Payload, &payload); err != nil {
			t.Fatal(err)
		}
		if payload["receivedAt"] == nil || payload["originalTimestamp"] != "2012-12-02T00:30:14.203Z" {
			t.Errorf("payload %v lacks the server's timestamps", payload)
		}
		// A gzip bomb: 10 MB of zeros in a few KB.
		bomb := gzipped(t, append([]byte(`{"batch":[],"x":"`), make([]byte, 10<<20)...))
		if code, resp := post(t, s, "/v1/batch", key, bomb, "Content-Encoding", "gzip"); code != http.StatusBadRequest ||
			!strings.Contains(resp, "larger than") {
			t.Fatalf("gzip bomb: %d %s", code, resp)
		}
	})
}

func TestWriteKeys(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := source(t, s, "web")
		track := func(extra string) []byte {
			return []byte(`{"userId":"u-1","event":"Clicked"` + extra + `}`)
		}
		tests := []struct {
			name, path, key string
			body            []byte
			want            int
		}{
			{"basic auth", "/v1/track", key, track(""), 200},
			{"no key", "/v1/track", "", track(""), 401},
			{"wrong key", "/v1/track", "wk_wrong", track(""), 401},
			{"key in body", "/v1/track", "", track(`,"writeKey":"` + key + `"`), 200},
			{"wrong key in body", "/v1/track", "", track(`,"writeKey":"nope"`), 401},
			{"analytics.js path", "/v1/t", "", track(`,"writeKey":"` + key + `"`), 200},
			{"analytics.js batch", "/v1/b", "", []byte(`{"writeKey":"` + key + `","batch":[{"type":"page","anonymousId":"a-1"}]}`), 200},
			{"import", "/v1/import", key, []byte(`{"batch":[{"type":"screen","userId":"u-1","name":"Home"}]}`), 200},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				code, body := post(t, s, tc.path, tc.key, tc.body, "Content-Type", "text/plain")
				if code != tc.want {
					t.Fatalf("status %d, want %d: %s", code, tc.want, body)
				}
			})
		}
		if n := count(t, s, "events"); n != 5 {
			t.Fatalf("%d events, want 5", n)
		}
	})
}

// Bad input is answered 400 with the field named, and nothing of the request
// is written.
func TestBadInputWritesNothing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := source(t, s, "web")
		big := `{"userId":"u","event":"e","properties":{"x":"` + strings.Repeat("x", 33<<10) + `"}}`
		tests := []struct {
			name, path, body, field string
		}{
			{"malformed JSON", "/v1/track", `{"userId":"u","event":`, "body"},
			{"missing ids", "/v1/page", `{"name":"Home"}`, "userId"},
			{"oversized event", "/v1/track", big, "body"},
			{"bad timestamp", "/v1/identify", `{"userId":"u","timestamp":"31/12/2024"}`, "timestamp"},
			{"one bad call in a batch", "/v1/batch",
				`{"batch":[{"type":"identify","userId":"u","traits":{"email":"u@example.com"}},{"type":"track","userId":"u"}]}`,
				"batch[1].event"},
			{"unknown channel", "/v1/track", `{"userId":"u","event":"e","context":{"channel":"fax"}}`, "context.channel"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				code, body := post(t, s, tc.path, key, []byte(tc.body))
				if code != http.StatusBadRequest {
					t.Fatalf("status %d, want 400: %s", code, body)
				}
				var e struct {
					Error struct{ Code, Message, Field string }
				}
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Field != tc.field || e.Error.Code != "invalid" {
					t.Fatalf("error %s, want field %q", body, tc.field)
				}
			})
		}
		for _, table := range []string{"events", "customers", "identities", "customer_traits"} {
			if n := count(t, s, table); n != 0 {
				t.Errorf("%d rows in %s after rejected requests", n, table)
			}
		}
	})
}

// A commit that fails is answered 503, and none of its writes is visible.
func TestFailedCommitIsAnswered503(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := source(t, s, "web")
		ctx := context.Background()
		if _, err := s.App.DB().ExecContext(ctx, "ALTER TABLE events RENAME TO events_away"); err != nil {
			t.Fatal(err)
		}
		code, body := post(t, s, "/v1/identify", key, []byte(`{"userId":"u-9","traits":{"name":"Nine"}}`))
		if code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503: %s", code, body)
		}
		if _, err := s.App.DB().ExecContext(ctx, "ALTER TABLE events_away RENAME TO events"); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"customers", "identities", "customer_traits"} {
			if n := count(t, s, table); n != 0 {
				t.Errorf("%d rows in %s after a failed commit", n, table)
			}
		}
		// The client's retry succeeds.
		if code, body := post(t, s, "/v1/identify", key, []byte(`{"userId":"u-9","traits":{"name":"Nine"}}`)); code != 200 {
			t.Fatalf("retry: %d %s", code, body)
		}
	})
}

func TestChannelOverride(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		key := source(t, s, "web")
		body := `{"batch":[{"type":"track","userId":"c-1","event":"Bought","context":{"channel":"pos"}},` +
			`{"type":"page","userId":"c-1","name":"Home"}]}`
		if code, resp := post(t, s, "/v1/batch", key, []byte(body)); code != 200 {
			t.Fatalf("%d %s", code, resp)
		}
		_, events := timeline(t, s, identity.UserID, "c-1")
		channels := map[string]string{}
		for _, e := range events {
			channels[e.Type] = e.Channel
		}
		if channels["track"] != "pos" || channels["page"] != "web" {
			t.Fatalf("channels %v: want pos from context.channel, web from the source", channels)
		}
	})
}

// A retried call is stored once, with or without a client timestamp; the same
// messageId from another source is another event.
func TestRetriesAreStoredOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		web, app := source(t, s, "web"), source(t, s, "app")
		calls := []string{
			`{"userId":"r-1","event":"Clicked","messageId":"dup-1"}`,
			`{"userId":"r-1","event":"Clicked","messageId":"dup-2","timestamp":"2024-05-01T10:00:00Z","sentAt":"2024-05-01T10:00:01Z"}`,
		}
		for range 3 {
			for _, c := range calls {
				if code, body := post(t, s, "/v1/track", web, []byte(c)); code != 200 {
					t.Fatalf("%d %s", code, body)
				}
			}
		}
		if code, body := post(t, s, "/v1/track", app, []byte(calls[0])); code != 200 {
			t.Fatalf("%d %s", code, body)
		}
		if n := count(t, s, "events"); n != 3 {
			t.Fatalf("%d events, want 3: two calls from web retried, one from app", n)
		}
	})
}

// Browsers send from the shop's origin: preflights are answered and every
// answer allows any origin.
func TestCORS(t *testing.T) {
	s := apptest.Start(t, t.TempDir()+"/omni.db")
	req, _ := http.NewRequest("OPTIONS", s.URL+"/v1/track", nil)
	req.Header.Set("Origin", "https://shop.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}
