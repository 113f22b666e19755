package loadgen

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omni-hq/omni/internal/app"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/id"
)

// DashboardConfig configures the dashboard scenario: the owner signed in
// and going through every page of the dashboard.
type DashboardConfig struct {
	URL      string // a running server; empty starts one in this process and seeds it (Shop)
	Email    string // the owner's login; required with URL
	Password string
	Database string // the in-process server's database; empty is a temporary SQLite file
	Load            // Concurrency (pages in flight) default 4; Rate counts pages
	Shop     DashboardShop
}

// Dashboard signs in to the dashboard as the owner, over HTTP with the login
// form's cookie and CSRF token, then requests its pages in turn — the
// Overview for 7, 30 and 90 days, the customer list, a live search, a
// customer's 360° view, the inbox and a conversation, orders, promotions,
// catalog, inventory and channels — and reports each page's latencies.
// Customers and conversations to open are found on the pages themselves.
func Dashboard(ctx context.Context, cfg DashboardConfig, progress io.Writer) (Result, error) {
	cfg.Duration = max(cfg.Duration, time.Second)
	cfg.Concurrency = max(cfg.Concurrency, 1)
	res := Result{Scenario: "dashboard", Target: cfg.URL, Concurrency: cfg.Concurrency, Rate: cfg.Rate, BatchSize: 1}
	inProcess := cfg.URL == ""
	if inProcess {
		srv, err := startDashboardServer(ctx, &cfg, progress)
		if err != nil {
			return res, err
		}
		defer srv.stop()
		cfg.URL, res.Target = srv.url, "in-process server on "+srv.database
	} else if cfg.Email == "" || cfg.Password == "" {
		return res, errors.New("the owner's email and password are required with a server URL")
	}
	r := newRunner(IngestConfig{Load: cfg.Load, BatchSize: 1})
	s, err := signIn(ctx, r.client, cfg.URL, cfg.Email, cfg.Password)
	if err != nil {
		return res, err
	}
	pages, err := s.pages(ctx)
	if err != nil {
		return res, err
	}
	stats := make([]pageStats, len(pages))
	var next atomic.Int64
	r.opsRun(ctx, progress, &res, inProcess, func(ctx context.Context, rng *rand.Rand) (int, error) {
		i := int(next.Add(1)-1) % len(pages)
		t0 := time.Now()
		err := s.get(ctx, pages[i].path(rng), pages[i].htmx)
		if (ctx.Err() == nil || err == nil) && !t0.Before(r.measureFrom) { // as the runner counts
			stats[i].add(time.Since(t0), err)
		}
		return 1, err
	})
	for i, p := range pages {
		res.Pages = append(res.Pages, stats[i].page(p.name, p.path(rand.New(rand.NewPCG(1, 1)))))
	}
	return res, nil
}

// startDashboardServer starts a node with a seeded shop and an owner login.
func startDashboardServer(ctx context.Context, cfg *DashboardConfig, progress io.Writer) (*server, error) {
	cfg.Shop = cfg.Shop.withDefaults()
	cfg.Email, cfg.Password = "owner@bench.example", id.Secret("pw", 12)
	srv, err := startServer(ctx, cfg.Database, func(ctx context.Context, a *app.App) error {
		if _, err := auth.NewService(a.DB()).CreateUser(ctx, cfg.Email, cfg.Password, auth.ScopeAdmin); err != nil {
			return err
		}
		return seedHistory(ctx, a, cfg.Shop, progress)
	})
	if err != nil {
		return nil, err
	}
	if err := seedActivity(ctx, srv, cfg.Shop, progress); err != nil {
		srv.stop()
		return nil, err
	}
	return srv, nil
}

// dashboardPage is one page the scenario requests; path may pick a query
// or an id at random.
type dashboardPage struct {
	name string
	path func(rng *rand.Rand) string
	htmx bool // requested as htmx does: the page's fragment only
}

func fixed(p string) func(*rand.Rand) string { return func(*rand.Rand) string { return p } }

func pick(prefix string, ids []string) func(*rand.Rand) string {
	return func(rng *rand.Rand) string { return prefix + ids[rng.IntN(len(ids))] }
}

func suffixed(path func(*rand.Rand) string, suffix string) func(*rand.Rand) string {
	return func(rng *rand.Rand) string { return path(rng) + suffix }
}

