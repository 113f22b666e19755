package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/omni-hq/omni/internal/demo"
	"github.com/omni-hq/omni/internal/simulate"
)

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", "simulate --url URL --token ADMIN_TOKEN [--rate N] [--customers N] [--days N] [--seed N] [--seed-shop]", stderr)
	url := fs.String("url", "http://127.0.0.1:8080", "the Omni to send traffic to")
	token := fs.String("token", "", "an admin API token of that Omni (required)")
	rate := fs.Float64("rate", 2, "customer journeys started per second")
	customers := fs.Int("customers", 0, "journeys to backfill first, spread over --days")
	days := fs.Int("days", 7, "days of history the backfill spans")
	seed := fs.Uint64("seed", uint64(time.Now().Unix()), "seed for the personas and journeys")
	seedShop := fs.Bool("seed-shop", false, "create the demo catalog, shops and promotions first (for an empty Omni)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *token == "" {
		return usageError{"--token is required: create one with `omni token create --name simulator --scope admin`"}
	}
	client := simulate.NewClient(*url)
	cfg, err := simulate.Connect(ctx, client, *token, *seed)
	if err != nil {
		return err
	}
	if *seedShop {
		shop, err := demo.SeedShop(ctx, client, *token, *seed)
		if err != nil {
			return err
		}
		cfg.Shop = shop
	}
	cfg.Customers, cfg.Days, cfg.Rate = *customers, *days, *rate
	var st simulate.Stats
	stop := report(stderr, &st)
	defer stop()
	fmt.Fprintf(stderr, "simulating against %s: %d backfilled journeys, then %.1f journeys/s (Ctrl-C stops)\n", *url, *customers, *rate)
	err = simulate.Run(ctx, cfg, &st)
	fmt.Fprintf(stdout, "sent %d calls, %d errors\n", st.Calls.Load(), st.Errors.Load())
	return err
}

// report prints the simulator's progress every few seconds.
func report(w io.Writer, st *simulate.Stats) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(w, "  %d calls, %d errors\n", st.Calls.Load(), st.Errors.Load())
			}
		}
	}()
	return func() { close(done) }
}
