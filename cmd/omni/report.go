package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/store"
)

const reportUsage = "report strategy|refresh [flags]   (omni report strategy --help)"

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"usage: omni " + reportUsage}
	}
	switch args[0] {
	case "strategy":
		return runReportStrategy(ctx, args[1:], stdout, stderr)
	case "refresh":
		return runReportRefresh(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stderr, "Usage: omni "+reportUsage+`

  strategy  replay the event log as it happened and as if each channel were a
            silo, and report what the silos lose, line by line
  refresh   replay the event log into the analytics snapshot (attribution,
            cohorts, service figures, the stored strategy report); --rebuild
            first recomputes the rollups kept on ingest`)
		return nil
	}
	return usageError{fmt.Sprintf("unknown report %q: want strategy or refresh", args[0])}
}

// openAnalytics opens and migrates the database; safe while a server runs.
func openAnalytics(ctx context.Context, dsn string, opts analytics.Options) (*store.DB, *analytics.Service, error) {
	db, err := openMigrated(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	return db, analytics.NewService(db, opts), nil
}

// progressBar draws a bar on stderr for work on about total events.
func progressBar(stderr io.Writer, total int64, what string) (*progressbar.ProgressBar, func(int64)) {
	return unitBar(stderr, total, what, "events")
}

// unitBar draws a bar on stderr for work on about total units.
func unitBar(stderr io.Writer, total int64, what, unit string) (*progressbar.ProgressBar, func(int64)) {
	bar := progressbar.NewOptions64(max(total, 1), progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(what), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit), progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetPredictTime(true), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
	return bar, func(n int64) {
		if n > bar.GetMax64() {
			bar.ChangeMax64(n)
		}
		_ = bar.Set64(n)
	}
}

func runReportStrategy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report strategy", "report strategy [--database PATH|URL] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]", stderr)
	dsn := config.DatabaseFlag(fs)
	from := fs.String("from", "", "first day of the period, YYYY-MM-DD (default: the first event's day)")
	to := fs.String("to", "", "last day of the period, included (default: today, UTC)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	lookback := fs.Int("lookback-days", 30, "days before an order in which touchpoints and promotions count")
	contextDays := fs.Int("context-days", 7, "days within which a previous message gives a conversation its context")
	cartDays := fs.Int("cart-days", 30, "days a cart waits for a purchase")
	quiet := fs.Bool("quiet", false, "no progress bar")
	cpuProfile := cpuProfileFlag(fs, "write a CPU profile of the replay to the file")
	if err := parse(fs, args); err != nil {
		return err
	}
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	if *lookback < 1 || *contextDays < 1 || *cartDays < 1 {
		return usageError{"--lookback-days, --context-days and --cart-days must be at least 1"}
	}
	day := 24 * time.Hour
	opts := analytics.Options{Lookback: time.Duration(*lookback) * day, ContextWindow: time.Duration(*contextDays) * day,
		CartWindow: time.Duration(*cartDays) * day}
	db, an, err := openAnalytics(ctx, *dsn, opts)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := analytics.ParsePeriod(*from, *to, time.Now())
	if err != nil {
		return err
	}
	if *from == "" {
		p.From = 0 // the whole history
	}
	var progress func(int64)
	if !*quiet {
		total, err := an.EstimateEvents(ctx)
		if err != nil {
			return err
		}
		bar, fn := progressBar(stderr, total, "replaying the event log")
		defer bar.Finish()
		progress = fn
	}
	start := time.Now()
	r, err := an.Strategy(ctx, p, progress)
	if err != nil {
		return err
	}
	if progress != nil {
		fmt.Fprintf(stderr, "\nreplayed %d events in %s\n", r.Events, time.Since(start).Round(time.Millisecond))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printStrategy(stdout, r)
	return nil
}

func printStrategy(w io.Writer, r analytics.StrategyReport) {
	fmt.Fprintf(w, "Channel-strategy report, %s to %s: %d customers, %d events replayed\n", r.Period.From, r.Period.To, r.Customers, r.Events)
	fmt.Fprintln(w, "Connected: one profile, cart, promotion set and service record per customer. Siloed: each channel keeps its own.")
	for i, l := range r.Lines {
		fmt.Fprintf(w, "\n%d. %s\n", i+1, l.Title)
		fmt.Fprintf(w, "   lost %d of %d (%.1f%%): connected %d, siloed %d; customers concerned %d\n",
			l.Lost, l.Base, 100*l.Share, l.Connected, l.Siloed, l.Customers)
		if len(l.Revenue) > 0 || len(l.RevenueBase) > 0 {
			fmt.Fprintf(w, "   revenue concerned %s of %s\n", moneyString(l.Revenue), moneyString(l.RevenueBase))
		}
		if l.Example != "" {
			fmt.Fprintf(w, "   example customer: %s\n", l.Example)
		}
		fmt.Fprintf(w, "   how: %s\n", l.Method)
	}
}

func moneyString(ms []analytics.Money) string {
	if len(ms) == 0 {
		return "0"
	}
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = money.New(m.Minor, money.Currency(m.Currency)).String()
	}
	return strings.Join(parts, " + ")
}

func runReportRefresh(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report refresh", "report refresh [--database PATH|URL] [--rebuild]", stderr)
	dsn := config.DatabaseFlag(fs)
	rebuild := fs.Bool("rebuild", false, "first recompute the rollups kept on ingest from the event log (run while nothing else writes events)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parse(fs, args); err != nil {
		return err
	}
	db, an, err := openAnalytics(ctx, *dsn, analytics.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	total, err := an.EstimateEvents(ctx)
	if err != nil {
		return err
	}
	step := func(what string, fn func(progress func(int64)) error) error {
		start := time.Now()
		var progress func(int64)
		if !*quiet {
			bar, p := progressBar(stderr, total, what)
			defer bar.Finish()
			progress = p
		}
		if err := fn(progress); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: done in %s\n", what, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if *rebuild {
		if err := step("rebuilding rollups", func(p func(int64)) error { return an.Rebuild(ctx, p) }); err != nil {
			return err
		}
	}
	return step("refreshing the snapshot", func(p func(int64)) error {
		info, err := an.Refresh(ctx, p)
		if err == nil {
			fmt.Fprintf(stdout, "snapshot %s: %d events of %d customers\n", info.ID, info.Events, info.Customers)
		}
		return err
	})
}
