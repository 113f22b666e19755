package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
)

// dashboard is an owner signed in to the dashboard through its login form,
// with a browser's cookie jar; it does not follow redirects.
type dashboard struct {
	t    *testing.T
	s    *apptest.Server
	http *http.Client
	csrf string
}

const ownerPassword = "correct horse battery"

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signInOwner(t *testing.T, s *apptest.Server) *dashboard {
	t.Helper()
	if _, err := auth.NewService(s.App.DB()).CreateUser(t.Context(), "owner@example.com", ownerPassword, auth.ScopeAdmin); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	d := &dashboard{t: t, s: s, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, login := d.get("/login")
	d.csrf = tokenIn(t, login)
	if code, _, _ := d.post("/login", url.Values{"email": {"owner@example.com"}, "password": {ownerPassword}, "next": {"/"}}); code != 303 {
		t.Fatalf("sign in: %d", code)
	}
	_, page := d.get("/channels")
	d.csrf = tokenIn(t, page)
	return d
}

func tokenIn(t *testing.T, page string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", page)
	}
	return m[1]
}

func (d *dashboard) get(path string) (int, string) {
	d.t.Helper()
	resp, err := d.http.Get(d.s.URL + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends a form with the session's CSRF token, from the dashboard's
// own origin, and returns the status, body and redirect target.
func (d *dashboard) post(path string, form url.Values) (int, string, string) {
	d.t.Helper()
	form.Set("csrf_token", d.csrf)
	req, _ := http.NewRequest("POST", d.s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", d.s.URL)
	resp, err := d.http.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

// save posts a channel's settings form and expects them saved.
func (d *dashboard) save(channel string, form url.Values) {
	d.t.Helper()
	code, body, to := d.post("/channels/"+channel, form)
	if code != 303 || to != "/channels/"+channel+"?saved=1" {
		d.t.Fatalf("save %s settings: %d to %q\n%s", channel, code, to, body)
	}
}

// state reads a channel's status from the Channels page.
func (d *dashboard) state(channel string) string {
	d.t.Helper()
	_, page := d.get("/channels")
	re := regexp.MustCompile(`<tr data-channel="` + channel + `">[\s\S]*?data-state="([^"]+)"`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		d.t.Fatalf("no %s row in the connections table", channel)
	}
	return m[1]
}