// The pages, in the order of the dashboard's navigation (internal/dashboard
// sections); sections not connected yet are left out.
func (s *session) pages(ctx context.Context) ([]dashboardPage, error) {
	customers, conversations, segments, err := s.discover(ctx)
	if err != nil {
		return nil, err
	}
	pages := []dashboardPage{
		{"overview-7d", fixed("/?days=7"), false},
		{"overview-30d", fixed("/?days=30"), false},
		{"overview-90d", fixed("/?days=90"), false},
		{"inbox", fixed("/inbox"), false},
	}
	if len(conversations) > 0 {
		pages = append(pages, dashboardPage{"conversation", pick("/inbox/", conversations), false})
	}
	pages = append(pages,
		dashboardPage{"customers", fixed("/customers"), false},
		dashboardPage{"customers-search", pick("/customers?q=", dashboardSearches), true},
		dashboardPage{"customer-360", pick("/customers/", customers), false},
		dashboardPage{"catalog", fixed("/catalog"), false},
		dashboardPage{"inventory", fixed("/inventory"), false},
		dashboardPage{"orders", fixed("/orders"), false},
		dashboardPage{"promotions", fixed("/promotions"), false},
		dashboardPage{"segments", fixed("/segments"), false},
	)
	if len(segments) > 0 {
		pages = append(pages,
			dashboardPage{"segment", pick("/segments/", segments), false},
			dashboardPage{"segment-count", suffixed(pick("/segments/", segments), "/count"), true},
			dashboardPage{"segment-members", suffixed(pick("/segments/", segments), "/members"), true})
	}
	return append(pages,
		dashboardPage{"journeys", fixed("/journeys"), false},
		dashboardPage{"campaigns", fixed("/campaigns"), false},
		dashboardPage{"analytics-funnel-30d", fixed("/analytics?days=30"), false},
		dashboardPage{"analytics-funnel-90d", fixed("/analytics?days=90"), false},
		dashboardPage{"analytics-attribution", fixed("/analytics/attribution?days=90"), false},
		dashboardPage{"analytics-retention", fixed("/analytics/retention"), false},
		dashboardPage{"analytics-service", fixed("/analytics/service?days=90"), false},
		dashboardPage{"analytics-strategy", fixed("/analytics/strategy"), false},
		dashboardPage{"analytics-funnel-csv", fixed("/analytics/export/funnel?days=90"), false},
		dashboardPage{"channels", fixed("/channels"), false},
	), nil
}

var (
	customerLink     = regexp.MustCompile(`href="/customers/([A-Za-z0-9_]+)"`)
	conversationLink = regexp.MustCompile(`href="/inbox/([A-Za-z0-9_]+)"`)
	segmentLink      = regexp.MustCompile(`href="/segments/(seg_[A-Za-z0-9_]+)"`)
	csrfInput        = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// discover finds customers to open, on the customer list and in search
// results, conversations, in the inbox, and segments, on their list.
func (s *session) discover(ctx context.Context) (customers, conversations, segments []string, err error) {
	found := map[string]bool{}
	for _, p := range append([]string{"/customers"}, prefixed("/customers?q=", dashboardSearches)...) {
		body, err := s.read(ctx, p, false)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, m := range customerLink.FindAllSubmatch(body, -1) {
			if id := string(m[1]); !found[id] {
				found[id] = true
				customers = append(customers, id)
			}
		}
	}
	if len(customers) == 0 {
		return nil, nil, nil, errors.New("the dashboard lists no customers to open")
	}
	body, err := s.read(ctx, "/inbox", false)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, m := range conversationLink.FindAllSubmatch(body, -1) {
		if id := string(m[1]); id != "events" && !slices.Contains(conversations, id) {
			conversations = append(conversations, id)
		}
	}
	if body, err = s.read(ctx, "/segments", false); err != nil {
		return nil, nil, nil, err
	}
	for _, m := range segmentLink.FindAllSubmatch(body, -1) {
		if id := string(m[1]); !slices.Contains(segments, id) {
			segments = append(segments, id)
		}
	}
	return customers, conversations, segments, nil
}

func prefixed(prefix string, qs []string) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = prefix + url.QueryEscape(q)
	}
	return out
}

// session is a browser signed in to the dashboard: its cookies are in the
// client's jar.
type session struct {
	client *http.Client
	base   string
}

// signIn does what the login form does: it loads the form (which sets the
// form's double-submit cookie and carries the same token), posts the email,
// password and token from the dashboard's own origin, and keeps the session
// cookie it is answered with. Requests go through shared's transport.
func signIn(ctx context.Context, shared *http.Client, base, email, password string) (*session, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute, Transport: shared.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s := &session{client: c, base: base}
	form, err := s.read(ctx, "/login", false)
	if err != nil {
		return nil, err
	}
	m := csrfInput.FindSubmatch(form)
	if m == nil {
		return nil, errors.New("the login page has no csrf_token field")
	}
	vals := url.Values{"email": {email}, "password": {password}, "csrf_token": {html.UnescapeString(string(m[1]))}, "next": {"/"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(vals.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	signed := slices.ContainsFunc(jar.Cookies(u), func(c *http.Cookie) bool { return c.Name == "omni_session" })
	if resp.StatusCode != http.StatusSeeOther || !signed {
		return nil, fmt.Errorf("sign in as %s: %s, no session", email, resp.Status)
	}
	return s, nil
}

// get requests a page and reads it whole.
func (s *session) get(ctx context.Context, path string, htmx bool) error {
	_, err := s.read(ctx, path, htmx)
	return err
}

func (s *session) read(ctx context.Context, path string, htmx bool) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s %.200s", path, resp.Status, body)
	}
	return body, nil
}

// pageStats collects one page's measurements.
type pageStats struct {
	mu       sync.Mutex
	lat      []time.Duration
	requests int64
	errors   int64
}

func (p *pageStats) add(d time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	p.lat = append(p.lat, d)
	if err != nil {
		p.errors++
	}
}

func (p *pageStats) page(name, example string) Page {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Page{Name: name, Path: example, Requests: p.requests, Errors: p.errors, Latency: percentiles(p.lat)}
}
