package dashboard_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// october is the period of the known answers.
const october = "from=2026-10-01&to=2026-10-31"

// loadScenario stores the known-answer event log of analyticstest through
// the identity and customer services (so that the analytics hook sees it),
// then joins A's phone to A as a login on the phone would. It returns the
// scenario's customer ids mapped to the stored ones.
func loadScenario(t *testing.T, s *apptest.Server) map[string]string {
	t.Helper()
	ctx := context.Background()
	idents := map[string]identity.Identifier{
		analyticstest.A:      {Type: identity.Email, Value: "a@example.com"},
		analyticstest.APhone: {Type: identity.DeviceID, Value: "phone-a"},
		analyticstest.B:      {Type: identity.Email, Value: "b@example.com"},
		analyticstest.C:      {Type: identity.AnonymousID, Value: "visitor-c"},
		analyticstest.D:      {Type: identity.Email, Value: "d@example.com"},
	}
	resolve := func(ids ...identity.Identifier) string {
		r, err := s.App.Identity().Resolve(ctx, identity.Request{Identifiers: ids, Channel: "web", At: analyticstest.At(10, 1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		return r.CustomerID
	}
	real := map[string]string{}
	for _, c := range analyticstest.Customers() {
		real[c] = resolve(idents[c])
	}
	events := analyticstest.Events()
	for i := range events {
		events[i].CustomerID = real[events[i].CustomerID]
	}
	err := s.App.DB().InTx(ctx, func(tx *store.Tx) error {
		_, err := s.App.Customers().AppendTx(ctx, tx, []customer.Event(events))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	resolve(idents[analyticstest.A], idents[analyticstest.APhone])
	return real
}

// cell returns the text, tags stripped, of the first table cell with the
// class that follows the attribute anchor (e.g. data-step="view").
func cell(t *testing.T, page, anchor, class string) string {
	t.Helper()
	start := strings.Index(page, anchor)
	if start < 0 {
		t.Fatalf("page has no %s", anchor)
	}
	m := regexp.MustCompile(`class="[^"]*\b` + class + `\b[^"]*"[^>]*>(.*?)</td>`).FindStringSubmatch(page[start:])
	if m == nil {
		t.Fatalf("no %s cell after %s", class, anchor)
	}
	return strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))
}

// TestAnalyticsPages loads the known-answer event log, recomputes the
// figures from the Strategy page and reads every Analytics page: the
// figures shown are the known answers.
func TestAnalyticsPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		addLogins(t, s.App.DB())
		real := loadScenario(t, s)
		c := signedIn(t, s.URL, auth.ScopeMarketer)
		strategy := c.get("/analytics/strategy")
		r := c.do("POST", "/analytics/refresh", url.Values{"csrf_token": {token(t, strategy.body)}, "tab": {"strategy"}}, nil)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/analytics/strategy?days=30&refreshed=1" {
			t.Fatalf("recompute: %d to %q", r.status, r.header.Get("Location"))
		}
		page := c.get(r.header.Get("Location")).body
		for _, want := range []string{`id="refreshed"`, `id="snapshot"`, "by replaying 19 events of 4 customers", "events from 2026-10-01 to 2026-11-06"} {
			if !strings.Contains(page, want) {
				t.Errorf("strategy page lacks %q", want)
			}
		}
		for _, w := range analyticstest.AllTime {
			key := `id="line-` + w.Key + `"`
			got := []string{cell(t, page, key, "connected"), cell(t, page, key, "siloed"), cell(t, page, key, "lost"),
				cell(t, page, key, "base"), cell(t, page, key, "customers"), cell(t, page, key, "example")}
			want := []string{itoa(w.Connected), itoa(w.Siloed), itoa(w.Lost), itoa(w.Base), itoa(w.Customers), real[w.Example]}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("%s: page shows %v, want %v", w.Key, got, want)
			}
			if rev := cell(t, page, key, "revenue"); w.Revenue > 0 && !strings.HasPrefix(rev, eur(w.Revenue)+" of ") {
				t.Errorf("%s: revenue %q, want %s of the base", w.Key, rev, eur(w.Revenue))
			}
		}
		if !regexp.MustCompile(`id="line-carts_not_found"[\s\S]*?<p class="method">A cart per channel`).MatchString(page) {
			t.Error("the carts line does not explain its method")
		}

		funnel := c.get("/analytics?" + october).body
		for step, want := range map[string]string{"view": "3", "add_to_cart": "2", "checkout": "2", "purchase": "2"} {
			if got := cell(t, funnel, `data-step="`+step+`"`, "customers"); got != want {
				t.Errorf("funnel %s: %s customers, want %s", step, got, want)
			}
		}
		if got := cell(t, funnel, `data-step="purchase"`, "rate"); got != "100.0%" {
			t.Errorf("checkout to purchase: %s", got)
		}
		for _, want := range []string{`id="tile-conversion"><h2>Conversion</h2><p class="figure">66.7%`,
			`id="tile-switched"><h2>Switched channel</h2><p class="figure">50.0%</p><p class="sub">of purchasers changed channel between two steps (1)`} {
			if !strings.Contains(funnel, want) {
				t.Errorf("funnel page lacks %s", want)
			}
		}

		attribution := c.get("/analytics/attribution?" + october).body
		if got := cell(t, attribution, `data-key="app"`, "credit"); got != "100.00 EUR" {
			t.Errorf("last touch credits the app with %s, want the app order's 100.00 EUR", got)
		}
		first := c.get("/analytics/attribution?model=first_touch&" + october).body
		if got := cell(t, first, `data-key="ads"`, "credit"); got != "100.00 EUR" {
			t.Errorf("first touch credits ads with %s, want 100.00 EUR", got)
		}
		if got := cell(t, first, `data-key="fall_sale"`, "credit"); got != "100.00 EUR" {
			t.Errorf("first touch credits the fall_sale campaign with %s", got)
		}
		if !strings.Contains(first, `<p class="figure">150.00 EUR</p>`) {
			t.Error("attribution does not total the period's 150.00 EUR")
		}
		if r := c.do("GET", "/analytics/attribution?model=first_touch&"+october, nil, map[string]string{"HX-Request": "true"}); !strings.HasPrefix(strings.TrimSpace(r.body), "<section class=\"tiles\"") {
			t.Errorf("the model picker's htmx request gets a whole page:\n%.200s", r.body)
		}

		service := c.get("/analytics/service?" + october).body
		for _, tc := range []struct{ class, want string }{
			{"conversations", "2"}, {"first-response", "5 min"}, {"resolution", "8 h 10 min"}, {"continued", "1 (50.0%)"},
		} {
			if got := cell(t, service, `data-channel="all"`, tc.class); got != tc.want {
				t.Errorf("service %s: %q, want %q", tc.class, got, tc.want)
			}
		}

		retention := c.get("/analytics/retention?from=2026-10-01&to=2026-11-30").body
		if !regexp.MustCompile(`data-cohort="2026-10"><td>2026-10</td><td class="num">2</td>\s*<td class="num heat-5" data-month="0" title="2 customers">100.0%</td><td class="num heat-3" data-month="1" title="1 customers">50.0%</td>`).MatchString(retention) {
			t.Error("the October cohort does not show 2 buyers, 100% in month 0 and 50% in month 1")
		}
		for _, tc := range []struct{ class, want string }{{"repeat-rate", "50.0%"}, {"ltv", "75.00 EUR"}, {"buyers", "2"}} {
			if got := cell(t, retention, `data-segment="all"`, tc.class); got != tc.want {
				t.Errorf("all customers %s: %q, want %q", tc.class, got, tc.want)
			}
		}
		if got := cell(t, retention, `data-segment="omnichannel"`, "repeat-rate"); got != "0.0%" {
			t.Errorf("omnichannel repeat rate %q: A bought once", got)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func eur(minor int64) string { return fmt.Sprintf("%d.%02d EUR", minor/100, minor%100) }
