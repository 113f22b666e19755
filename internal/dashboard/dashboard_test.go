package dashboard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/dashboard"
)

func startWorld(t *testing.T) *world {
	t.Helper()
	return newWorld(t, apptest.Start(t, filepath.Join(t.TempDir(), "omni.db")))
}

func TestLoginSessionAndLogout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		w := newWorld(t, s)
		c := newClient(t, w.URL)
		if r := c.get("/"); r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
			t.Fatalf("anonymous /: %d to %q, want 303 to /login", r.status, r.header.Get("Location"))
		}
		if r := c.get("/customers?q=ann"); r.header.Get("Location") != "/login?next="+url.QueryEscape("/customers?q=ann") {
			t.Fatalf("anonymous /customers goes to %q", r.header.Get("Location"))
		}
		if r := c.login(logins[auth.ScopeAdmin], "wrong password"); r.status != http.StatusUnauthorized ||
			!strings.Contains(r.body, "Wrong email or password") {
			t.Fatalf("wrong password: %d\n%s", r.status, r.body)
		}
		r := c.login(" OWNER@example.com ", password)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
			t.Fatalf("login: %d to %q", r.status, r.header.Get("Location"))
		}
		cookie := findCookie(t, r.header, "omni_session")
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure || cookie.MaxAge != 12*3600 {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure on plain HTTP, 12 h", cookie)
		}
		var stored int
		s.App.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM sessions WHERE id_hash = ?", cookie.Value).Scan(&stored)
		if stored != 0 {
			t.Error("the session secret is stored as is")
		}
		home := c.get("/")
		if home.status != http.StatusOK || !strings.Contains(home.body, "owner@example.com") {
			t.Fatalf("overview after login: %d", home.status)
		}
		if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
			home.header.Get("Cache-Control") != "no-store" {
			t.Errorf("page headers: CSP %q, Cache-Control %q", csp, home.header.Get("Cache-Control"))
		}

		// Signing out needs the CSRF token too, and ends the session for good.
		if r := c.do("POST", "/logout", url.Values{}, nil); r.status != http.StatusForbidden {
			t.Fatalf("logout without token: %d", r.status)
		}
		if r := c.do("POST", "/logout", url.Values{"csrf_token": {token(t, home.body)}}, nil); r.status != http.StatusSeeOther {
			t.Fatalf("logout: %d", r.status)
		}
		replay := newClient(t, w.URL)
		u, _ := url.Parse(w.URL)
		replay.http.Jar.SetCookies(u, []*http.Cookie{{Name: "omni_session", Value: cookie.Value}})
		if r := replay.get("/"); r.status != http.StatusSeeOther {
			t.Fatalf("old cookie after logout: %d, want a redirect to login", r.status)
		}
	})
}

func findCookie(t *testing.T, h http.Header, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, h["Set-Cookie"])
	return nil
}

