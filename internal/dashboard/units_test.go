package dashboard

import (
	"encoding/json"
	"testing"
	"time"
)

func TestLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute, func() time.Time { return now })
	steps := []struct {
		advance time.Duration
		key     string
		want    bool
	}{
		{0, "a", true}, {0, "a", true}, {0, "a", true}, {0, "a", false}, // burst of 3
		{0, "b", true},                 // another address has its own bucket
		{30 * time.Second, "a", false}, // half a token is not enough
		{30 * time.Second, "a", true},  // one minute: one more
		{0, "a", false},
		{time.Hour, "a", true}, {0, "a", true}, {0, "a", true}, {0, "a", false}, // refilled to the burst, not beyond
	}
	for i, s := range steps {
		now = now.Add(s.advance)
		ok, wait := l.allow(s.key)
		if ok != s.want {
			t.Fatalf("step %d (%s): allow = %v, want %v", i, s.key, ok, s.want)
		}
		if !ok && (wait <= 0 || wait > time.Minute) {
			t.Fatalf("step %d: wait %v", i, wait)
		}
	}
	now = now.Add(time.Hour)
	l.prune(now)
	if len(l.buckets) != 0 {
		t.Errorf("%d full buckets kept after prune", len(l.buckets))
	}
}

func TestFormatting(t *testing.T) {
	counts := map[int64]string{0: "0", 999: "999", 1000: "1\u202f000", 1234567: "1\u202f234\u202f567", -4200: "-4\u202f200"}
	for n, want := range counts {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
	deltas := []struct {
		cur, prev int64
		want      string
	}{{0, 0, "±0%"}, {5, 0, "new"}, {150, 100, "+50%"}, {50, 100, "−50%"}, {1001, 1000, "+0.1%"}, {100, 100, "±0%"}, {0, 7, "−100%"}}
	for _, d := range deltas {
		if got := formatDelta(d.cur, d.prev); got != d.want {
			t.Errorf("formatDelta(%d, %d) = %q, want %q", d.cur, d.prev, got, d.want)
		}
	}
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	ago := map[time.Duration]string{10 * time.Second: "just now", 5 * time.Minute: "5 min ago", 3 * time.Hour: "3 h ago", 72 * time.Hour: "3 days ago"}
	for d, want := range ago {
		if got := since(now, now.Add(-d)); got != want {
			t.Errorf("since(%v) = %q, want %q", d, got, want)
		}
	}
	if since(now, time.Time{}) != "never" || formatTime(time.Time{}) != "never" {
		t.Error("the zero time is not never")
	}
}

func TestSummarize(t *testing.T) {
	tests := []struct{ payload, want string }{
		{`{"text":"Where is my order?"}`, "Where is my order?"},
		{`{"properties":{"sku":"A-1","price":12.5,"qty":2}}`, "price: 12.5 · qty: 2 · sku: A-1"},
		{`{"traits":{"plan":"gold"}}`, "plan: gold"},
		{`{"properties":{}}`, ""},
		{`not json`, ""},
	}
	for _, tc := range tests {
		if got := summarize(json.RawMessage(tc.payload)); got != tc.want {
			t.Errorf("summarize(%s) = %q, want %q", tc.payload, got, tc.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{"/customers": "/customers", "/a?b=c": "/a?b=c", "": "/",
		"//evil": "/", "/\\evil": "/", "https://evil": "/", "javascript:alert(1)": "/", "/x\r\nSet-Cookie: a": "/"} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSRFTokenIsPerSession(t *testing.T) {
	a, b := csrfToken("omnis_a"), csrfToken("omnis_b")
	if a == b || a != csrfToken("omnis_a") || len(a) < 40 {
		t.Fatalf("tokens %q %q: want distinct, stable, long", a, b)
	}
}
