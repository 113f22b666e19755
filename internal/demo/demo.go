// Package demo runs `omni demo`: a living omnichannel shop on embedded SQLite
// in one command. It creates a fresh data directory, seeds a shop and its
// channels, starts local stand-ins for the platforms (Messenger, Twilio, an
// SMTP relay), prints the dashboard address and an owner login, serves, and
// drives synthetic customers through cross-channel journeys with the traffic
// simulator.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/omni-hq/omni/internal/app"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/simulate"
)

// Options configures a demo run.
type Options struct {
	Dir       string  // data directory, recreated at start
	Addr      string  // listen address
	Seed      uint64  // makes the simulated traffic repeatable
	Customers int     // synthetic customers
	Days      int     // days of history to backfill
	Rate      float64 // live journeys per second after the backfill; 0 stops after it
	Out       io.Writer
	Log       *slog.Logger
	Ready     func(*Setup) // called once the demo serves, before the traffic starts
}

// marker marks a directory as the demo's own, so that only such a directory
// is ever wiped.
const marker = ".omni-demo"

// OwnerEmail is the demo's owner login.
const OwnerEmail = "owner@demo.omni.test"

// Channels are the sources the demo creates: name → channel.
var Channels = []struct{ Name, Channel string }{
	{"Web shop", "web"}, {"Mobile app", "app"}, {"Website chat", "chat"}, {"Facebook Messenger", "messenger"},
	{"Email", "email"}, {"SMS", "sms"}, {"Shop counter (POS)", "pos"}, {"Amazon", "marketplace"},
	{"TikTok Shop", "marketplace"}, {"Meta ads", "ads"},
}

