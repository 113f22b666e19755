package main

import (
	"context"
	"io"

	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/demo"
)

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", "demo [--addr HOST:PORT] [--dir DIR] [--seed N] [--customers N] [--days N] [--rate N]", stderr)
	opt := demo.Options{Out: stdout}
	fs.StringVar(&opt.Addr, "addr", config.Env("OMNI_ADDR", "127.0.0.1:8080"), "listen address (env OMNI_ADDR)")
	fs.StringVar(&opt.Dir, "dir", "omni-demo", "data directory; a previous demo's is replaced")
	fs.Uint64Var(&opt.Seed, "seed", 1, "seed for the simulated traffic (same seed, same shop and customers)")
	fs.IntVar(&opt.Customers, "customers", 300, "synthetic customers")
	fs.IntVar(&opt.Days, "days", 30, "days of history to backfill")
	fs.Float64Var(&opt.Rate, "rate", 2, "live customer journeys started per second after the backfill (0: none)")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	if err := parse(fs, args); err != nil {
		return err
	}
	log, err := config.NewLogger(stderr, "text", *logLevel)
	if err != nil {
		return usageError{err.Error()}
	}
	opt.Log = log
	return demo.Run(ctx, opt)
}
