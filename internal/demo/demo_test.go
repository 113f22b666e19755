package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/dashboard/browsertest"
	"github.com/omni-hq/omni/internal/demo"
)

// syncBuffer collects the demo's console output across goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemo starts `omni demo` on a loopback port with a small seed, waits for
// the simulator's backfill and checks through the API that the shop is alive
// across channels.
func TestDemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var out syncBuffer
	setupc := make(chan *demo.Setup, 1)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- demo.Run(ctx, demo.Options{Dir: filepath.Join(t.TempDir(), "demo"), Addr: addr, Seed: 7,
			Customers: 80, Days: 14, Out: &out, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Ready: func(s *demo.Setup) { setupc <- s }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo stopped with %v", err)
		}
	}()
	var setup *demo.Setup
	select {
	case setup = <-setupc:
	case err := <-done:
		t.Fatalf("demo ended early: %v\n%s", err, out.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("demo not ready after 60s:\n%s", out.String())
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), "Backfilled") {
		if time.Now().After(deadline) {
			t.Fatalf("no backfill after 2 minutes:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	api := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+setup.AdminToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}

	// Every channel has events, and customers span several channels.
	seen := map[string]bool{}
	widest := 0
	cursor := ""
	for {
		var page struct {
			Customers []struct{ Channels []string }
			Next      string
		}
		api("/api/v1/customers?limit=200&cursor="+cursor, &page)
		for _, c := range page.Customers {
			widest = max(widest, len(c.Channels))
			for _, ch := range c.Channels {
				seen[ch] = true
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	for _, c := range demo.Channels {
		if !seen[c.Channel] {
			t.Errorf("no events on channel %s (seen: %v)", c.Channel, seen)
		}
	}
	if widest < 3 {
		t.Errorf("the widest customer spans %d channels, want ≥ 3", widest)
	}

	// A conversation continued across channels.
	var convs struct{ Conversations []struct{ ID string } }
	api("/api/v1/conversations?limit=100", &convs)
	spans := 0
	for _, c := range convs.Conversations {
		var view struct{ Messages []struct{ Channel string } }
		api("/api/v1/conversations/"+c.ID, &view)
		chans := map[string]bool{}
		for _, m := range view.Messages {
			chans[m.Channel] = true
		}
		spans = max(spans, len(chans))
	}
	if spans < 2 {
		t.Errorf("no conversation spans 2 channels (%d conversations)", len(convs.Conversations))
	}
	// Bought online, collected in the shop.
	var picked []struct{ ID, Channel, Status string }
	api("/api/v1/orders?status=picked_up&limit=50", &picked)
	if len(picked) == 0 {
		t.Error("no pickup order reached picked_up")
	}
	for _, o := range picked {
		if o.Status != "picked_up" {
			t.Errorf("order %s listed as picked up has status %s", o.ID, o.Status)
		}
	}
	// Carts left and carts checked out entered the seeded reminder journey.
	var journeys []struct {
		Name    string
		Enabled bool
		Stats   struct{ Enrolled, Waiting, Skipped int64 }
	}
	api("/api/v1/journeys", &journeys)
	if len(journeys) != 1 || !journeys[0].Enabled || journeys[0].Stats.Waiting == 0 || journeys[0].Stats.Skipped == 0 {
		t.Errorf("journeys %+v, want the cart reminder with carts waiting and carts ordered", journeys)
	}
	if setup.StandIns.Messenger.Load() == 0 {
		t.Error("no agent reply reached the Messenger stand-in")
	}
	// The saved segments are there and the cross-channel ones have members.
	var segs struct {
		Segments []struct {
			Name  string
			Count *int64
		}
	}
	api("/api/v1/segments?count=true", &segs)
	counts := map[string]int64{}
	for _, s := range segs.Segments {
		if s.Count != nil {
			counts[s.Name] = *s.Count
		}
	}
	if len(counts) != len(demo.Segments) {
		t.Errorf("segments with counts: %v, want %d", counts, len(demo.Segments))
	}
	for _, name := range []string{"Omnichannel customers", "Messenger subscribers"} {
		if counts[name] == 0 {
			t.Errorf("segment %q has no members (%v)", name, counts)
		}
	}

	// The seeded campaign went out to the consenting omnichannel customers.
	var campaigns []struct {
		Name, Status string
		Stats        struct{ Audience, Sent, Skipped, Pending int64 }
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		api("/api/v1/campaigns", &campaigns)
		if len(campaigns) == 1 && campaigns[0].Status == "sent" || time.Now().After(deadline) {
			break
		}
	}
	if len(campaigns) != 1 || campaigns[0].Status != "sent" || campaigns[0].Stats.Sent == 0 ||
		campaigns[0].Stats.Sent+campaigns[0].Stats.Skipped != campaigns[0].Stats.Audience {
		t.Errorf("campaigns %+v, want the autumn newsletter sent", campaigns)
	}

	t.Run("storefront", func(t *testing.T) { playCustomer(t, "http://"+addr) })
	t.Run("channel settings", func(t *testing.T) { checkChannels(t, "http://"+addr, setup.Password) })
}

// checkChannels signs in as the demo's owner: the messaging channels,
// configured by the demo through its configuration, show as on and set by
// the environment, and each connection test reaches its stand-in.
func checkChannels(t *testing.T, base, password string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	page := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", resp.Request.URL, resp.StatusCode, b)
		}
		return string(b)
	}
	post := func(path string, form url.Values, token string) string {
		form.Set("csrf_token", token)
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		return page(c.Do(req))
	}
	login := page(c.Get(base + "/login"))
	channels := post("/login", url.Values{"email": {demo.OwnerEmail}, "password": {password}, "next": {"/channels"}},
		csrf.FindStringSubmatch(login)[1])
	token := csrf.FindStringSubmatch(channels)[1]
	for _, ch := range []string{"messenger", "sms", "email"} {
		settings := page(c.Get(base + "/channels/" + ch))
		if !strings.Contains(settings, `id="channel-state" data-state="on"`) || !strings.Contains(settings, "from the environment") {
			t.Errorf("%s settings page: not on, or not from the environment", ch)
		}
		if res := post("/channels/"+ch+"/check", url.Values{}, token); !strings.Contains(res, `data-ok="true"`) {
			t.Errorf("%s connection test against the stand-in failed:\n%s", ch, res)
		}
	}
}

// playCustomer uses the demo storefront in a real browser: a product page, the
// cart, a promotion code, checkout for pickup.
func playCustomer(t *testing.T, base string) {
	b := browsertest.New(t, base)
	b.Go("/shop/")
	b.WaitCount("#products .card", 3)
	b.Click("#products .card button")
	b.WaitText("#product h2", "—")
	b.Click("#product button")
	b.WaitText("#cart", "1 ×")
	b.Fill("#code", "AUTUMN10")
	b.Click("#apply")
	b.WaitText("#cart", "Applied: Autumn sale")
	b.WaitText("#cart", "You save")
	b.WaitCount("#shop option", 3)
	b.Click("#checkout")
	b.WaitText("#orderMsg", "placed")
	b.WaitText("#cart", "Empty.")
	if errs := b.PageErrors(); len(errs) > 0 {
		t.Errorf("page errors: %v", errs)
	}
}
