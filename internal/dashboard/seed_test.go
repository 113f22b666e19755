package dashboard_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// The logins every test node gets.
const password = "correct horse battery"

var logins = map[auth.Scope]string{
	auth.ScopeAdmin:    "owner@example.com",
	auth.ScopeAgent:    "agent@example.com",
	auth.ScopeMarketer: "marketer@example.com",
	auth.ScopeRead:     "reader@example.com",
}

// world is a node with logins and two customers: Ann, seen on the website
// chat and then on Messenger (one profile after a merge), and Bob on the web.
type world struct {
	*apptest.Server
	ann, bob string
	src      auth.Source
}

func newWorld(t *testing.T, s *apptest.Server) *world {
	t.Helper()
	ctx := context.Background()
	acc := addLogins(t, s.App.DB())
	src, err := acc.CreateSource(ctx, "Web shop", "web")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{Server: s, src: src}
	now := time.Now()
	chat := identity.Identifier{Type: identity.AnonymousID, Value: "visitor-1"}
	psid := identity.Identifier{Type: identity.MessengerPSID, Value: "1254459154682919"}
	email := identity.Identifier{Type: identity.Email, Value: "ann@example.com"}
	w.ann = w.see(t, "chat", "src_chat", now.Add(-3*time.Hour), "message", "Where is my order?",
		map[string]string{"name": "Ann Archer", "email": "ann@example.com"}, chat, email)
	w.see(t, "messenger", "src_fb", now.Add(-2*time.Hour), "message", "Following up here", nil, psid)
	w.see(t, "messenger", "src_fb", now.Add(-time.Hour), "track", "Order Viewed", nil, psid, email)
	w.bob = w.see(t, "web", src.ID, now.Add(-30*time.Minute), "page", "Home",
		map[string]string{"name": "Bob Baker", "email": "bob@example.com"},
		identity.Identifier{Type: identity.Email, Value: "bob@example.com"})
	return w
}

// addLogins creates a user for each role of logins.
func addLogins(t *testing.T, db *store.DB) *auth.Service {
	t.Helper()
	acc := auth.NewService(db)
	for role, email := range logins {
		if _, err := acc.CreateUser(context.Background(), email, password, role); err != nil {
			t.Fatal(err)
		}
	}
	return acc
}

// see records one event for the customer owning ids, with optional traits.
func (w *world) see(t *testing.T, channel, source string, at time.Time, typ, name string,
	traits map[string]string, ids ...identity.Identifier) string {
	t.Helper()
	ctx := context.Background()
	var cid string
	msgID := fmt.Sprintf("%s-%d", channel, at.UnixNano())
	payload, _ := json.Marshal(map[string]any{"text": name, "properties": map[string]string{"page": name}})
	err := w.App.Identity().Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
		r, err := b.Resolve(ctx, identity.Request{Identifiers: ids, Channel: channel, At: at})
		if err != nil {
			return err
		}
		cid = r.CustomerID
		if len(traits) > 0 {
			raw := map[string]json.RawMessage{}
			for k, v := range traits {
				raw[k], _ = json.Marshal(v)
			}
			if err := w.App.Customers().SetTraitsTx(ctx, tx, cid, raw, source, channel, at); err != nil {
				return err
			}
		}
		_, err = w.App.Customers().AppendTx(ctx, tx, []customer.Event{{ID: customer.EventID(source, msgID, at),
			CustomerID: cid, SourceID: source, Channel: channel, Type: typ, Name: name, MessageID: msgID,
			Timestamp: at, ReceivedAt: at, Payload: payload}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return cid
}

// client is a browser-like HTTP client with a cookie jar that does not
// follow redirects, so tests can see them.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (c *client) do(method, path string, form url.Values, header map[string]string) response {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (c *client) get(path string) response { return c.do("GET", path, nil, nil) }

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// token reads the CSRF token of the form on a page.
func token(t testing.TB, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf_token field in page:\n%s", page)
	}
	return m[1]
}

// login signs in through the login form and returns the response to the post.
func (c *client) login(email, pw string) response {
	c.t.Helper()
	page := c.get("/login")
	return c.do("POST", "/login", url.Values{"csrf_token": {token(c.t, page.body)}, "email": {email},
		"password": {pw}, "next": {"/"}}, nil)
}

// signedIn returns a client signed in with the given role.
func signedIn(t *testing.T, base string, role auth.Scope) *client {
	t.Helper()
	c := newClient(t, base)
	if r := c.login(logins[role], password); r.status != http.StatusSeeOther {
		t.Fatalf("login as %s: %d %s", role, r.status, r.body)
	}
	return c
}
