package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
)

// TestSegmentRoutes builds customers through the real flows — a POS sale,
// a cart changed in the app, a promotion attached from an ad, a Messenger
// message — and reads segments of them over HTTP on both backends.
func TestSegmentRoutes(t *testing.T) {
	eachShop(t, func(t *testing.T, s *shop) {
		ann, bob := s.customer(t, "seg-ann"), s.customer(t, "seg-bob")
		s.must(t, 201, "POST", "/api/v1/pos/sales", `{"location":"paris","customer_id":"`+ann+`","items":[{"sku":"LAMP","quantity":1}],"payment":{"provider":"manual","method":"cash"}}`)
		s.must(t, 200, "POST", "/api/v1/customers/"+ann+"/cart/items", `{"sku":"MUG","quantity":1,"channel":"app"}`)
		s.must(t, 201, "POST", "/api/v1/promotions", `{"name":"Autumn","code":"AUTUMN10","kind":"percent_off","percent":1000}`)
		s.must(t, 201, "POST", "/api/v1/customers/"+ann+"/promotions", `{"code":"autumn10","channel":"ads","source":"ad_click"}`)
		message(t, s.Server, bob, "messenger", "Do you ship to Lyon?")

		marketer := s.Token(t, auth.ScopeMarketer)
		create := func(body string) segment.Segment {
			t.Helper()
			code, out := s.Do(t, "POST", "/api/v1/segments", marketer, body)
			if code != http.StatusCreated {
				t.Fatalf("create %s: %d %s", body, code, out)
			}
			return apptest.DecodeJSON[segment.Segment](t, out)
		}
		spenders := create(`{"name":"Spent 50 EUR","conditions":[{"field":"total_spent","op":"gte","value":"50 EUR"}]}`)
		create(`{"name":"Cart in the app","conditions":[{"field":"open_cart","op":"exists","days":7},{"field":"channel","op":"is","value":"app"}]}`)
		create(`{"name":"Autumn holders","conditions":[{"field":"promotion","op":"holds","value":"AUTUMN10"}]}`)
		either := create(`{"name":"Messenger or buyers","match":"any","conditions":[{"field":"channel","op":"is","value":"messenger"},{"field":"orders_count","op":"gte","value":1}]}`)

		view := apptest.DecodeJSON[httpapi.SegmentView](t, s.must(t, 200, "GET", "/api/v1/segments/"+either.ID, nil))
		if view.Count == nil || *view.Count != 2 || view.Match != "any" {
			t.Errorf("segment view: %+v", view)
		}
		segs := apptest.DecodeJSON[[]segment.Segment](t, s.must(t, 200, "GET", "/api/v1/customers/"+ann+"/segments", nil))
		if names := segmentNames(segs); !slices.Equal(names, []string{"Autumn holders", "Cart in the app", "Messenger or buyers", "Spent 50 EUR"}) {
			t.Errorf("ann's segments: %v", names)
		}
		segs = apptest.DecodeJSON[[]segment.Segment](t, s.must(t, 200, "GET", "/api/v1/customers/"+bob+"/segments", nil))
		if names := segmentNames(segs); !slices.Equal(names, []string{"Messenger or buyers"}) {
			t.Errorf("bob's segments: %v", names)
		}
		list := apptest.DecodeJSON[httpapi.SegmentList](t, s.must(t, 200, "GET", "/api/v1/segments?count=true", nil))
		if len(list.Segments) != 4 || list.Segments[0].Count == nil || *list.Segments[0].Count != 1 {
			t.Errorf("list with counts: %+v", list)
		}
		if raw := string(s.must(t, 200, "GET", "/api/v1/segments", nil)); strings.Contains(raw, `"count"`) {
			t.Errorf("list without count=true counts: %s", raw)
		}
		pageThrough(t, s, either.ID, []string{ann, bob})

		code, out := s.Do(t, "POST", "/api/v1/segments/preview?sample=1", marketer,
			`{"conditions":[{"field":"channel_count","op":"gte","value":1}]}`)
		preview := apptest.DecodeJSON[segment.Preview](t, out)
		if code != 200 || preview.Count != 2 || len(preview.Sample) != 1 {
			t.Errorf("preview: %d %s", code, out)
		}
		updated := apptest.DecodeJSON[segment.Segment](t, s.must(t, 200, "PUT", "/api/v1/segments/"+spenders.ID,
			`{"name":"Spent 500 EUR","conditions":[{"field":"total_spent","op":"gte","value":"500 EUR"}]}`))
		if updated.Name != "Spent 500 EUR" || !updated.UpdatedAt.After(updated.CreatedAt.Add(-time.Millisecond)) {
			t.Errorf("update: %+v", updated)
		}
		if v := apptest.DecodeJSON[httpapi.SegmentView](t, s.must(t, 200, "GET", "/api/v1/segments/"+spenders.ID, nil)); *v.Count != 0 {
			t.Errorf("nobody spent 500 EUR, count %d", *v.Count)
		}
		s.must(t, 204, "DELETE", "/api/v1/segments/"+spenders.ID, nil)
		s.must(t, 404, "GET", "/api/v1/segments/"+spenders.ID, nil)
		badSegmentRequests(t, s, either.ID)

		var doc struct {
			Paths map[string]map[string]struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Properties map[string]any `json:"properties"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(s.must(t, 200, "GET", "/api/v1/openapi.json", nil), &doc); err != nil {
			t.Fatal(err)
		}
		props := doc.Paths["/api/v1/segments"]["post"].RequestBody.Content["application/json"].Schema.Properties
		for _, p := range []string{"name", "match", "conditions"} {
			if props[p] == nil {
				t.Errorf("OpenAPI: POST /api/v1/segments body lacks %s (%v)", p, props)
			}
		}
	})
}

// badSegmentRequests: every bad request gets a 4xx naming the problem.
func badSegmentRequests(t *testing.T, s *shop, id string) {
	marketer, read, agent := s.Token(t, auth.ScopeMarketer), s.Token(t, auth.ScopeRead), s.Token(t, auth.ScopeAgent)
	tests := []struct {
		name, token, method, path, body string
		status                          int
		field, want                     string
	}{
		{"no token", "", "GET", "/api/v1/segments", "", 401, "", "missing bearer token"},
		{"read scope", read, "GET", "/api/v1/segments", "", 403, "", "may not use"},
		{"agent scope", agent, "POST", "/api/v1/segments", `{"name":"x"}`, 403, "", "may not use"},
		{"unknown field", marketer, "POST", "/api/v1/segments", `{"name":"x","conditions":[{"field":"shoe_size","op":"gte","value":42}]}`, 400, "conditions[0].field", `unknown field "shoe_size"`},
		{"unknown operator", marketer, "POST", "/api/v1/segments/preview", `{"conditions":[{"field":"channel","op":"like","value":"web"}]}`, 400, "conditions[0].op", `unknown operator "like" for field channel`},
		{"days out of range", marketer, "POST", "/api/v1/segments", `{"name":"x","conditions":[{"field":"last_seen","op":"within","days":0}]}`, 400, "conditions[0].days", "is required"},
		{"bad amount", marketer, "PUT", "/api/v1/segments/" + id, `{"name":"x","conditions":[{"field":"total_spent","op":"gte","value":"lots"}]}`, 400, "conditions[0].value", "such as 500 EUR"},
		{"unknown json field", marketer, "POST", "/api/v1/segments", `{"name":"x","rules":[]}`, 400, "rules", "unknown field"},
		{"no name", marketer, "POST", "/api/v1/segments", `{"conditions":[]}`, 400, "name", "is required"},
		{"duplicate name", marketer, "POST", "/api/v1/segments", `{"name":"Messenger or buyers"}`, 409, "", "exists already"},
		{"bad limit", marketer, "GET", "/api/v1/segments/" + id + "/customers?limit=0", "", 400, "limit", "positive whole number"},
		{"unknown segment", marketer, "GET", "/api/v1/segments/seg_nope/customers", "", 404, "", "no segment seg_nope"},
		{"unknown customer", marketer, "GET", "/api/v1/customers/cus_nope/segments", "", 404, "", "cus_nope"},
	}
	for _, tc := range tests {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		code, out := s.Do(t, tc.method, tc.path, tc.token, body)
		var e httpapi.ErrorBody
		_ = json.Unmarshal(out, &e)
		if code != tc.status || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, tc.want) {
			t.Errorf("%s: %d %s; want %d, field %q, message with %q", tc.name, code, out, tc.status, tc.field, tc.want)
		}
	}
}

// pageThrough reads a segment's members one per page.
func pageThrough(t *testing.T, s *shop, id string, want []string) {
	t.Helper()
	var got []string
	cursor := ""
	for range len(want) + 1 {
		page := apptest.DecodeJSON[httpapi.CustomerList](t, s.must(t, 200, "GET", "/api/v1/segments/"+id+"/customers?limit=1&cursor="+cursor, nil))
		for _, c := range page.Customers {
			got = append(got, c.ID)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("members page by page: %v, want %v", got, want)
	}
}

// message records an inbound message from the customer on a channel.
func message(t *testing.T, s *apptest.Server, customerID, channel, text string) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	err := s.App.DB().InTx(ctx, func(tx *store.Tx) error {
		_, err := s.App.Customers().AppendTx(ctx, tx, []customer.Event{{ID: customer.EventID("src_"+channel, text, now),
			CustomerID: customerID, SourceID: "src_" + channel, Channel: channel, Type: "message", Name: "Message received",
			MessageID: text, Timestamp: now, ReceivedAt: now, Payload: json.RawMessage(`{}`)}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func segmentNames(list []segment.Segment) []string {
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}
