package dashboard_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/analytics/analyticstest"
	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/dashboard"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestAnalyticsCSV downloads the tables the pages link to: each link is
// there, and the files hold the known answers.
func TestAnalyticsCSV(t *testing.T) {
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		addLogins(t, s.App.DB())
		real := loadScenario(t, s)
		if _, err := s.App.Analytics().Refresh(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		c := signedIn(t, s.URL, auth.ScopeRead)
		links := map[string][]string{
			"/analytics?" + october:                      {"funnel?table=steps", "funnel?table=by_channel"},
			"/analytics/attribution?" + october:          {"attribution?table=by_channel", "attribution?table=by_campaign"},
			"/analytics/retention?" + october:            {"cohorts?table=by_month", "cohorts?table=by_channel", "cohorts?table=segments"},
			"/analytics/service?" + october:              {"service?table=channels"},
			"/analytics/strategy?" + october:             {"strategy?table=lines"},
			"/analytics/attribution?days=7&model=linear": {"attribution?table=by_channel"},
		}
		for page, want := range links {
			body := c.get(page).body
			for _, l := range want {
				if !strings.Contains(body, `href="/analytics/export/`+l) {
					t.Errorf("%s has no CSV link to %s", page, l)
				}
			}
		}

		rows, name := download(t, c, "/analytics/export/funnel?table=steps&"+october)
		if name != "omni-funnel-steps-2026-10-01-2026-10-31.csv" || !slices.Equal(rows[0][:2], []string{"step", "customers"}) {
			t.Errorf("funnel CSV %s: %v", name, rows)
		}
		var counts []string
		for _, r := range rows[1:] {
			counts = append(counts, r[1])
		}
		if !slices.Equal(counts, []string{"3", "2", "2", "2"}) {
			t.Errorf("funnel CSV counts %v", counts)
		}
		rows, name = download(t, c, "/analytics/export/strategy?table=lines")
		if name != "omni-strategy-lines.csv" || len(rows) != 6 {
			t.Fatalf("strategy CSV %s: %v", name, rows)
		}
		for i, w := range analyticstest.AllTime {
			r := rows[i+1]
			if r[0] != w.Key || r[2] != itoa(w.Connected) || r[4] != itoa(w.Lost) || r[10] != real[w.Example] {
				t.Errorf("strategy CSV line %v, want %+v", r, w)
			}
		}
		rows, _ = download(t, c, "/analytics/export/attribution?table=by_campaign&"+october)
		if !slices.ContainsFunc(rows, func(r []string) bool {
			return slices.Equal(r[:4], []string{"first_touch", "fall_sale", "EUR", "10000"}) && r[5] == "1"
		}) {
			t.Errorf("attribution CSV does not credit fall_sale with ord_1 under first touch: %v", rows)
		}
		rows, _ = download(t, c, "/analytics/export/service?table=channels&"+october)
		if rows[1][0] != "all" || rows[1][1] != "2" || rows[1][6] != "300" {
			t.Errorf("service CSV total %v", rows[1])
		}

		for path, want := range map[string]int{
			"/analytics/export/nothing":                 http.StatusNotFound,
			"/analytics/export/funnel?table=nope":       http.StatusBadRequest,
			"/analytics/export/funnel?days=12":          http.StatusBadRequest,
			"/analytics/export/cohorts?from=2026-13-01": http.StatusBadRequest,
			"/analytics?from=2026-10-31&to=2026-10-01":  http.StatusBadRequest,
			"/analytics/attribution?model=most_recent":  http.StatusBadRequest,
			"/analytics/service?days=365":               http.StatusBadRequest,
		} {
			if r := c.get(path); r.status != want {
				t.Errorf("GET %s: %d, want %d", path, r.status, want)
			}
		}
	})
}

func download(t *testing.T, c *client, path string) ([][]string, string) {
	t.Helper()
	r := c.get(path)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("GET %s: %d %s\n%s", path, r.status, r.header.Get("Content-Type"), r.body)
	}
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("GET %s: %v rows, %v", path, len(rows), err)
	}
	name := strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Content-Disposition"), `attachment; filename="`), `"`)
	return rows, name
}

