package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/httpapi"
)

func TestHealthAndMetrics(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		code, body := s.Do(t, "GET", "/healthz", "", nil)
		if code != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) {
			t.Fatalf("healthz: %d %s", code, body)
		}
		s.Do(t, "GET", "/api/v1/me", "", nil)
		if code, _ := s.Do(t, "GET", "/metrics", "", nil); code != http.StatusUnauthorized {
			t.Fatalf("metrics without a token: %d, want 401", code)
		}
		code, body = s.Do(t, "GET", "/metrics", s.Token(t, auth.ScopeRead), nil)
		if code != http.StatusOK {
			t.Fatalf("metrics: %d", code)
		}
		for _, want := range []string{
			`omni_http_requests_total{code="401",route="GET /api/v1/me"} 1`,
			`omni_http_request_duration_seconds_bucket{route="GET /healthz"`,
			`go_sql_open_connections{db_name="write"}`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

func TestAPIAuthentication(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		read := s.Token(t, auth.ScopeRead)
		agent := s.Token(t, auth.ScopeAgent)
		tests := []struct {
			name, method, path, token string
			want                      int
			code                      string
		}{
			{"no token", "GET", "/api/v1/me", "", 401, "unauthorized"},
			{"wrong token", "GET", "/api/v1/me", "omni_wrong", 401, "unauthorized"},
			{"read token reads", "GET", "/api/v1/me", read, 200, ""},
			{"read token may not create tokens", "POST", "/api/v1/tokens", read, 403, "forbidden"},
			{"agent may not list sources", "GET", "/api/v1/sources", agent, 403, "forbidden"},
			{"admin lists sources", "GET", "/api/v1/sources", s.Admin, 200, ""},
			{"unknown route", "GET", "/api/v1/nothing", s.Admin, 404, "not_found"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				code, body := s.Do(t, tc.method, tc.path, tc.token, nil)
				if code != tc.want {
					t.Fatalf("status %d, want %d: %s", code, tc.want, body)
				}
				if tc.code != "" {
					e := apptest.DecodeJSON[httpapi.ErrorBody](t, body)
					if e.Error.Code != tc.code || e.Error.Message == "" {
						t.Fatalf("error body %s, want code %s and a message", body, tc.code)
					}
				}
			})
		}
	})
}

func TestRevokedTokenStopsWorking(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		code, body := s.Do(t, "POST", "/api/v1/tokens", s.Admin, map[string]string{"name": "temp", "scope": "read"})
		if code != http.StatusCreated {
			t.Fatalf("create token: %d %s", code, body)
		}
		created := apptest.DecodeJSON[struct{ ID, Token string }](t, body)
		if code, _ := s.Do(t, "GET", "/api/v1/me", created.Token, nil); code != 200 {
			t.Fatalf("new token: %d", code)
		}
		if code, body := s.Do(t, "DELETE", "/api/v1/tokens/"+created.ID, s.Admin, nil); code != 204 {
			t.Fatalf("revoke: %d %s", code, body)
		}
		if code, _ := s.Do(t, "GET", "/api/v1/me", created.Token, nil); code != 401 {
			t.Fatalf("revoked token: %d, want 401", code)
		}
	})
}

func TestBadBodies(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		tests := []struct {
			name, body string
			want       int
			field      string
		}{
			{"malformed JSON", `{"name": "web",`, 400, "body"},
			{"empty body", ``, 400, "body"},
			{"unknown field", `{"name":"web","channel":"web","colour":"red"}`, 400, "colour"},
			{"wrong type", `{"name":42,"channel":"web"}`, 400, "name"},
			{"unknown channel", `{"name":"web","channel":"fax"}`, 400, "channel"},
			{"missing name", `{"channel":"web"}`, 400, "name"},
			{"two values", `{"name":"a","channel":"web"} {}`, 400, "body"},
			{"oversized", fmt.Sprintf(`{"name":%q,"channel":"web"}`, strings.Repeat("x", 5000)), 413, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				code, body := s.Do(t, "POST", "/api/v1/sources", s.Admin, []byte(tc.body))
				if code != tc.want {
					t.Fatalf("status %d, want %d: %s", code, tc.want, body)
				}
				e := apptest.DecodeJSON[httpapi.ErrorBody](t, body)
				if e.Error.Field != tc.field {
					t.Fatalf("field %q, want %q: %s", e.Error.Field, tc.field, body)
				}
			})
		}
		// Nothing from the rejected requests was written.
		_, body := s.Do(t, "GET", "/api/v1/sources", s.Admin, nil)
		if got := apptest.DecodeJSON[[]auth.Source](t, body); len(got) != 0 {
			t.Fatalf("rejected requests left %d sources", len(got))
		}
		code, body := s.Do(t, "POST", "/api/v1/sources", s.Admin, `{"name":"Web shop","channel":"web"}`)
		if code != 201 || !strings.Contains(string(body), `"write_key":"wk_`) {
			t.Fatalf("valid source: %d %s", code, body)
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	s := apptest.Start(t, t.TempDir()+"/omni.db")
	code, body := s.Do(t, "GET", "/api/v1/openapi.json", "", nil)
	if code != 200 {
		t.Fatalf("openapi: %d", code)
	}
	doc := apptest.DecodeJSON[struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}](t, body)
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	for _, rt := range s.App.Routes() {
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s %s missing from the document", rt.Method, rt.Path)
		}
	}
	if _, ok := doc.Paths["/api/v1/sources"]["post"]["requestBody"]; !ok {
		t.Error("POST /api/v1/sources has no request body schema")
	}
}
