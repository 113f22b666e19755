package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/omni-hq/omni/internal/loadgen"
)

const benchUsage = "bench ingest [--url URL --write-key KEY | --database PATH|URL] [--duration D] [--warmup D] [--concurrency N] [--rate EVENTS/S] [--json]"

// benchScenarios are the `omni bench` scenarios.
var benchScenarios = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"ingest":  benchIngest,
	"cart":    benchCart,
	"profile": benchProfile,
	"seed":    benchSeed,
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	names := "ingest, profile, cart, seed"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError{"usage: omni bench <scenario> [flags]; scenarios: " + names}
	}
	run, ok := benchScenarios[args[0]]
	if !ok {
		return usageError{fmt.Sprintf("unknown scenario %q (scenarios: %s)", args[0], names)}
	}
	return run(ctx, args[1:], stdout, stderr)
}

func benchIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench ingest", benchUsage, stderr)
	var cfg loadgen.IngestConfig
	fs.StringVar(&cfg.URL, "url", "", "a running Omni to load (default: start one in this process)")
	fs.StringVar(&cfg.WriteKey, "write-key", "", "the source write key to send with (with --url)")
	fs.StringVar(&cfg.Database, "database", "", "the in-process server's database: SQLite path or postgres:// URL (default: a temporary SQLite file)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "how long to measure (default 10s)")
	fs.DurationVar(&cfg.Warmup, "warmup", 0, "how long to send before measuring (the server meets new customers first)")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "requests in flight")
	fs.IntVar(&cfg.Rate, "rate", 0, "events per second; 0 sends as fast as the server answers")
	fs.IntVar(&cfg.BatchSize, "batch", 100, "events per request")
	fs.IntVar(&cfg.Customers, "customers", 100_000, "distinct customers")
	fs.BoolVar(&cfg.Gzip, "gzip", false, "gzip request bodies")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of this process (and an in-process server) to the file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.URL != "" && cfg.Database != "" {
		return usageError{"--url and --database exclude each other"}
	}
	res, err := loadgen.Ingest(ctx, cfg, stderr)
	return writeResult(stdout, res, err, *asJSON)
}

// writeResult prints a benchmark result as a table or as JSON.
func writeResult(stdout io.Writer, res loadgen.Result, err error, asJSON bool) error {
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printResult(stdout, res)
	return nil
}

func printResult(w io.Writer, r loadgen.Result) {
	rate := "max"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%d/s", r.Rate)
	}
	fmt.Fprintf(w, "scenario     %s against %s\n", r.Scenario, r.Target)
	fmt.Fprintf(w, "load         %d in flight, batches of %d, rate %s, %.1fs measured after %.0fs warm-up\n",
		r.Concurrency, r.BatchSize, rate, r.Seconds, r.Warmup)
	unit := map[string]string{"profile": "profile opens", "cart": "add-to-carts"}[r.Scenario]
	if unit == "" {
		unit = "events"
	}
	fmt.Fprintf(w, "throughput   %.0f %s/s (%d %s in %d requests)\n", r.EventsPerSec, unit, r.Events, unit, r.Requests)
	fmt.Fprintf(w, "latency      p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	fmt.Fprintf(w, "errors       %d", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(w, " (first: %s)", r.FirstError)
	}
	fmt.Fprintln(w)
	if r.RSSBytes > 0 {
		fmt.Fprintf(w, "memory       RSS %.0f MiB, peak %.0f MiB (server and load generator share the process)\n",
			float64(r.RSSBytes)/(1<<20), float64(r.PeakRSSBytes)/(1<<20))
	}
}
