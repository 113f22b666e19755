package analytics_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/store"
)

// The benchmarks run against a large database built with internal/seed and
// `omni report refresh --rebuild`, named by OMNI_BENCH_DATABASE; see
// BENCHMARKS.md. Each reports the median and 99th percentile of its calls.
//
//	OMNI_BENCH_DATABASE=/data/bench.db go test ./internal/analytics -run '^$' -bench . -benchtime 100x

var bench struct {
	once sync.Once
	db   *store.DB
	an   *analytics.Service
	last analytics.Day
	err  error
}

func benchService(b *testing.B) (*analytics.Service, analytics.Day) {
	path := os.Getenv("OMNI_BENCH_DATABASE")
	if path == "" {
		b.Skip("OMNI_BENCH_DATABASE is not set")
	}
	bench.once.Do(func() {
		ctx := context.Background()
		db, err := store.Open(ctx, path)
		if err != nil {
			bench.err = err
			return
		}
		bench.db, bench.an = db, analytics.NewService(db, analytics.Options{})
		var last int64
		bench.err = db.QueryRowContext(ctx, "SELECT COALESCE(MAX(day), 0) FROM analytics_daily").Scan(&last)
		bench.last = analytics.Day(last)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.an, bench.last
}

// measure runs fn b.N times and reports the median and p99 latency.
func measure(b *testing.B, fn func(ctx context.Context) error) {
	ctx := context.Background()
	if err := fn(ctx); err != nil { // warm the caches the first call fills
		b.Fatal(err)
	}
	var ds []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := fn(ctx); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	ms := func(q float64) float64 {
		return float64(ds[min(len(ds)-1, int(q*float64(len(ds))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

func lastDays(last analytics.Day, n int) analytics.Period {
	return analytics.Period{From: last + 1 - analytics.Day(n), To: last + 1}
}

func BenchmarkOverview30Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Overview(ctx, lastDays(last, 30)); return err })
}

// BenchmarkOverview30DaysCold starts each call with an empty set cache, as
// the first call after a restart (or with every day changed) does.
func BenchmarkOverview30DaysCold(b *testing.B) {
	_, last := benchService(b)
	measure(b, func(ctx context.Context) error {
		_, err := analytics.NewService(bench.db, analytics.Options{}).Overview(ctx, lastDays(last, 30))
		return err
	})
}

// BenchmarkFunnel30DaysCold is the funnel with an empty set cache.
func BenchmarkFunnel30DaysCold(b *testing.B) {
	_, last := benchService(b)
	measure(b, func(ctx context.Context) error {
		_, err := analytics.NewService(bench.db, analytics.Options{}).Funnel(ctx, lastDays(last, 30))
		return err
	})
}

func BenchmarkOverview7Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Overview(ctx, lastDays(last, 7)); return err })
}

func BenchmarkFunnel30Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Funnel(ctx, lastDays(last, 30)); return err })
}

func BenchmarkDaily30Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Daily(ctx, lastDays(last, 30)); return err })
}

func BenchmarkAttribution30Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Attribution(ctx, lastDays(last, 30)); return err })
}

func BenchmarkCohorts90Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Cohorts(ctx, lastDays(last, 90)); return err })
}

func BenchmarkService30Days(b *testing.B) {
	an, last := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.Support(ctx, lastDays(last, 30)); return err })
}

func BenchmarkStoredStrategy(b *testing.B) {
	an, _ := benchService(b)
	measure(b, func(ctx context.Context) error { _, err := an.StoredStrategy(ctx); return err })
}

// BenchmarkStrategyReport replays the whole log once per iteration; run it
// with -benchtime 1x.
func BenchmarkStrategyReport(b *testing.B) {
	an, last := benchService(b)
	var events int64
	for b.Loop() {
		r, err := an.Strategy(context.Background(), analytics.Period{From: 0, To: max(last, 1<<20)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		events = r.Events
	}
	b.ReportMetric(float64(events), "events")
}
