package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
)

// The scenario signs in, finds customers and conversations on the pages and
// measures every page: each one answered, none failed.
func TestDashboardAgainstInProcessServer(t *testing.T) {
	res, err := Dashboard(context.Background(), DashboardConfig{
		Load: Load{Duration: 6 * time.Second, Warmup: 200 * time.Millisecond, Concurrency: 4},
		Shop: DashboardShop{Customers: 300, EventsPerCustomer: 5, Orders: 20, Conversations: 10, Promotions: 50},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Events == 0 || res.RSSBytes == 0 {
		t.Fatalf("%d pages, %d errors (first: %s)", res.Events, res.Errors, res.FirstError)
	}
	want := []string{"overview-7d", "overview-30d", "overview-90d", "inbox", "conversation", "customers",
		"customers-search", "customer-360", "catalog", "inventory", "orders", "promotions", "segments", "segment", "segment-count", "segment-members", "journeys", "campaigns",
		"analytics-funnel-30d", "analytics-funnel-90d", "analytics-attribution", "analytics-retention",
		"analytics-service", "analytics-strategy", "analytics-funnel-csv", "channels"}
	var names []string
	var sum int64
	for _, p := range res.Pages {
		names = append(names, p.Name)
		sum += p.Requests
		l := p.Latency
		if p.Requests == 0 || p.Errors != 0 || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max || l.Max > 10_000 {
			t.Errorf("page %s (%s): %+v", p.Name, p.Path, p)
		}
	}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("pages %v, want %v", names, want)
	}
	if sum != res.Requests {
		t.Errorf("pages add up to %d requests, the run counted %d", sum, res.Requests)
	}
}

// Against a running server the scenario signs in with the login it is
// given and measures the pages there is data for: no conversation page on
// a node without conversations.
func TestDashboardAgainstURL(t *testing.T) {
	ctx := context.Background()
	srv, err := startServer(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	if _, err := auth.NewService(srv.db).CreateUser(ctx, "owner@example.com", "correct horse battery", auth.ScopeAdmin); err != nil {
		t.Fatal(err)
	}
	anon, _ := identity.New(identity.AnonymousID, "visitor-1")
	if _, err := srv.app.Identity().Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{anon}, Channel: "web"}); err != nil {
		t.Fatal(err)
	}
	cfg := DashboardConfig{URL: srv.url, Email: "owner@example.com", Password: "wrong password",
		Load: Load{Duration: 5 * time.Second, Concurrency: 4}}
	if _, err := Dashboard(ctx, cfg, nil); err == nil || !strings.Contains(err.Error(), "sign in") {
		t.Fatalf("wrong password: %v", err)
	}
	cfg.Password = "correct horse battery"
	res, err := Dashboard(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.Events == 0 || res.RSSBytes != 0 || len(res.Pages) != 22 {
		t.Fatalf("%d pages (%d kinds), %d errors (first: %s), RSS %d", res.Events, len(res.Pages), res.Errors, res.FirstError, res.RSSBytes)
	}
	for _, p := range res.Pages {
		if p.Name == "conversation" || p.Requests == 0 {
			t.Errorf("page %+v", p)
		}
	}
}

func TestDashboardRequiresLoginWithURL(t *testing.T) {
	if _, err := Dashboard(context.Background(), DashboardConfig{URL: "http://127.0.0.1:1"}, nil); err == nil {
		t.Fatal("no error without the owner's login")
	}
}
