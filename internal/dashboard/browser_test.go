package dashboard_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/dashboard/browsertest"
	"github.com/omni-hq/omni/internal/identity"
)

// TestBrowserFlow drives the dashboard in a real headless Chromium: sign in
// (a wrong password first), read the overview, find a customer with the live
// search, read the 360° view with events from two channels and load more of
// the timeline, create a source, and see an agent refused an admin page.
func TestBrowserFlow(t *testing.T) {
	if browsertest.Binary() == "" {
		t.Skip("no Chromium found; install the Debian package chromium to run browser tests")
	}
	w := startWorld(t)
	email := identity.Identifier{Type: identity.Email, Value: "ann@example.com"}
	start := time.Now().Add(-48 * time.Hour)
	for i := range 35 {
		w.see(t, "web", w.src.ID, start.Add(time.Duration(i)*time.Minute), "page", fmt.Sprintf("Product %d", i), nil, email)
	}
	b := browsertest.New(t, w.URL)

	b.Go("/")
	if p := b.Path(); p != "/login" {
		t.Fatalf("signed out, / shows %s", p)
	}
	b.Fill("#email", logins[auth.ScopeAdmin])
	b.Fill("#password", "not the password")
	b.ClickAndWait("#sign-in")
	b.WaitText("#login-error", "Wrong email or password")
	b.Fill("#email", logins[auth.ScopeAdmin])
	b.Fill("#password", password)
	b.ClickAndWait("#sign-in")

	b.WaitText("h1", "Overview")
	if got := b.Text("#tile-customers .figure"); got != "2" {
		t.Errorf("customers tile %q, want 2 (Ann's two profiles merged, and Bob)", got)
	}
	if got := b.Text("#tile-events .figure"); got != "39" {
		t.Errorf("events tile %q, want 39", got)
	}
	if got := b.Text("#tile-revenue .figure"); got != "0" {
		t.Errorf("revenue tile %q: want 0 before the first paid order", got)
	}
	for _, ch := range []string{"chat", "messenger", "web"} {
		if n := b.Count(fmt.Sprintf(`#channel-table tr[data-channel=%q]`, ch)); n != 1 {
			t.Errorf("channel table has %d rows for %s", n, ch)
		}
	}
	if n := b.Count("svg.line-chart polyline"); n != 3 {
		t.Errorf("daily chart has %d lines, want one per channel (3)", n)
	}

	b.ClickAndWait(`nav.side a[href="/customers"]`)
	if n := b.Count("#customer-results tbody tr"); n != 2 {
		t.Errorf("customer list before searching: %d rows, want 2", n)
	}
	b.Fill("#customer-search", "ann")
	b.WaitPath("/customers?q=ann") // htmx pushes the search into the address
	b.Wait("one result", `document.querySelectorAll("#customer-results tbody tr").length === 1`)
	if got := b.Text("#customer-results tbody"); !strings.Contains(got, "Ann Archer") {
		t.Errorf("search for ann shows %q", got)
	}
	b.ClickAndWait("#customer-results a.customer-link")
	b.WaitText("#customer-name", "Ann Archer")
	ids := b.Text("#identities")
	for _, want := range []string{"ann@example.com", "1254459154682919", "visitor-1"} {
		if !strings.Contains(ids, want) {
			t.Errorf("identities panel lacks %s: %q", want, ids)
		}
	}
	if b.Count(`#timeline-list li.entry[data-channel="chat"]`) == 0 || b.Count(`#timeline-list li.entry[data-channel="messenger"]`) == 0 {
		t.Errorf("timeline does not show both chat and messenger events: %q", b.Text("#timeline-list"))
	}
	if n := b.Count("#timeline-list li.entry"); n != 30 {
		t.Errorf("first timeline page has %d entries, want 30", n)
	}
	b.Click("#timeline-list button.more")
	if n := b.WaitCount("#timeline-list li.entry", 38); n != 38 {
		t.Errorf("after load more: %d entries, want all 38", n)
	}
	if n := b.Count("#timeline-list button.more"); n != 0 {
		t.Errorf("a load-more button remains after the last page")
	}
	if !strings.Contains(b.Text("#merges"), "absorbed") {
		t.Errorf("merges panel: %q", b.Text("#merges"))
	}

	b.Go("/channels")
	b.Fill("#source-name", "Support chat")
	b.Select("#source-channel", "chat")
	b.ClickAndWait("#create-source")
	row := b.WaitText("#sources tr.created", "Support chat")
	if !strings.Contains(row, "wk_") || !strings.Contains(row, "chat") {
		t.Errorf("created source row %q: want its channel and write key", row)
	}
	if !strings.Contains(b.Text(`#channel-status tr[data-channel="web"]`), "ago") {
		t.Errorf("web channel shows no last event: %q", b.Text(`#channel-status tr[data-channel="web"]`))
	}

	b.ClickAndWait("header form button")
	b.WaitText("h1", "Sign in")
	b.Fill("#email", logins[auth.ScopeAgent])
	b.Fill("#password", password)
	b.ClickAndWait("#sign-in")
	b.WaitText("h1", "Inbox")
	b.Go("/channels")
	b.WaitText("h1", "Not allowed")
	if n := b.Count(`nav.side a[href="/channels"]`); n != 0 {
		t.Error("the agent's navigation offers Channels")
	}
	// The refused login (401) and the refused page (403) are expected; no
	// script error, blocked asset or policy violation is.
	for _, e := range b.PageErrors() {
		if !strings.Contains(e, "status of 401 (Unauthorized) "+w.URL+"/login") &&
			!strings.Contains(e, "status of 403 (Forbidden) "+w.URL+"/channels") {
			t.Errorf("page error: %s", e)
		}
	}
}
