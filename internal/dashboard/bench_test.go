package dashboard_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/store"
)

// BenchmarkPages measures every dashboard page over HTTP against a SQLite
// database of realistic size (generated on the first run and kept, with the
// analytics rollups and snapshot built from its events), and reports the
// median, the 99th percentile and the first (cold) request.
//
//	go test -run '^$' -bench Pages -benchtime 200x ./internal/dashboard/
//
// OMNI_BENCH_CUSTOMERS and OMNI_BENCH_EVENTS change the size (defaults
// 100,000 and 2,000,000 over 365 days).
func BenchmarkPages(b *testing.B) {
	shape := benchShape{Customers: envInt("OMNI_BENCH_CUSTOMERS", 100_000), Events: envInt("OMNI_BENCH_EVENTS", 2_000_000), Days: 365}
	path := benchDatabase(b, shape)
	freshSnapshot(b, path)
	s := apptest.Start(b, path)
	benchShop(b, s, path, shape.Customers)
	c := benchClient(b, s.URL)
	rng := rand.New(rand.NewPCG(3, 4))
	customer := func() string { return fmt.Sprintf("cus_b%09d", rng.IntN(shape.Customers)) }
	var cursor string
	s.App.DB().QueryRowContext(b.Context(), "SELECT MIN(id) FROM customers").Scan(&cursor)
	pages := []struct {
		name string
		path func() string
		htmx bool
	}{
		{"overview-7d", func() string { return "/?days=7" }, false},
		{"overview-30d", func() string { return "/" }, false},
		{"overview-90d", func() string { return "/?days=90" }, false},
		{"customers", func() string { return "/customers" }, false},
		{"customers-search", func() string { return "/customers?q=" + firstNames[rng.IntN(len(firstNames))][:2] }, true},
		{"customers-next-page", func() string { return "/customers?cursor=" + customer() }, true},
		{"customer-360", func() string { return "/customers/" + customer() }, false},
		{"customer-timeline-more", func() string {
			return "/customers/" + customer() + "/timeline?before=" + timelineCursor(time.Now().Add(-90*24*time.Hour))
		}, true},
		{"catalog", func() string { return "/catalog" }, false},
		{"inventory", func() string { return "/inventory" }, false},
		{"orders", func() string { return "/orders" }, false},
		{"promotions", func() string { return "/promotions" }, false},
		{"promotions-search", func() string { return fmt.Sprintf("/promotions?state=active&q=promotion+%d", rng.IntN(100)) }, false},
		{"channels", func() string { return "/channels" }, false},
		{"analytics-funnel-30d", func() string { return "/analytics" }, false},
		{"analytics-funnel-90d", func() string { return "/analytics?days=90" }, false},
		{"analytics-attribution-30d", func() string { return "/analytics/attribution" }, false},
		{"analytics-attribution-model", func() string {
			return "/analytics/attribution?days=90&model=" + string(analytics.Models[rng.IntN(len(analytics.Models))])
		}, true},
		{"analytics-retention-90d", func() string { return "/analytics/retention?days=90" }, false},
		{"analytics-service-30d", func() string { return "/analytics/service" }, false},
		{"analytics-strategy", func() string { return "/analytics/strategy" }, false},
		{"analytics-csv", func() string { return "/analytics/export/attribution?table=by_campaign&days=90" }, false},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				c.fetch(b, p.path(), p.htmx)
				took = append(took, time.Since(start))
			}
			report(b, took)
		})
	}
}

// freshSnapshot recomputes the analytics snapshot of the database at path
// unless it is recent, so that the node's start-up refresh (which skips a
// snapshot younger than 30 minutes) does not replay the log while pages
// are measured.
func freshSnapshot(b *testing.B, path string) {
	ctx := b.Context()
	db, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	an := analytics.NewService(db, analytics.Options{})
	latest, ok, err := an.LatestRefresh(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if ok && time.Since(latest.FinishedAt) < 10*time.Minute {
		return
	}
	info, err := an.Refresh(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("analytics snapshot: %d events replayed in %s", info.Events, info.FinishedAt.Sub(info.StartedAt).Round(time.Millisecond))
}

func report(b *testing.B, took []time.Duration) {
	if len(took) == 0 {
		return
	}
	first := took[0]
	sorted := slices.Clone(took)
	slices.Sort(sorted)
	at := func(q float64) time.Duration { return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))] }
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(at(0.5)), "p50-ms")
	b.ReportMetric(ms(at(0.99)), "p99-ms")
	b.ReportMetric(ms(first), "first-ms")
}

type benchHTTP struct {
	base   string
	cookie *http.Cookie
}

func benchClient(b *testing.B, base string) *benchHTTP {
	c := newClient(b, base)
	r := c.login("owner@example.com", password)
	if r.status != http.StatusSeeOther {
		b.Fatalf("login: %d", r.status)
	}
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "omni_session" {
			return &benchHTTP{base: base, cookie: ck}
		}
	}
	b.Fatal("no session cookie")
	return nil
}

func (c *benchHTTP) fetch(b *testing.B, path string, htmx bool) {
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.AddCookie(c.cookie)
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
}

// timelineCursor is a timeline cursor pointing at time t, as the customer
// service encodes it.
func timelineCursor(t time.Time) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t.UnixMilli(), 10) + ":evt_zzzzzzzz"))
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
