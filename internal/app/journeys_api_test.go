package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/journey"
)

// TestJourneyAPI: marketers and admins manage journeys; bad input, other
// scopes and unknown ids get the error they call for; enrolments page by
// cursor.
func TestJourneyAPI(t *testing.T) {
	eachJourneyShop(t, func(t *testing.T, s *journeyShop) {
		agent, reader := s.Token(t, auth.ScopeAgent), s.Token(t, auth.ScopeRead)
		for _, tok := range []string{agent, reader} {
			for _, rt := range [][2]string{{"GET", "/api/v1/journeys"}, {"POST", "/api/v1/journeys"}} {
				if code, _ := s.Do(t, rt[0], rt[1], tok, `{}`); code != http.StatusForbidden {
					t.Errorf("%s %s with a narrower scope: %d", rt[0], rt[1], code)
				}
			}
		}
		j := s.createJourney(t, `{"name":"Cart","kind":"abandoned_cart","enabled":true,"wait_seconds":600}`)
		tests := []struct {
			method, path, body string
			status             int
			want               string
		}{
			{"POST", "/api/v1/journeys", `{"name":"Birthday","kind":"birthday"}`, 400, `"code":"invalid"`},
			{"POST", "/api/v1/journeys", `{"name":"Cart","kind":"abandoned_cart","template":"{{.Nope}}"}`, 400, "template"},
			{"POST", "/api/v1/journeys", `{"name":"Cart","kind":"abandoned_cart","colour":"red"}`, 400, "colour"},
			{"GET", "/api/v1/journeys/jny_nope", "", 404, `"code":"not_found"`},
			{"PUT", "/api/v1/journeys/jny_nope", `{"name":"X","kind":"abandoned_cart"}`, 404, "not_found"},
			{"GET", "/api/v1/journeys/" + j.ID + "/enrolments?state=lost", "", 400, "state"},
			{"GET", "/api/v1/journeys/" + j.ID + "/enrolments?cursor=zzz", "", 400, "cursor"},
			{"GET", "/api/v1/journeys/" + j.ID + "/enrolments?limit=0", "", 400, "limit"},
		}
		for _, tc := range tests {
			code, out := s.Do(t, tc.method, tc.path, s.marketer, tc.body)
			if code != tc.status || !strings.Contains(string(out), tc.want) {
				t.Errorf("%s %s %s: %d %s, want %d with %q", tc.method, tc.path, tc.body, code, out, tc.status, tc.want)
			}
		}
		for _, who := range []string{"ka", "lu", "mo"} {
			s.add(t, who+"-phone", s.login(who+"@example.com"), "MUG", 1)
		}
		first := apptest.DecodeJSON[journey.EnrolmentPage](t, s.must(t, 200, "GET", "/api/v1/journeys/"+j.ID+"/enrolments?limit=2", nil))
		if len(first.Enrolments) != 2 || first.Next == "" {
			t.Fatalf("first page %+v", first)
		}
		rest := apptest.DecodeJSON[journey.EnrolmentPage](t, s.must(t, 200, "GET",
			"/api/v1/journeys/"+j.ID+"/enrolments?limit=2&state=waiting&cursor="+first.Next, nil))
		if len(rest.Enrolments) != 1 || rest.Next != "" || rest.Enrolments[0].ID == first.Enrolments[1].ID {
			t.Fatalf("second page %+v", rest)
		}

		code, out := s.Do(t, "PUT", "/api/v1/journeys/"+j.ID, s.marketer, `{"name":"Cart, paused","kind":"abandoned_cart","enabled":false}`)
		got := apptest.DecodeJSON[journey.Journey](t, out)
		if code != 200 || got.Name != "Cart, paused" || got.Enabled || got.WaitSeconds != 3600 || got.Stats.Skipped != 3 {
			t.Fatalf("update: %d %+v", code, got)
		}
		if code, _ := s.Do(t, "DELETE", "/api/v1/journeys/"+j.ID, s.Admin, nil); code != http.StatusNoContent {
			t.Fatalf("delete: %d", code)
		}
		if list := apptest.DecodeJSON[[]journey.Journey](t, s.must(t, 200, "GET", "/api/v1/journeys", nil)); len(list) != 0 {
			t.Errorf("deleted journey still listed: %+v", list)
		}
		doc := string(s.must(t, 200, "GET", "/api/v1/openapi.json", nil))
		for _, p := range []string{`"/api/v1/journeys"`, `"/api/v1/journeys/{id}/enrolments"`, `"/store/v1/consent"`} {
			if !strings.Contains(doc, p) {
				t.Errorf("the OpenAPI document lacks %s", p)
			}
		}
	})
}
