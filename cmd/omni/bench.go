package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/loadgen"
)

const benchUsage = "bench ingest [--url URL --write-key KEY | --database PATH|URL] [--duration D] [--warmup D] [--concurrency N] [--rate EVENTS/S] [--json]"

// benchScenario is one `omni bench` scenario.
type benchScenario struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// benchScenarios are the `omni bench` scenarios, in the order --help lists them.
var benchScenarios = []benchScenario{
	{"ingest", "tracking API: batches of events through /v1/batch", benchIngest},
	{"profile", "an agent opening customers: profile and first timeline page (on a seeded database)", benchProfile},
	{"cart", "add to cart priced against 1,000 active promotions", benchCart},
	{"inbox", "a chat visitor's message to an agent's live stream, many conversations at once", benchInbox},
	{"dashboard", "the owner signed in, every dashboard page in turn, per-page latencies", benchDashboard},
	{"seed", "build a large database of customers and events for profile", benchSeed},
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") || args[0] == "help" {
		printBenchUsage(stderr)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return usageError{"a scenario is required"}
	}
	i := slices.IndexFunc(benchScenarios, func(s benchScenario) bool { return s.name == args[0] })
	if i < 0 {
		printBenchUsage(stderr)
		return usageError{fmt.Sprintf("unknown scenario %q", args[0])}
	}
	return benchScenarios[i].run(ctx, args[1:], stdout, stderr)
}

func printBenchUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: omni bench <scenario> [flags]   (omni bench <scenario> --help for its flags)")
	fmt.Fprintln(w, "\nEach scenario loads a server over real HTTP — by default one it starts in this process on a")
	fmt.Fprintln(w, "temporary SQLite file — and prints throughput, latency percentiles, errors and RSS (--json for JSON).")
	fmt.Fprintln(w, "\nScenarios:")
	for _, s := range benchScenarios {
		fmt.Fprintf(w, "  %-10s %s\n", s.name, s.summary)
	}
}

func benchIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench ingest", benchUsage, stderr)
	var cfg loadgen.IngestConfig
	fs.StringVar(&cfg.URL, "url", "", "a running Omni to load (default: start one in this process)")
	fs.StringVar(&cfg.WriteKey, "write-key", "", "the source write key to send with (with --url)")
	fs.StringVar(&cfg.Database, "database", "", "the in-process server's database: SQLite path or postgres:// URL (default: a temporary SQLite file)")
	asJSON := loadFlags(fs, &cfg.Load, loadSpec{
		defaults:   loadgen.Load{Duration: 10 * time.Second, Concurrency: 16},
		unit:       "events",
		inFlight:   "requests",
		warmupNote: "the server meets new customers first",
	})
	fs.IntVar(&cfg.BatchSize, "batch", 100, "events per request")
	fs.IntVar(&cfg.Customers, "customers", 100_000, "distinct customers")
	fs.BoolVar(&cfg.Gzip, "gzip", false, "gzip request bodies")
	cpuProfile := cpuProfileFlag(fs, "write a CPU profile of this process (and an in-process server) to the file")
	if err := parse(fs, args); err != nil {
		return err
	}
	stop, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	if cfg.URL != "" && cfg.Database != "" {
		return usageError{"--url and --database exclude each other"}
	}
	res, err := loadgen.Ingest(ctx, cfg, stderr)
	return writeResult(stdout, res, err, *asJSON)
}

// loadSpec is what a scenario's load flags default to and the words their
// help texts are made of.
type loadSpec struct {
	defaults     loadgen.Load
	unit         string // what --rate counts: "events", "pages"
	inFlight     string // what --concurrency counts: "requests"; empty: the scenario has no --concurrency
	zeroRate     string // what --rate 0 does; empty: as fast as the server answers
	durationNote string // said after --duration's help, in brackets
	warmupNote   string // said after --warmup's help, in brackets
}

// loadFlags registers the flags every scenario has, --duration, --warmup,
// --concurrency, --rate and --json, with spec's defaults and words, and
// returns --json.
func loadFlags(fs *flag.FlagSet, load *loadgen.Load, spec loadSpec) (asJSON *bool) {
	note := func(s string) string {
		if s == "" {
			return ""
		}
		return " (" + s + ")"
	}
	fs.DurationVar(&load.Duration, "duration", spec.defaults.Duration, "how long to measure"+note(spec.durationNote))
	fs.DurationVar(&load.Warmup, "warmup", spec.defaults.Warmup, "how long to send before measuring"+note(spec.warmupNote))
	if spec.inFlight != "" {
		fs.IntVar(&load.Concurrency, "concurrency", spec.defaults.Concurrency, spec.inFlight+" in flight")
	}
	zero := cmp.Or(spec.zeroRate, "as fast as the server answers")
	fs.IntVar(&load.Rate, "rate", spec.defaults.Rate, spec.unit+" per second, all together; 0: "+zero)
	return fs.Bool("json", false, "print the result as JSON")
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
	load := fmt.Sprintf("%d in flight, batches of %d", r.Concurrency, r.BatchSize)
	switch r.Scenario {
	case "inbox":
		load = fmt.Sprintf("%d conversations (a chat socket each), one agent stream", r.Concurrency)
	case "profile", "cart", "dashboard":
		load = fmt.Sprintf("%d in flight", r.Concurrency)
	}
	fmt.Fprintf(w, "load         %s, rate %s, %.1fs measured after %.0fs warm-up\n", load, rate, r.Seconds, r.Warmup)
	unit := map[string]string{"profile": "profile opens", "cart": "add-to-carts", "inbox": "messages", "dashboard": "pages"}[r.Scenario]
	if unit == "" {
		unit = "events"
	}
	fmt.Fprintf(w, "throughput   %.0f %s/s (%d %s in %d requests)\n", r.EventsPerSec, unit, r.Events, unit, r.Requests)
	fmt.Fprintf(w, "latency      p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms\n", r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	if r.Scenario == "inbox" {
		fmt.Fprintln(w, "             (from the visitor's frame written to the message read from the agent's stream)")
	}
	fmt.Fprintf(w, "errors       %d", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(w, " (first: %s)", r.FirstError)
	}
	fmt.Fprintln(w)
	if r.RSSBytes > 0 {
		fmt.Fprintf(w, "memory       RSS %.0f MiB, peak %.0f MiB (server and load generator share the process)\n",
			float64(r.RSSBytes)/(1<<20), float64(r.PeakRSSBytes)/(1<<20))
	}
	printPages(w, r.Pages)
}

// printPages prints the dashboard scenario's per-page figures.
func printPages(w io.Writer, pages []loadgen.Page) {
	if len(pages) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-18s %8s %7s %9s %9s %9s %9s  %s\n", "page", "requests", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms", "e.g.")
	for _, p := range pages {
		fmt.Fprintf(w, "%-18s %8d %7d %9.1f %9.1f %9.1f %9.1f  %s\n", p.Name, p.Requests, p.Errors,
			p.Latency.P50, p.Latency.P90, p.Latency.P99, p.Latency.Max, p.Path)
	}
}
