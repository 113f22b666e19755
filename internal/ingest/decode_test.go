package ingest

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/identity"
)

var received = time.Date(2024, 5, 1, 12, 0, 10, 0, time.UTC)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payloadOf decodes an event's payload, failing on invalid JSON.
func payloadOf(t *testing.T, ev Event) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.Payload, &m); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, ev.Payload)
	}
	return m
}

func hasIdent(ids []identity.Identifier, t identity.Type, v string) bool {
	for _, i := range ids {
		if i.Type == t && i.Value == v {
			return true
		}
	}
	return false
}

func TestDecodeTrackWithCommonFields(t *testing.T) {
	req, err := Decode(fixture(t, "track_common_fields.json"), Track, Options{ReceivedAt: received, IP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ev := req.Events[0]
	if ev.Type != Track || ev.Name != "Course Clicked" || ev.MessageID != "022bb90c-bbac-11e4-8dfc-aa07a5b093db" {
		t.Fatalf("event %+v", ev)
	}
	for _, want := range []identity.Identifier{
		{Type: identity.UserID, Value: "97980cfea0067"},
		{Type: identity.AnonymousID, Value: "507f191e810c19729de860ea"},
		{Type: identity.DeviceID, Value: "B5372DB0-C21E-11E4-8DFC-AA07A5B093DB"},
	} {
		if !hasIdent(ev.Identifiers, want.Type, want.Value) {
			t.Errorf("identifiers %v lack %v", ev.Identifiers, want)
		}
	}
	// The client's clock ran 2 ms ahead of its sentAt: timestamp = receivedAt − 2 ms.
	if want := received.Add(-2 * time.Millisecond); !ev.Timestamp.Equal(want) {
		t.Errorf("timestamp %v, want %v", ev.Timestamp, want)
	}
	p := payloadOf(t, ev)
	checks := map[string]any{
		"receivedAt":        "2024-05-01T12:00:10.000Z", // the server's, not the client's
		"timestamp":         "2024-05-01T12:00:09.998Z",
		"originalTimestamp": "2015-12-10T04:08:31.579Z",
		"sentAt":            "2015-12-10T04:08:31.581Z",
		"type":              "track",
		"version":           float64(2),
	}
	for k, want := range checks {
		if p[k] != want {
			t.Errorf("payload %s = %v, want %v", k, p[k], want)
		}
	}
	ctx := p["context"].(map[string]any)
	if ctx["ip"] != "8.8.8.8" || ctx["campaign"].(map[string]any)["name"] != "TPS Innovation Newsletter" {
		t.Errorf("context not kept as sent: %v", ctx)
	}
}

func TestDecodeIdentify(t *testing.T) {
	req, err := Decode(fixture(t, "identify.json"), Identify, Options{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	if req.WriteKey != "wk_in_body" {
		t.Errorf("write key %q", req.WriteKey)
	}
	ev := req.Events[0]
	if !hasIdent(ev.Identifiers, identity.Email, "pgibbons@example.com") || !hasIdent(ev.Identifiers, identity.Phone, "+14155550132") {
		t.Errorf("identifiers %v lack the normalised email and phone", ev.Identifiers)
	}
	if string(ev.Traits["name"]) != `"Peter Gibbons"` || string(ev.Traits["friends"]) != "42" || len(ev.Traits) != 5 {
		t.Errorf("traits %v", ev.Traits)
	}
	// No sentAt: the client's timestamp is taken as is.
	if want := time.Date(2012, 12, 2, 0, 30, 8, 276e6, time.UTC); !ev.Timestamp.Equal(want) {
		t.Errorf("timestamp %v, want %v", ev.Timestamp, want)
	}
	if p := payloadOf(t, ev); p["writeKey"] != nil || p["type"] != "identify" || p["messageId"] == "" {
		t.Errorf("payload %v", p)
	}
}

func TestDecodeBatchMergesContext(t *testing.T) {
	req, err := Decode(fixture(t, "batch.json"), BatchEndpoint, Options{ReceivedAt: received, IP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Events) != 3 {
		t.Fatalf("%d events, want 3", len(req.Events))
	}
	if req.Events[0].Type != Identify || req.Events[1].Name != "Song Played" || req.Events[2].Type != Track {
		t.Fatalf("events %+v", req.Events)
	}
	ids := map[string]bool{}
	for _, ev := range req.Events {
		ids[ev.MessageID] = true
	}
	if len(ids) != 3 {
		t.Errorf("generated message ids are not distinct: %v", ids)
	}
	ctx := payloadOf(t, req.Events[2])["context"].(map[string]any)
	if ctx["locale"] != "fr-FR" || ctx["device"].(map[string]any)["type"] != "phone" || ctx["ip"] != "10.0.0.1" {
		t.Errorf("merged context %v: want the call's locale, the batch's device and the client ip", ctx)
	}
}

func TestDecodeClockSkew(t *testing.T) {
	tests := []struct {
		name, body string
		want       time.Time
	}{
		{"client clock 2h behind", `{"userId":"u","event":"e","timestamp":"2024-05-01T10:00:00Z","sentAt":"2024-05-01T10:00:05Z"}`,
			received.Add(-5 * time.Second)},
		{"offset in the timestamps", `{"userId":"u","event":"e","timestamp":"2024-05-01T12:00:00+02:00","sentAt":"2024-05-01T12:00:01+02:00"}`,
			received.Add(-time.Second)},
		{"no timestamp", `{"userId":"u","event":"e","sentAt":"2024-05-01T10:00:05Z"}`, received},
		{"no sentAt", `{"userId":"u","event":"e","timestamp":"2020-01-02T03:04:05.678Z"}`,
			time.Date(2020, 1, 2, 3, 4, 5, 678e6, time.UTC)},
		{"date only", `{"userId":"u","event":"e","timestamp":"2020-01-02"}`, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := Decode([]byte(tc.body), Track, Options{ReceivedAt: received})
			if err != nil {
				t.Fatal(err)
			}
			if got := req.Events[0].Timestamp; !got.Equal(tc.want) {
				t.Fatalf("timestamp %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	big := `{"userId":"u","event":"e","properties":{"blob":"` + strings.Repeat("x", MaxEventBytes) + `"}}`
	bigBatch := `{"batch":[` + strings.Repeat(`{"type":"track","userId":"u","event":"e"},`, 20000) + `{}]}`
	tests := []struct {
		name, endpoint, body, field string
	}{
		{"malformed JSON", "track", `{"userId":"u",`, "body"},
		{"trailing data", "track", `{"userId":"u","event":"e"} {}`, "body"},
		{"not an object", "track", `["userId"]`, "body"},
		{"empty", "track", "  ", "body"},
		{"no ids", "track", `{"event":"e"}`, "userId"},
		{"empty ids", "page", `{"userId":"","anonymousId":" "}`, "userId"},
		{"track without event", "track", `{"userId":"u"}`, "event"},
		{"userId not a string", "track", `{"userId":{"a":1},"event":"e"}`, "userId"},
		{"userId too long", "track", `{"userId":"` + strings.Repeat("u", 300) + `","event":"e"}`, "userId"},
		{"NUL in event", "track", `{"userId":"u","event":"a\u0000b"}`, "event"},
		{"bad timestamp", "track", `{"userId":"u","event":"e","timestamp":"yesterday"}`, "timestamp"},
		{"timestamp a number", "track", `{"userId":"u","event":"e","timestamp":1700000000}`, "timestamp"},
		{"timestamp out of range", "track", `{"userId":"u","event":"e","timestamp":"0001-01-01T00:00:00Z"}`, "timestamp"},
		{"bad sentAt", "track", `{"userId":"u","event":"e","sentAt":"2024-13-01T00:00:00Z"}`, "sentAt"},
		{"skew out of range", "track", `{"userId":"u","event":"e","timestamp":"1970-01-01T00:00:00Z","sentAt":"9000-01-01T00:00:00Z"}`, "timestamp"},
		{"properties not an object", "track", `{"userId":"u","event":"e","properties":[1]}`, "properties"},
		{"unknown channel", "track", `{"userId":"u","event":"e","context":{"channel":"carrier-pigeon"}}`, "context.channel"},
		{"group without groupId", "group", `{"userId":"u"}`, "groupId"},
		{"alias without previousId", "alias", `{"userId":"u"}`, "previousId"},
		{"alias without userId", "alias", `{"previousId":"a"}`, "userId"},
		{"event over 32 KB", "track", big, "body"},
		{"batch over 500 KB", "batch", bigBatch, "body"},
		{"batch missing", "batch", `{"writeKey":"k"}`, "batch"},
		{"batch not an array", "batch", `{"batch":{}}`, "batch"},
		{"batch item not an object", "batch", `{"batch":[{"type":"track","userId":"u","event":"e"},7]}`, "batch[1]"},
		{"batch item bad type", "batch", `{"batch":[{"type":"purchase","userId":"u"}]}`, "batch[0].type"},
		{"batch item invalid", "batch", `{"batch":[{"type":"track","userId":"u","event":"e"},{"type":"track","userId":"u"}]}`, "batch[1].event"},
		{"batch item over 32 KB", "batch", `{"batch":[` + strings.Replace(big, `{`, `{"type":"track",`, 1) + `]}`, "batch[0]"},
		{"batch sentAt bad", "batch", `{"sentAt":"soon","batch":[{"type":"track","userId":"u","event":"e"}]}`, "sentAt"},
		{"deep nesting", "track", `{"userId":"u","event":"e","properties":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, "body"},
		{"invalid UTF-8", "track", "{\"userId\":\"u\xff\",\"event\":\"e\"}", "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.body), Type(tc.endpoint), Options{ReceivedAt: received})
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.Invalid {
				t.Fatalf("err %v, want an Invalid error", err)
			}
			if e.Field != tc.field {
				t.Fatalf("field %q (%v), want %q", e.Field, err, tc.field)
			}
		})
	}
}

func TestDecodeServerFieldsWin(t *testing.T) {
	body := `{"userId":"u","event":"e","receivedAt":"1999-01-01T00:00:00Z","originalTimestamp":"x","type":"page",` +
		`"writeKey":"secret","context":{"channel":"pos"}}`
	req, err := Decode([]byte(body), Track, Options{ReceivedAt: received, IP: "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	ev := req.Events[0]
	if ev.Channel != "pos" {
		t.Errorf("channel %q, want pos from context.channel", ev.Channel)
	}
	p := payloadOf(t, ev)
	if p["receivedAt"] != "2024-05-01T12:00:10.000Z" || p["type"] != "track" || p["writeKey"] != nil || p["originalTimestamp"] != nil {
		t.Errorf("payload %v: server fields must replace the client's", p)
	}
	if ctx := p["context"].(map[string]any); ctx["ip"] != "192.0.2.7" || ctx["channel"] != "pos" {
		t.Errorf("context %v", ctx)
	}
	if strings.Count(string(ev.Payload), `"type"`) != 1 {
		t.Errorf("duplicate members in %s", ev.Payload)
	}
}

func TestDecodeAliasIdentifiers(t *testing.T) {
	req, err := Decode([]byte(`{"previousId":"anon-1","userId":"user-1"}`), Alias, Options{ReceivedAt: received})
	if err != nil {
		t.Fatal(err)
	}
	ids := req.Events[0].Identifiers
	if len(ids) != 2 || !hasIdent(ids, identity.AnonymousID, "anon-1") || !hasIdent(ids, identity.UserID, "user-1") {
		t.Fatalf("identifiers %v", ids)
	}
}