// TestAnalyticsRoles: admins, marketers and read-only users open the
// section; only admins and marketers may recompute; agents see none of it.
func TestAnalyticsRoles(t *testing.T) {
	w := startWorld(t)
	paths := []string{"/analytics", "/analytics/attribution", "/analytics/retention", "/analytics/service",
		"/analytics/strategy", "/analytics/export/funnel"}
	for _, tc := range []struct {
		role               auth.Scope
		open, refresh, nav bool
	}{
		{auth.ScopeAdmin, true, true, true},
		{auth.ScopeMarketer, true, true, true},
		{auth.ScopeRead, true, false, true},
		{auth.ScopeAgent, false, false, false},
	} {
		c := signedIn(t, w.URL, tc.role)
		for _, p := range paths {
			want := http.StatusForbidden
			if tc.open {
				want = http.StatusOK
			}
			if r := c.get(p); r.status != want {
				t.Errorf("%s GET %s: %d, want %d", tc.role, p, r.status, want)
			}
		}
		home := c.get("/customers")
		if home.status != http.StatusOK {
			home = c.get("/")
		}
		if _, shown := navLinks(home.body)["/analytics"]; shown != tc.nav {
			t.Errorf("%s: navigation shows Analytics = %v", tc.role, shown)
		}
		if tc.open {
			page := c.get("/analytics/strategy").body
			if got := strings.Contains(page, `id="recompute"`); got != tc.refresh {
				t.Errorf("%s: Recompute button shown = %v", tc.role, got)
			}
		}
		want := http.StatusForbidden
		if tc.refresh {
			want = http.StatusSeeOther
		}
		form := url.Values{"csrf_token": {token(t, home.body)}, "tab": {"service"}, "days": {"7"}}
		r := c.do("POST", "/analytics/refresh", form, nil)
		if r.status != want {
			t.Errorf("%s POST /analytics/refresh: %d, want %d", tc.role, r.status, want)
		}
		if tc.refresh && r.header.Get("Location") != "/analytics/service?days=7&refreshed=1" {
			t.Errorf("%s: recompute goes back to %q", tc.role, r.header.Get("Location"))
		}
		if r := c.do("POST", "/analytics/refresh", url.Values{"tab": {"service"}}, nil); r.status != http.StatusForbidden {
			t.Errorf("%s: recompute without a CSRF token: %d", tc.role, r.status)
		}
	}
}

// TestAnalyticsBeforeFirstRefresh runs the dashboard on its own (no
// background refresh): the replayed figures say they are not computed yet
// rather than replaying the log on a page view, and Recompute computes them.
func TestAnalyticsBeforeFirstRefresh(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		acc := addLogins(t, db)
		an := analytics.NewService(db, analytics.Options{})
		h, err := dashboard.New(dashboard.Deps{Sessions: acc, Sources: acc, Customers: customer.NewService(db),
			Identities: identity.NewService(db, identity.Options{}), Activity: activity.NewService(db), Analytics: an}, dashboard.Options{})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Mount(mux)
		srv := httptest.NewServer(mux)
		defer srv.Close()

		reader := signedIn(t, srv.URL, auth.ScopeRead)
		page := reader.get("/analytics/strategy").body
		if !strings.Contains(page, "No channel-strategy report has been computed yet") || !strings.Contains(page, "an admin or a marketer can also run it now") ||
			strings.Contains(page, `id="recompute"`) {
			t.Errorf("strategy page for a reader before any refresh:\n%s", page)
		}
		for _, p := range []string{"/analytics/attribution", "/analytics/retention", "/analytics/service"} {
			if body := reader.get(p).body; !strings.Contains(body, `id="not-computed"`) || strings.Contains(body, `id="figures"`) {
				t.Errorf("%s before any refresh does not say so", p)
			}
		}
		if r := reader.get("/analytics/export/strategy"); r.status != http.StatusConflict {
			t.Errorf("strategy CSV before any refresh: %d, want 409", r.status)
		}
		if body := reader.get("/analytics").body; !strings.Contains(body, `id="funnel-steps"`) || strings.Contains(body, `id="not-computed"`) {
			t.Error("the funnel, kept on ingest, is not shown before the first refresh")
		}
		if _, ok, err := an.LatestRefresh(ctx); ok || err != nil {
			t.Fatalf("opening the pages ran a refresh (%v)", err)
		}

		marketer := signedIn(t, srv.URL, auth.ScopeMarketer)
		page = marketer.get("/analytics/strategy").body
		if !strings.Contains(page, `id="recompute"`) {
			t.Fatal("no Recompute button for a marketer")
		}
		r := marketer.do("POST", "/analytics/refresh", url.Values{"csrf_token": {token(t, page)}, "tab": {"strategy"}}, nil)
		if r.status != http.StatusSeeOther {
			t.Fatalf("recompute: %d %s", r.status, r.body)
		}
		page = marketer.get(r.header.Get("Location")).body
		if strings.Contains(page, `id="not-computed"`) || strings.Count(page, `class="panel finding"`) != 5 || !strings.Contains(page, `id="generated-at"`) {
			t.Errorf("after recompute the strategy page shows:\n%s", page)
		}
	})
}
