package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/dashboard/browsertest"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/inbox"
)

// The widget in a real browser, embedded in a shop on another origin with
// its one script tag: the visitor writes, the agent answers, and after a
// page reload the conversation is still there.
func TestWidgetInABrowser(t *testing.T) {
	if browsertest.Binary() == "" {
		t.Skip("no Chromium found; skipping browser test")
	}
	s := apptest.Start(t, t.TempDir()+"/omni.db")
	key := createSource(t, s, "chat")
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<!doctype html><html><head><title>Shop</title></head><body><h1>Blue jackets</h1>
<script src="%s/chat/widget.js" data-key="%s" async></script></body></html>`, s.URL, key)
	}))
	t.Cleanup(shop.Close)
	agent := s.Token(t, auth.ScopeAgent)

	b := browsertest.New(t, shop.URL)
	b.Go("/")
	b.Click("#omni-chat .toggle")
	b.Fill("#omni-chat .text", "Do you ship to Oslo?")
	b.Click("#omni-chat form button")
	waitMessages(t, s, 1)
	anon := browsertest.Get(b, "read the anonymous id", chromedp.Evaluate[string](`JSON.parse(localStorage.getItem("ajs_anonymous_id"))`))

	code, body := s.Do(t, "GET", "/api/v1/customers/lookup?type=anonymous_id&value="+url.QueryEscape(anon), agent, nil)
	if code != 200 {
		t.Fatalf("the chat did not join the visitor's profile %q: %d %s", anon, code, body)
	}
	_, body = s.Do(t, "GET", "/api/v1/conversations", agent, nil)
	conv := apptest.DecodeJSON[inbox.Page](t, body).Conversations[0]
	if code, body := s.Do(t, "POST", "/api/v1/conversations/"+conv.ID+"/messages", agent, map[string]string{"body": "Yes, in 2 days."}); code != 202 {
		t.Fatalf("reply: %d %s", code, body)
	}
	b.WaitText("#omni-chat .log .out", "Yes, in 2 days.")
	_, body = s.Do(t, "GET", "/api/v1/conversations/"+conv.ID, agent, nil)
	if view := apptest.DecodeJSON[httpapi.ConversationView](t, body); len(view.Messages) != 2 {
		t.Fatalf("thread: %s", body)
	}

	b.Go("/") // a new page: the history comes back
	b.Click("#omni-chat .toggle")
	if n := b.WaitCount("#omni-chat .log .m", 2); n != 2 {
		t.Fatalf("%d messages after reload, want 2", n)
	}
	b.WaitText("#omni-chat .log .in", "Do you ship to Oslo?")
	if errs := b.PageErrors(); len(errs) > 0 {
		t.Fatalf("page errors: %v", errs)
	}
}
