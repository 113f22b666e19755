package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/omni-hq/omni/internal/apperr"
)

// FuzzDecode feeds arbitrary bodies to every endpoint. The decoder must never
// panic, must answer bad input with an Invalid error, and what it accepts
// must be safe to store: valid JSON payloads, ids free of NUL, sane times.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(0))
		f.Add(b, uint8(6))
	}
	for _, s := range []string{
		`{"userId":"u","event":"e","timestamp":"2024-05-01T10:00:00Z","sentAt":"2024-05-01T10:00:05Z"}`,
		`{"batch":[{"type":"alias","previousId":"a","userId":"b"},{"type":"group","userId":"u","groupId":7}],"context":{"ip":"1.2.3.4"}}`,
		`{"userId":"\u00e9\ud83d\ude00","event":"\"q\"","context":{"traits":{"email":"A@B.co","phone":"+44 20 7946 0958"},"device":{"id":12}}}`,
		`{"anonymousId":"a","traits":{"\u0065mail":"x@y.z"},"context":null,"properties":null}`,
		`{"batch":[]}`, `{}`, `[]`, `"x"`, `{"a":1e999}`, `{"userId":-0.5e+3,"event":"e"}`,
	} {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(6))
	}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		endpoint := BatchEndpoint
		if i := int(which) % (len(Types) + 1); i < len(Types) {
			endpoint = Types[i]
		}
		req, err := Decode(body, endpoint, Options{ReceivedAt: received, IP: "203.0.113.9"})
		if err != nil {
			if e, ok := apperr.As(err); !ok || e.Code != apperr.Invalid {
				t.Fatalf("error %v is not an Invalid application error", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted a body that is not JSON: %q", body)
		}
		if endpoint != BatchEndpoint && len(req.Events) != 1 {
			t.Fatalf("%d events from a single call", len(req.Events))
		}
		for _, ev := range req.Events {
			checkEvent(t, ev)
		}
	})
}

func checkEvent(t *testing.T, ev Event) {
	t.Helper()
	if !validType(ev.Type) || ev.MessageID == "" || len(ev.Identifiers) == 0 {
		t.Fatalf("accepted an incomplete event %+v", ev)
	}
	for _, s := range []string{ev.Name, ev.MessageID, ev.Channel} {
		if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
			t.Fatalf("unstorable string %q", s)
		}
	}
	for _, id := range ev.Identifiers {
		if id.Value == "" || strings.IndexByte(id.Value, 0) >= 0 || !utf8.ValidString(id.Value) {
			t.Fatalf("unstorable identifier %q", id)
		}
	}
	for k, v := range ev.Traits {
		if !json.Valid(v) || strings.IndexByte(k, 0) >= 0 {
			t.Fatalf("bad trait %q = %s", k, v)
		}
	}
	if !json.Valid(ev.Payload) || !utf8.Valid(ev.Payload) {
		t.Fatalf("payload is not valid JSON: %s", ev.Payload)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		t.Fatalf("payload is not an object: %v", err)
	}
	for _, k := range []string{"type", "messageId", "timestamp", "receivedAt"} {
		if p[k] == nil {
			t.Fatalf("payload lacks %s: %s", k, ev.Payload)
		}
	}
	if ev.Timestamp.Before(minTime) || ev.Timestamp.After(maxTime) {
		t.Fatalf("timestamp %v out of range", ev.Timestamp)
	}
}

// FuzzScan checks the validating scanner against encoding/json: the same
// verdict on every input that is valid UTF-8 and not nested too deeply.
func FuzzScan(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c\\u00e9"}]}`, `[1.5e-3,true,null]`, `"\\ud800"`, `{"a":01}`, `-`, `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		start := skipSpace(b, 0)
		end, err := scanValue(b, start, 0)
		ok := err == nil && skipSpace(b, end) == len(b)
		want := json.Valid(b)
		if ok && !want {
			t.Fatalf("scanner accepts invalid JSON %q", b)
		}
		if !ok && want && utf8.Valid(b) && (err == nil || !strings.Contains(err.Error(), "nested deeper")) {
			t.Fatalf("scanner rejects valid JSON %q: %v", b, err)
		}
		if ok && start < len(b) && (b[start] == '{' || b[start] == '[') {
			// The trusted walkers find the same end.
			if e := skipValue(b, start); e != end {
				t.Fatalf("skipValue ends at %d, scanValue at %d: %q", e, end, b)
			}
		}
	})
}
