package dashboard_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/dashboard/browsertest"
)

// TestBrowserAnalytics drives the Analytics section in headless Chromium
// over the known-answer event log: a marketer opens it from the navigation,
// picks a period, recomputes the channel-strategy report and reads it line
// by line, switches attribution models without leaving the page, and reads
// retention and service figures; an agent is refused the section.
func TestBrowserAnalytics(t *testing.T) {
	if browsertest.Binary() == "" {
		t.Skip("no Chromium found; install the Debian package chromium to run browser tests")
	}
	s := apptest.Start(t, filepath.Join(t.TempDir(), "omni.db"))
	addLogins(t, s.App.DB())
	real := loadScenario(t, s)
	b := browsertest.New(t, s.URL)
	signIn := func(role auth.Scope) {
		b.Go("/login")
		b.Fill("#email", logins[role])
		b.Fill("#password", password)
		b.ClickAndWait("#sign-in")
	}

	signIn(auth.ScopeMarketer)
	b.ClickAndWait(`nav.side a[href="/analytics"]`)
	b.WaitText("h1", "Analytics")
	if got := b.Text("#analytics-tabs a.active"); got != "Funnel" {
		t.Errorf("the section opens on %q, want the funnel", got)
	}
	b.ClickAndWait(`.periods a[href="/analytics?days=7"]`)
	b.WaitText("#period-note", "Last 7 days")
	b.Go("/analytics?" + october)
	b.WaitText("#period-note", "From 2026-10-01 to 2026-10-31")
	for step, want := range map[string]string{"view": "3", "add_to_cart": "2", "purchase": "2"} {
		if got := b.Text(`#funnel-steps tr[data-step="` + step + `"] .customers`); got != want {
			t.Errorf("funnel %s: %s customers, want %s", step, got, want)
		}
	}
	if got := b.Text("#tile-conversion .figure"); got != "66.7%" {
		t.Errorf("conversion %q, want 66.7%%", got)
	}
	if n := b.Count("svg.chart rect"); n == 0 {
		t.Error("the funnel has no chart")
	}

	b.ClickAndWait(`#analytics-tabs a[data-tab="strategy"]`)
	b.WaitText("h1", "Analytics")
	b.ClickAndWait("#recompute")
	b.WaitText("#refreshed", "recomputed")
	if got := b.Text("#strategy-scope"); !strings.Contains(got, "events from 2026-10-01 to 2026-11-06") || !strings.Contains(got, "19 events") {
		t.Errorf("strategy scope %q", got)
	}
	for _, w := range analyticstest.AllTime {
		row := "#line-" + w.Key + " "
		got := []string{b.Text(row + ".connected"), b.Text(row + ".siloed"), b.Text(row + ".lost"), b.Text(row + ".base"), b.Text(row + ".example")}
		want := []string{itoa(w.Connected), itoa(w.Siloed), itoa(w.Lost), itoa(w.Base), real[w.Example]}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s on screen: %v, want %v", w.Key, got, want)
		}
		if b.Text(row+".method") == "" {
			t.Errorf("%s has no explanation", w.Key)
		}
	}
	if got := b.Text("#line-carts_not_found .revenue"); got != "100.00 EUR of 170.00 EUR" {
		t.Errorf("carts revenue %q", got)
	}

	b.ClickAndWait(`#analytics-tabs a[data-tab="attribution"]`)
	b.WaitText(`#credit-by-channel tr[data-key="app"] .credit`, "100.00 EUR")
	b.Click(`#models a[data-model="first_touch"]`)
	b.WaitText(`#credit-by-channel tr[data-key="ads"] .credit`, "100.00 EUR")
	b.WaitPath("/analytics/attribution?from=2026-10-01&model=first_touch&to=2026-10-31")
	if got := b.Text(`#credit-by-campaign tr[data-key="fall_sale"] .credit`); got != "100.00 EUR" {
		t.Errorf("first touch credits fall_sale with %q", got)
	}
	if got := b.Text("#models a.active"); got != "First touch" {
		t.Errorf("the picker marks %q", got)
	}

	b.ClickAndWait(`#analytics-tabs a[data-tab="retention"]`)
	b.WaitText("#tile-repeat .figure", "50.0%")
	if got := b.Text(`#cohorts-by_month tr[data-cohort="2026-10"] td[data-month="1"]`); got != "50.0%" {
		t.Errorf("October cohort in month 1: %q", got)
	}
	b.ClickAndWait(`#analytics-tabs a[data-tab="service"]`)
	b.WaitText("#tile-first-response .figure", "5 min")
	if got := b.Text("#tile-continued .figure"); got != "50.0%" {
		t.Errorf("continued on another channel %q", got)
	}

	b.ClickAndWait("header form button")
	signIn(auth.ScopeAgent)
	b.WaitText("h1", "Inbox")
	if n := b.Count(`nav.side a[href="/analytics"]`); n != 0 {
		t.Error("the agent's navigation offers Analytics")
	}
	b.Go("/analytics/strategy")
	b.WaitText("h1", "Not allowed")
	for _, e := range b.PageErrors() {
		if !strings.Contains(e, "status of 403 (Forbidden) "+s.URL+"/analytics/strategy") {
			t.Errorf("page error: %s", e)
		}
	}
}
