package dashboard_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/identity"
)

func TestLoginRateLimitAndRedirects(t *testing.T) {
	w := startWorld(t)
	c := newClient(t, w.URL)
	var last response
	for i := range 11 {
		last = c.login(logins[auth.ScopeAdmin], "wrong password")
		if i < 10 && last.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, last.status)
		}
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" ||
		!strings.Contains(last.body, "Too many sign-in attempts") {
		t.Fatalf("11th attempt: %d, Retry-After %q", last.status, last.header.Get("Retry-After"))
	}
	// The right password does not get through the limit either.
	if r := c.login(logins[auth.ScopeAdmin], password); r.status != http.StatusTooManyRequests {
		t.Fatalf("right password while limited: %d", r.status)
	}

	// Another node (a fresh limit): a login never leads off the site.
	w2 := startWorld(t)
	for next, want := range map[string]string{"/customers?q=a": "/customers?q=a", "//evil.example/": "/",
		"https://evil.example/": "/", "/\\evil.example": "/", "": "/"} {
		c := newClient(t, w2.URL)
		page := c.get("/login?next=" + url.QueryEscape(next))
		r := c.do("POST", "/login", url.Values{"csrf_token": {token(t, page.body)}, "email": {logins[auth.ScopeAdmin]},
			"password": {password}, "next": {next}}, nil)
		if r.header.Get("Location") != want {
			t.Errorf("next=%q leads to %q, want %q", next, r.header.Get("Location"), want)
		}
	}
}

func TestStaticAssetsAndNeighbours(t *testing.T) {
	w := startWorld(t)
	c := signedIn(t, w.URL, auth.ScopeAdmin)
	page := c.get("/").body
	m := regexp.MustCompile(`src="(/static/htmx\.min\.js\?v=[0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the page does not load a versioned htmx")
	}
	anon := newClient(t, w.URL)
	r := anon.get(m[1])
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Cache-Control"), "immutable") ||
		!strings.Contains(r.body, "htmx") || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Fatalf("htmx: %d, Cache-Control %q, Content-Type %q", r.status, r.header.Get("Cache-Control"), r.header.Get("Content-Type"))
	}
	if r := anon.get("/static/omni.css"); r.status != http.StatusOK || r.header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("unversioned css: %d %q", r.status, r.header.Get("Cache-Control"))
	}
	for _, p := range []string{"/static/", "/static/nope.js", "/static/templates/login.html", "/static/static/omni.css"} {
		if r := anon.get(p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
	// The other surfaces still answer on their own paths.
	if r := anon.get("/healthz"); r.status != http.StatusOK || !strings.Contains(r.body, `"ok"`) {
		t.Errorf("/healthz: %d %s", r.status, r.body)
	}
	if r := anon.get("/api/v1/openapi.json"); r.status != http.StatusOK || !strings.HasPrefix(r.body, "{") {
		t.Errorf("openapi: %d", r.status)
	}
	if r := anon.get("/api/v1/customers"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"error"`) {
		t.Errorf("API without token: %d %s", r.status, r.body)
	}
	if r := anon.get("/no-such-page"); r.status != http.StatusNotFound {
		t.Errorf("unknown path: %d", r.status)
	}
}

func TestCustomerPages(t *testing.T) {
	w := startWorld(t)
	c := signedIn(t, w.URL, auth.ScopeAgent)

	full := c.get("/customers?q=bob")
	if !strings.Contains(full.body, "<html") || !strings.Contains(full.body, "Bob Baker") || strings.Contains(full.body, "Ann Archer") {
		t.Fatalf("search page for bob:\n%s", full.body)
	}
	frag := c.do("GET", "/customers?q=ANN", nil, map[string]string{"HX-Request": "true"})
	if strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, "Ann Archer") || strings.Contains(frag.body, "Bob") {
		t.Fatalf("htmx search fragment:\n%s", frag.body)
	}
	if r := c.get("/customers?q=zz"); !strings.Contains(r.body, "No customer") {
		t.Error("an empty search does not say so")
	}
	if r := c.get("/customers?q=" + strings.Repeat("a", 201)); r.status != http.StatusBadRequest {
		t.Errorf("overlong search: %d", r.status)
	}

	// Pages of 25: 30 more customers make a next page.
	for i := range 30 {
		w.see(t, "web", w.src.ID, time.Now(), "page", "Home", map[string]string{"name": "Carl " + string(rune('A'+i))},
			identity.Identifier{Type: identity.AnonymousID, Value: "carl-" + string(rune('A'+i))})
	}
	first := c.get("/customers?q=carl")
	next := regexp.MustCompile(`href="(/customers\?cursor=[^"]+)"`).FindStringSubmatch(first.body)
	if strings.Count(first.body, `class="customer-link"`) != 25 || next == nil {
		t.Fatalf("first page: %d rows, next link %v", strings.Count(first.body, `class="customer-link"`), next)
	}
	second := c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if n := strings.Count(second.body, `class="customer-link"`); n != 5 {
		t.Errorf("second page: %d rows, want 5", n)
	}

	// The profile that was merged away leads to the survivor.
	var merged string
	w.App.DB().QueryRowContext(t.Context(), "SELECT id FROM customers WHERE merged_into = ?", w.ann).Scan(&merged)
	r := c.get("/customers/" + merged)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/customers/"+w.ann+"?from="+merged {
		t.Fatalf("merged-away profile: %d to %q", r.status, r.header.Get("Location"))
	}
	page := c.get(r.header.Get("Location"))
	if !strings.Contains(page.body, merged+" was merged into this profile") {
		t.Error("the survivor page does not say where the visitor came from")
	}
	if r := c.get("/customers/cus_nobody"); r.status != http.StatusNotFound || !strings.Contains(r.body, "no customer cus_nobody") {
		t.Errorf("unknown customer: %d", r.status)
	}
}

