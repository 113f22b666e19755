package app_test

import (
	"bytes"
	"context"
	"fmt"
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
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// benchShop is a node with 50 products, 1,000 active promotions (product,
// collection and order-wide; automatic and code) and many customers.
type benchShop struct {
	*apptest.Server
	customers []string
	skus      []string
}

func newBenchShop(tb testing.TB, database string, customers int) *benchShop {
	tb.Helper()
	ctx := context.Background()
	s := &benchShop{Server: apptest.StartConfig(tb, config.Server{Database: database})}
	db := s.App.DB()
	cat, inv := catalog.NewService(db), inventory.NewService(db)
	wh, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse})
	if err != nil {
		tb.Fatal(err)
	}
	var productIDs []string
	for i := range 50 {
		sku := fmt.Sprintf("SKU-%03d", i)
		p, err := cat.CreateProduct(ctx, catalog.ProductInput{Title: "Product " + sku, Variants: []catalog.VariantInput{
			{SKU: sku, Price: int64(500 + 100*i), Currency: "EUR"}}})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := inv.SetStock(ctx, p.Variants[0].ID, wh.ID, inventory.MaxOnHand); err != nil {
			tb.Fatal(err)
		}
		s.skus, productIDs = append(s.skus, sku), append(productIDs, p.ID)
	}
	col, err := cat.CreateCollection(ctx, catalog.CollectionInput{Title: "All", ProductIDs: productIDs[:25]})
	if err != nil {
		tb.Fatal(err)
	}
	promos := promotion.NewService(db, promotion.Options{})
	for i := range 1000 {
		p := promo.Promotion{Name: fmt.Sprintf("P%d", i), Kind: promo.KindPercentOff, Percent: money.Percent(100 + i%20*50),
			Combinable: i%3 != 0, Priority: i % 7}
		switch i % 4 {
		case 0:
			p.Target = promo.Target{Type: promo.TargetProducts, ProductIDs: []string{productIDs[i%50]}}
		case 1:
			p.Target = promo.Target{Type: promo.TargetCollections, CollectionIDs: []string{col.ID}}
		case 2:
			p.Code = fmt.Sprintf("CODE%d", i)
		default:
			p.Target = promo.Target{Type: promo.TargetProducts, ProductIDs: []string{productIDs[(i*7)%50], productIDs[(i*11)%50]}}
			p.Conditions.MinSubtotal = money.New(int64(1000*(i%30)), "EUR")
		}
		if _, err := promos.Create(ctx, p); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range customers {
		anon, _ := identity.New(identity.AnonymousID, fmt.Sprintf("bench-%d", i))
		res, err := s.App.Identity().Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{anon}, Channel: "web"})
		if err != nil {
			tb.Fatal(err)
		}
		s.customers = append(s.customers, res.CustomerID)
	}
	return s
}

func (s *benchShop) addToCart(client *http.Client, rnd *rand.Rand) (int, error) {
	cid := s.customers[rnd.IntN(len(s.customers))]
	body := `{"sku":"` + s.skus[rnd.IntN(len(s.skus))] + `","quantity":1,"channel":"web"}`
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/customers/"+cid+"/cart/items", bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+s.Admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// BenchmarkAddToCart measures one add-to-cart request over HTTP, with the
// cart priced against 1,000 active promotions in the answer.
func BenchmarkAddToCart(b *testing.B) {
	s := newBenchShop(b, benchDatabase(b), 1000)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	rnd := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for b.Loop() {
		if code, err := s.addToCart(client, rnd); err != nil || code != 200 {
			b.Fatalf("add to cart: %d %v", code, err)
		}
	}
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
