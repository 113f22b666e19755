package main

import (
	"context"
	"io"
	"time"

	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/loadgen"
)

func benchInbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench inbox", "bench inbox [--url URL --token TOKEN --chat-key KEY | --database PATH|URL] [--duration D] [--warmup D] [--rate N] [--conversations N] [--json]", stderr)
	var cfg loadgen.InboxConfig
	fs.StringVar(&cfg.URL, "url", "", "a running Omni to load (default: start one in this process)")
	fs.StringVar(&cfg.Token, "token", "", "an agent or admin API token for the conversation stream, with --url")
	fs.StringVar(&cfg.ChatKey, "chat-key", "", "the write key of a source of channel chat, with --url")
	fs.StringVar(&cfg.Database, "database", "", "the in-process server's database: SQLite path or postgres:// URL (default: a temporary SQLite file)")
	asJSON := loadFlags(fs, &cfg.Load, loadSpec{
		defaults:   loadgen.Load{Duration: 10 * time.Second, Warmup: 2 * time.Second, Rate: 500},
		unit:       "messages",
		zeroRate:   "each visitor writes again once its message is on the stream",
		warmupNote: "first messages open conversations",
	})
	fs.IntVar(&cfg.Concurrency, "conversations", 500, "visitors writing in, each with a chat socket open")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "a message not on the agent's stream by then counts as an error")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.URL != "" && cfg.Database != "" {
		return usageError{"--url and --database exclude each other"}
	}
	if cfg.URL != "" && (cfg.Token == "" || cfg.ChatKey == "") {
		return usageError{"--url needs --token (agent or admin) and --chat-key"}
	}
	res, err := loadgen.Inbox(ctx, cfg, stderr)
	return writeResult(stdout, res, err, *asJSON)
}

func benchDashboard(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench dashboard", "bench dashboard [--url URL --email E | --database PATH|URL] [--duration D] [--warmup D] [--concurrency N] [--rate N] [--customers N] [--promotions N] [--json]", stderr)
	var cfg loadgen.DashboardConfig
	fs.StringVar(&cfg.URL, "url", "", "a running Omni to sign in to (default: start one in this process and seed it)")
	fs.StringVar(&cfg.Email, "email", "", "the owner's login, with --url")
	fs.StringVar(&cfg.Password, "password", config.Env("OMNI_BENCH_PASSWORD", ""), "the owner's password, with --url (env OMNI_BENCH_PASSWORD)")
	fs.StringVar(&cfg.Database, "database", "", "the in-process server's database: SQLite path or postgres:// URL (default: a temporary SQLite file)")
	asJSON := loadFlags(fs, &cfg.Load, loadSpec{
		defaults:     loadgen.Load{Duration: 30 * time.Second, Warmup: 2 * time.Second, Concurrency: 4, Rate: 50},
		unit:         "pages",
		inFlight:     "pages",
		durationNote: "at 50 pages/s, about 100 requests of each page",
	})
	fs.IntVar(&cfg.Shop.Customers, "customers", 10_000, "in-process: customers to seed")
	fs.IntVar(&cfg.Shop.EventsPerCustomer, "events-per-customer", 20, "in-process: average timeline events per customer, over 90 days")
	fs.IntVar(&cfg.Shop.Orders, "orders", 300, "in-process: orders to place")
	fs.IntVar(&cfg.Shop.Conversations, "conversations", 200, "in-process: inbox conversations to open")
	fs.IntVar(&cfg.Shop.Promotions, "promotions", 1000, "in-process: active promotions")
	if err := parse(fs, args); err != nil {
		return err
	}
	if cfg.URL != "" && cfg.Database != "" {
		return usageError{"--url and --database exclude each other"}
	}
	if cfg.URL != "" && (cfg.Email == "" || cfg.Password == "") {
		return usageError{"--url needs --email and --password (or OMNI_BENCH_PASSWORD)"}
	}
	res, err := loadgen.Dashboard(ctx, cfg, stderr)
	return writeResult(stdout, res, err, *asJSON)
}
