package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/omni-hq/omni/internal/loadgen"
	"github.com/omni-hq/omni/internal/seed"
	"github.com/omni-hq/omni/internal/store"
)

func benchProfile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench profile", "bench profile --database PATH|URL [--duration D] [--warmup D] [--concurrency N] [--rate N] [--json]", stderr)
	var cfg loadgen.ProfileConfig
	fs.StringVar(&cfg.Database, "database", "", "a database built with `omni bench seed` (required)")
	asJSON := loadFlags(fs, &cfg.Load, loadSpec{
		defaults: loadgen.Load{Duration: 10 * time.Second, Warmup: 2 * time.Second, Concurrency: 8},
		unit:     "profile opens",
		inFlight: "profile opens",
	})
	if err := parse(fs, args); err != nil {
		return err
	}
	res, err := loadgen.Profile(ctx, cfg, stderr)
	return writeResult(stdout, res, err, *asJSON)
}

func benchSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench seed", "bench seed --database PATH|URL [--customers N] [--events-per-customer N] [--seed N]", stderr)
	dsn := fs.String("database", "", "the database to fill (required; created when missing)")
	var opt seed.Options
	fs.IntVar(&opt.Customers, "customers", 1_000_000, "customers to create")
	fs.IntVar(&opt.EventsPerCustomer, "events-per-customer", 50, "average timeline events per customer")
	fs.Uint64Var(&opt.Seed, "seed", 1, "the same seed gives the same data")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dsn == "" {
		return usageError{"--database is required"}
	}
	db, err := openMigrated(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	bar, progress := unitBar(stderr, int64(opt.Customers*opt.EventsPerCustomer), "events", "events")
	opt.Progress = func(done, _ int) { progress(int64(done)) }
	start := time.Now()
	st, err := seed.Run(ctx, db, opt)
	_ = bar.Finish()
	if err != nil {
		return err
	}
	if db.Dialect() == store.Postgres {
		// The planner's statistics, which autovacuum would take only later:
		// without them it plans for the empty tables it saw last.
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			return fmt.Errorf("analyze the seeded tables: %w", err)
		}
	}
	fmt.Fprintf(stdout, "seeded %d customers, %d identities, %d events in %s\n",
		st.Customers, st.Identities, st.Events, time.Since(start).Round(time.Second))
	return nil
}

func benchCart(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench cart", "bench cart [--database PATH|URL] [--duration D] [--warmup D] [--concurrency N] [--rate N] [--json]", stderr)
	var cfg loadgen.CartConfig
	fs.StringVar(&cfg.Database, "database", "", "the in-process server's database: SQLite path or postgres:// URL (default: a temporary SQLite file)")
	asJSON := loadFlags(fs, &cfg.Load, loadSpec{
		defaults: loadgen.Load{Duration: 10 * time.Second, Warmup: 2 * time.Second, Concurrency: 16},
		unit:     "add-to-cart requests",
		inFlight: "requests",
	})
	fs.IntVar(&cfg.Customers, "customers", 1000, "customers whose carts are filled")
	if err := parse(fs, args); err != nil {
		return err
	}
	res, err := loadgen.Cart(ctx, cfg, stderr)
	return writeResult(stdout, res, err, *asJSON)
}