// PrepareDir empties dir when it is a previous demo's (or missing), and
// refuses to touch any other directory.
func PrepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read %s: %w", dir, err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
			return fmt.Errorf("%s exists and is not a demo directory; choose another --dir", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("clear %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, marker), []byte("created by omni demo; removed by the next run\n"), 0o640)
}

// Setup is what the demo created: credentials and the running stand-ins.
type Setup struct {
	Password   string
	AdminToken string
	WriteKeys  map[string]string // source name → write key
	StandIns   *StandIns
	Platforms  simulate.Platforms // how the simulator reaches the messaging channels
	page       *shopPage
}

// Run runs the demo until ctx ends.
func Run(ctx context.Context, opt Options) error {
	if err := PrepareDir(opt.Dir); err != nil {
		return err
	}
	standIns, err := StartStandIns()
	if err != nil {
		return err
	}
	defer standIns.Close()
	smtpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	cfg := config.Server{Addr: opt.Addr, Database: filepath.Join(opt.Dir, "omni.db"), ShutdownTimeout: 10 * time.Second,
		Channels: channelConfig(opt.Addr, smtpAddr, standIns), StorefrontURL: "http://" + opt.Addr + "/shop"}
	a, err := app.New(ctx, cfg, opt.Log)
	if err != nil {
		return err
	}
	defer a.Close()
	setup, err := Bootstrap(ctx, a, standIns)
	if err != nil {
		return err
	}
	setup.Platforms = platforms(cfg.Channels, setup)
	setup.page = &shopPage{}
	a.Handle("GET /shop/{$}", setup.page)
	a.Handle("GET /shop/cart", setup.page) // where journey messages lead
	if _, setup.Platforms.AgentToken, err = auth.NewService(a.DB()).CreateToken(ctx, "demo agent", auth.ScopeAgent); err != nil {
		return err
	}
	printBanner(opt, setup)
	go simulateTraffic(ctx, opt, setup)
	return a.Serve(ctx)
}

// simulateTraffic waits for the server, then runs the simulator against it
// through the public APIs.
func simulateTraffic(ctx context.Context, opt Options, setup *Setup) {
	base := "http://" + opt.Addr
	if !waitHealthy(ctx, base) {
		return
	}
	if opt.Ready != nil {
		opt.Ready(setup)
	}
	keys := map[string]string{}
	for _, c := range Channels {
		if _, ok := keys[c.Channel]; !ok {
			keys[c.Channel] = setup.WriteKeys[c.Name]
		}
	}
	var st simulate.Stats
	client := simulate.NewClient(base)
	start := time.Now()
	shop, err := SeedShop(ctx, client, setup.AdminToken, opt.Seed)
	if err != nil {
		opt.Log.Error("demo shop", "err", err)
		return
	}
	if err := setup.page.render(shop.StoreKeys["web"], setup.WriteKeys["Web shop"], setup.WriteKeys["Website chat"]); err != nil {
		opt.Log.Error("demo storefront page", "err", err)
		return
	}
	fmt.Fprintf(opt.Out, "  Storefront  %s/shop/  (play the customer: browse, add to cart, chat, pick up in a shop)\n", base)
	fmt.Fprintf(opt.Out, "  Seeded the shop: %d variants, 2 warehouses, %d pickup shops, 3 promotions, %d segments, a cart-reminder journey (%s).\n",
		len(shop.Products), len(shop.PickupShops), len(Segments), time.Since(start).Round(time.Millisecond))
	cfg := simulate.Config{Client: client, WriteKeys: keys, Seed: opt.Seed,
		Customers: opt.Customers, Days: opt.Days, Rate: opt.Rate, Platforms: setup.Platforms, Shop: shop}
	start = time.Now()
	if err := simulate.Backfill(ctx, cfg, &st); err != nil {
		opt.Log.Error("demo traffic backfill", "err", err)
		return
	}
	fmt.Fprintf(opt.Out, "  Backfilled %d days of history: %d customers, %d events in %s. Live traffic: %.1f journeys/s.\n",
		opt.Days, opt.Customers, st.Calls.Load(), time.Since(start).Round(time.Millisecond), opt.Rate)
	if err := SeedCampaign(ctx, client, setup.AdminToken, base+"/shop/"); err != nil {
		opt.Log.Error("demo campaign", "err", err)
		return
	}
	fmt.Fprintf(opt.Out, "  Sent the %q email campaign to the %q segment.\n", campaignName, campaignSegment)
	if err := simulate.Live(ctx, cfg, opt.Customers, &st); err != nil {
		opt.Log.Error("demo traffic", "err", err)
	}
}

func waitHealthy(ctx context.Context, base string) bool {
	for ctx.Err() == nil {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return false
}

// Bootstrap creates the owner login, an admin token and a source per channel.
func Bootstrap(ctx context.Context, a *app.App, standIns *StandIns) (*Setup, error) {
	accounts := auth.NewService(a.DB())
	s := &Setup{Password: id.Secret("demo", 9)[5:], WriteKeys: map[string]string{}, StandIns: standIns}
	if _, err := accounts.CreateUser(ctx, OwnerEmail, s.Password, auth.ScopeAdmin); err != nil {
		return nil, err
	}
	var err error
	if _, s.AdminToken, err = accounts.CreateToken(ctx, "demo simulator", auth.ScopeAdmin); err != nil {
		return nil, err
	}
	for _, c := range Channels {
		src, err := accounts.CreateSource(ctx, c.Name, c.Channel)
		if err != nil {
			return nil, err
		}
		s.WriteKeys[c.Name] = src.WriteKey
	}
	return s, nil
}

func printBanner(opt Options, s *Setup) {
	w := opt.Out
	fmt.Fprintf(w, "\nOmni demo — a living omnichannel shop (data in %s)\n\n", opt.Dir)
	fmt.Fprintf(w, "  Dashboard   http://%s/\n", opt.Addr)
	fmt.Fprintf(w, "  Login       %s  /  %s\n", OwnerEmail, s.Password)
	fmt.Fprintf(w, "  API token   %s   (admin; try: curl -H 'Authorization: Bearer …' http://%s/api/v1/customers)\n", s.AdminToken, opt.Addr)
	fmt.Fprintf(w, "  Web key     %s   (Segment-compatible tracking API at http://%s/v1/…)\n", s.WriteKeys["Web shop"], opt.Addr)
	fmt.Fprintf(w, "\n  Demo stand-ins (nothing leaves this machine): Messenger Send API %s, Twilio %s, SMTP relay %s\n\n",
		s.StandIns.MessengerURL, s.StandIns.TwilioURL, s.StandIns.SMTPAddr)
}