func TestCSRFAndOrigin(t *testing.T) {
	w := startWorld(t)
	c := signedIn(t, w.URL, auth.ScopeAdmin)
	page := c.get("/channels")
	tok := token(t, page.body)
	form := func(name string, withToken bool) url.Values {
		v := url.Values{"name": {name}, "channel": {"sms"}}
		if withToken {
			v.Set("csrf_token", tok)
		}
		return v
	}
	tests := []struct {
		name   string
		form   url.Values
		header map[string]string
		want   int
	}{
		{"no token", form("No token", false), nil, http.StatusForbidden},
		{"wrong token", url.Values{"name": {"Wrong"}, "channel": {"sms"}, "csrf_token": {"x" + tok}}, nil, http.StatusForbidden},
		{"token of another session", form("Other", false), map[string]string{"X-CSRF-Token": token(t, signedIn(t, w.URL, auth.ScopeAdmin).get("/channels").body)}, http.StatusForbidden},
		{"other origin", form("Cross", true), map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", form("Cross site", true), map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"token in htmx header", form("By header", false), map[string]string{"X-CSRF-Token": tok, "Origin": w.URL}, http.StatusSeeOther},
		{"token in form, same origin", form("By form", true), map[string]string{"Origin": w.URL, "Sec-Fetch-Site": "same-origin"}, http.StatusSeeOther},
	}
	for _, tc := range tests {
		r := c.do("POST", "/channels/sources", tc.form, tc.header)
		if r.status != tc.want {
			t.Errorf("%s: status %d, want %d", tc.name, r.status, tc.want)
		}
	}
	names := sourceNames(t, w)
	for _, refused := range []string{"No token", "Wrong", "Other", "Cross", "Cross site"} {
		if strings.Contains(names, refused) {
			t.Errorf("refused request created source %q", refused)
		}
	}
	if !strings.Contains(names, "By header") || !strings.Contains(names, "By form") {
		t.Errorf("sources %q: want the two accepted ones", names)
	}

	// The login form has its own double-submit token.
	anon := newClient(t, w.URL)
	r := anon.do("POST", "/login", url.Values{"email": {logins[auth.ScopeAdmin]}, "password": {password}}, nil)
	if r.status != http.StatusForbidden {
		t.Errorf("login without the form's token: %d", r.status)
	}
}

func sourceNames(t *testing.T, w *world) string {
	t.Helper()
	list, err := auth.NewService(w.App.DB()).ListSources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}

func TestRolesSeeOnlyTheirSections(t *testing.T) {
	w := startWorld(t)
	pages := []string{"/", "/customers", "/customers/" + w.ann, "/channels", "/inbox", "/orders", "/promotions", "/segments",
		"/campaigns", "/analytics", "/catalog", "/inventory"}
	allowed := map[auth.Scope][]string{
		auth.ScopeAdmin:    pages,
		auth.ScopeAgent:    {"/customers", "/customers/" + w.ann, "/inbox"},
		auth.ScopeMarketer: {"/", "/promotions", "/segments", "/campaigns", "/analytics"},
		auth.ScopeRead:     {"/", "/analytics"},
	}
	for role, ok := range allowed {
		c := signedIn(t, w.URL, role)
		for _, p := range pages {
			r := c.get(p)
			want := http.StatusForbidden
			for _, a := range ok {
				if a == p {
					want = http.StatusOK
				}
			}
			if role == auth.ScopeAgent && p == "/" {
				want = http.StatusSeeOther // to the agent's first section
			}
			if r.status != want {
				t.Errorf("%s GET %s: %d, want %d", role, p, r.status, want)
			}
			if want == http.StatusForbidden && !strings.Contains(r.body, "Not allowed") {
				t.Errorf("%s GET %s: no 403 page", role, p)
			}
		}
		nav := navLinks(c.get(ok[0]).body)
		for _, p := range pages {
			_, shown := nav[p]
			if shown != contains(ok, p) && p != "/" && !strings.HasPrefix(p, "/customers/") {
				t.Errorf("%s: navigation shows %s = %v", role, p, shown)
			}
		}
	}
	agent := signedIn(t, w.URL, auth.ScopeAgent)
	if r := agent.get("/"); r.header.Get("Location") != "/inbox" {
		t.Errorf("agent home goes to %q, want /inbox", r.header.Get("Location"))
	}
	if r := agent.get("/inbox"); !strings.Contains(r.body, `id="conversations"`) {
		t.Error("the inbox does not list conversations")
	}
	marketer := signedIn(t, w.URL, auth.ScopeMarketer)
	if r := marketer.get("/campaigns"); !strings.Contains(r.body, `id="no-campaigns"`) || strings.Contains(r.body, "Not connected yet") {
		t.Error("campaigns do not show their (empty) list")
	}
	tok := token(t, agent.get("/customers").body)
	if r := agent.do("POST", "/channels/sources", url.Values{"csrf_token": {tok}, "name": {"Agent's"}, "channel": {"web"}}, nil); r.status != http.StatusForbidden {
		t.Errorf("agent creating a source: %d", r.status)
	}
}

var navLink = regexp.MustCompile(`<nav class="side"[\s\S]*?</nav>`)
var href = regexp.MustCompile(`href="([^"]+)"`)

func navLinks(page string) map[string]bool {
	out := map[string]bool{}
	for _, m := range href.FindAllStringSubmatch(navLink.FindString(page), -1) {
		out[m[1]] = true
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// TestSectionWithoutSourceSaysSo: a dashboard built without a section's
// data source shows that section as not connected, to the roles that may
// open it, instead of failing.
func TestSectionWithoutSourceSaysSo(t *testing.T) {
	w := startWorld(t)
	acc := auth.NewService(w.App.DB())
	h, err := dashboard.New(dashboard.Deps{Sessions: acc, Sources: acc, Customers: w.App.Customers(), Identities: w.App.Identity(),
		Activity: activity.NewService(w.App.DB())}, dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	r := signedIn(t, srv.URL, auth.ScopeMarketer).get("/campaigns")
	if r.status != http.StatusOK || !strings.Contains(r.body, "Not connected yet") || !strings.Contains(r.body, "marketing") {
		t.Errorf("campaigns without their source: %d\n%s", r.status, r.body)
	}
	if r := signedIn(t, srv.URL, auth.ScopeAgent).get("/campaigns"); r.status != http.StatusForbidden {
		t.Errorf("agent opening the unconnected campaigns: %d", r.status)
	}
}
