package app_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/loadgen"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// benchShop is a node with the cart scenario's shop: 50 products, 1,000
// active promotions, many customers and a storefront key
// (loadgen.SeedCartShop).
type benchShop struct {
	*apptest.Server
	shop *loadgen.CartShop
}

func newBenchShop(tb testing.TB, database string, customers int) *benchShop {
	tb.Helper()
	s := &benchShop{Server: apptest.StartConfig(tb, config.Server{Database: database})}
	shop, err := loadgen.SeedCartShop(context.Background(), s.App.DB(), s.App.Identity(), customers)
	if err != nil {
		tb.Fatal(err)
	}
	s.shop = shop
	return s
}

// addToCart sends one storefront add-to-cart and reads the priced cart.
func (s *benchShop) addToCart(client *http.Client, rnd *rand.Rand) (int, error) {
	req, err := s.shop.AddToCartRequest(context.Background(), s.URL, rnd)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// BenchmarkAddToCart measures one storefront add-to-cart request over HTTP
// at a time, with the cart priced against 1,000 active promotions in the
// answer.
func BenchmarkAddToCart(b *testing.B) {
	s := newBenchShop(b, benchDatabase(b), 1000)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	rnd := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if code, err := s.addToCart(client, rnd); err != nil || code != 200 {
			b.Fatalf("add to cart: %d %v", code, err)
		}
	}
	reportCPU(b, cpu0)
}

// reportCPU adds the process's CPU time per operation (client and server
// together) since cpu0: on a machine shared with other work it varies less
// than the wall time.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkAddToCartParallel is BenchmarkAddToCart with 32 requests in
// flight (16 per core), so that changes share commits: ns/op is the inverse
// of the throughput.
func BenchmarkAddToCartParallel(b *testing.B) {
	s := newBenchShop(b, benchDatabase(b), 1000)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var seed atomic.Uint64
	b.SetParallelism(16)
	b.ResetTimer()
	cpu0 := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		rnd := rand.New(rand.NewPCG(seed.Add(1), 2))
		for pb.Next() {
			if code, err := s.addToCart(client, rnd); err != nil || code != 200 {
				b.Errorf("add to cart: %d %v", code, err)
				return
			}
		}
	})
	reportCPU(b, cpu0)
}

func benchDatabase(tb testing.TB) string {
	if os.Getenv("OMNI_BENCH_POSTGRES") != "" {
		if url := storetest.PostgresURL(tb); url != "" {
			return url
		}
	}
	return filepath.Join(tb.TempDir(), "omni.db")
}

// TestAddToCartLatencyAtRate sends add-to-cart requests at a fixed rate
// (open loop: each request's latency counts from when it was due, so a
// stalled server is not hidden) and reports the percentiles. It runs only
// when OMNI_BENCH_CART_RATE is set, e.g.
//
//	OMNI_BENCH_CART_RATE=5000 OMNI_BENCH_DURATION=10s go test -run TestAddToCartLatencyAtRate -v ./internal/app/
//
// with OMNI_BENCH_POSTGRES=1 (and OMNI_TEST_POSTGRES) for PostgreSQL.
func TestAddToCartLatencyAtRate(t *testing.T) {
	rate, _ := strconv.Atoi(os.Getenv("OMNI_BENCH_CART_RATE"))
	if rate <= 0 {
		t.Skip("set OMNI_BENCH_CART_RATE to run the add-to-cart load test")
	}
	duration := 10 * time.Second
	if d, err := time.ParseDuration(os.Getenv("OMNI_BENCH_DURATION")); err == nil {
		duration = d
	}
	s := newBenchShop(t, benchDatabase(t), 5000)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	total := int(float64(rate) * duration.Seconds())
	lat := make([]time.Duration, total)
	var errs atomic.Int64
	due := make(chan time.Time, 4096)
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 7))
			for at := range due {
				code, err := s.addToCart(client, rnd)
				if err != nil || code != 200 {
					errs.Add(1)
				}
				lat[next.Add(1)-1] = time.Since(at)
			}
		}()
	}
	cpu0 := cpuTime()
	start := time.Now()
	interval := time.Second / time.Duration(rate)
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		due <- at
	}
	close(due)
	wg.Wait()
	elapsed := time.Since(start)
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)] }
	t.Logf("add-to-cart on %s with 1,000 promotions: %d requests at %d/s target, %.0f/s achieved; p50 %v p90 %v p99 %v max %v; %d errors; CPU %.0f%% of one core (client included)",
		s.App.DB().Dialect(), total, rate, float64(total)/elapsed.Seconds(), pct(.5), pct(.9), pct(.99), lat[len(lat)-1], errs.Load(),
		100*cpu.Seconds()/elapsed.Seconds())
}

// cpuTime is the CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