func TestTimelineLoadMore(t *testing.T) {
	w := startWorld(t)
	email := identity.Identifier{Type: identity.Email, Value: "bob@example.com"}
	start := time.Now().Add(-time.Hour)
	for i := range 64 {
		w.see(t, "email", "src_mail", start.Add(time.Duration(i)*time.Second), "message", "Mail", nil, email)
	}
	c := signedIn(t, w.URL, auth.ScopeAdmin)
	more := regexp.MustCompile(`hx-get="(/customers/[^"]+/timeline\?before=[^"]+)"`)
	page := c.get("/customers/" + w.bob).body
	seen := strings.Count(page, `class="entry"`)
	for range 5 {
		m := more.FindStringSubmatch(page)
		if m == nil {
			break
		}
		page = c.do("GET", strings.ReplaceAll(m[1], "&amp;", "&"), nil, map[string]string{"HX-Request": "true"}).body
		if strings.Contains(page, "<html") {
			t.Fatal("load more returned a whole page")
		}
		seen += strings.Count(page, `class="entry"`)
	}
	if seen != 65 || more.MatchString(page) {
		t.Fatalf("paged through %d entries (want 65, then no more button)", seen)
	}
	if r := c.get("/customers/" + w.bob + "/timeline?before=garbage"); r.status != http.StatusBadRequest {
		t.Errorf("bad cursor: %d", r.status)
	}
}

func TestChannelsPage(t *testing.T) {
	w := startWorld(t)
	c := signedIn(t, w.URL, auth.ScopeAdmin)
	page := c.get("/channels")
	if !strings.Contains(page.body, w.src.WriteKey) {
		t.Error("the write key is not shown")
	}
	status := regexp.MustCompile(`data-channel="chat">[\s\S]*?</tr>`).FindString(page.body)
	if !strings.Contains(status, "h ago") {
		t.Errorf("chat channel row %q: want the last event 3 h ago", status)
	}
	tok := token(t, page.body)
	for _, tc := range []struct{ name, channel, want string }{
		{"", "web", "name: is required"},
		{"Shop", "carrier-pigeon", "channel: unknown channel"},
	} {
		r := c.do("POST", "/channels/sources", url.Values{"csrf_token": {tok}, "name": {tc.name}, "channel": {tc.channel}}, nil)
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("create %q on %q: %d, want 400 with %q", tc.name, tc.channel, r.status, tc.want)
		}
	}
	r := c.do("POST", "/channels/sources", url.Values{"csrf_token": {tok}, "name": {"Front desk"}, "channel": {"pos"}}, nil)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/channels?created=src_") {
		t.Fatalf("create: %d to %q", r.status, r.header.Get("Location"))
	}
	after := c.get(r.header.Get("Location"))
	if !regexp.MustCompile(`class="source created"><td>Front desk</td>`).MatchString(after.body) {
		t.Error("the new source is not highlighted")
	}
}

func TestOverviewPeriods(t *testing.T) {
	w := startWorld(t)
	c := signedIn(t, w.URL, auth.ScopeMarketer)
	for _, days := range []string{"7", "30", "90"} {
		r := c.get("/?days=" + days)
		if r.status != http.StatusOK || !strings.Contains(r.body, "Last "+days+" days") {
			t.Errorf("days=%s: %d", days, r.status)
		}
		// The orders are connected: nothing sold yet is zero, not "no data";
		// the conversion rate waits for a count of visitors.
		if n := strings.Count(r.body, "No data yet"); n != 0 {
			t.Errorf("days=%s: %d commerce panels say no data, want 0", days, n)
		}
		for _, want := range []string{`<h2>Orders</h2><p class="figure">0</p>`, `<h2>Conversion</h2><p class="figure">–</p>`} {
			if !strings.Contains(r.body, want) {
				t.Errorf("days=%s: overview lacks %s", days, want)
			}
		}
	}
	for _, bad := range []string{"0", "14", "x", "-7"} {
		if r := c.get("/?days=" + bad); r.status != http.StatusBadRequest || !strings.Contains(r.body, "choose 7, 30 or 90 days") {
			t.Errorf("days=%s: %d", bad, r.status)
		}
	}
}

func TestSecureCookiesWhenConfigured(t *testing.T) {
	s := apptest.StartConfig(t, config.Server{Database: filepath.Join(t.TempDir(), "omni.db"), SecureCookies: true})
	newWorld(t, s)
	c := newClient(t, s.URL)
	page := c.get("/login")
	if ck := findCookie(t, page.header, "omni_login"); !ck.Secure || !ck.HttpOnly {
		t.Errorf("login form cookie %+v: want Secure and HttpOnly", ck)
	}
	r := c.do("POST", "/login", url.Values{"csrf_token": {token(t, page.body)}, "email": {logins[auth.ScopeAdmin]},
		"password": {password}}, nil)
	if ck := findCookie(t, r.header, "omni_session"); !ck.Secure || ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie %+v: want Secure, SameSite=Lax", ck)
	}
}
