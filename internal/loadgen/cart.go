package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/storefront"
)

// CartShop is a catalog of 50 products with 1,000 active promotions
// (product, collection and order-wide; automatic and code), customers to
// fill carts for, and a web storefront's publishable key.
type CartShop struct {
	SKUs      []string
	Variants  []string // the SKUs' variant ids, in the same order
	Customers []string
	// Visitors are the customers' anonymous ids, in the same order: a
	// storefront request with Visitors[i] acts for Customers[i].
	Visitors    []string
	Publishable string
}

// SeedCartShop creates the cart scenario's shop on db.
func SeedCartShop(ctx context.Context, db *store.DB, ids *identity.Service, customers int) (*CartShop, error) {
	return seedShop(ctx, db, ids, customers, 1000)
}

// seedShop creates the cart scenario's shop with the given number of
// promotions.
func seedShop(ctx context.Context, db *store.DB, ids *identity.Service, customers, promotions int) (*CartShop, error) {
	cat, inv := catalog.NewService(db), inventory.NewService(db)
	wh, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse})
	if err != nil {
		return nil, err
	}
	s := &CartShop{}
	var productIDs []string
	for i := range 50 {
		sku := fmt.Sprintf("SKU-%03d", i)
		p, err := cat.CreateProduct(ctx, catalog.ProductInput{Title: "Product " + sku, Variants: []catalog.VariantInput{
			{SKU: sku, Price: int64(500 + 100*i), Currency: "EUR"}}})
		if err != nil {
			return nil, err
		}
		if _, err := inv.SetStock(ctx, p.Variants[0].ID, wh.ID, inventory.MaxOnHand); err != nil {
			return nil, err
		}
		s.SKUs, productIDs = append(s.SKUs, sku), append(productIDs, p.ID)
		s.Variants = append(s.Variants, p.Variants[0].ID)
	}
	col, err := cat.CreateCollection(ctx, catalog.CollectionInput{Title: "All", ProductIDs: productIDs[:25]})
	if err != nil {
		return nil, err
	}
	promos := promotion.NewService(db, promotion.Options{})
	for i := range promotions {
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
			return nil, err
		}
	}
	for i := range customers {
		anon, _ := identity.New(identity.AnonymousID, fmt.Sprintf("bench-%d", i))
		res, err := ids.Resolve(ctx, identity.Request{Identifiers: []identity.Identifier{anon}, Channel: "web"})
		if err != nil {
			return nil, err
		}
		s.Customers, s.Visitors = append(s.Customers, res.CustomerID), append(s.Visitors, anon.Value)
	}
	key, err := storefront.NewService(db, ids).CreateKey(ctx, "bench shop", "web")
	if err != nil {
		return nil, err
	}
	s.Publishable = key.Publishable
	return s, nil
}

// AddToCartRequest is one storefront add-to-cart (`POST /store/v1/cart/items`
// with the publishable key and the visitor's anonymous id) of one unit of a
// random SKU by a random visitor of the shop.
func (s *CartShop) AddToCartRequest(ctx context.Context, baseURL string, rng *rand.Rand) (*http.Request, error) {
	body := `{"sku":"` + s.SKUs[rng.IntN(len(s.SKUs))] + `","quantity":1}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/store/v1/cart/items", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Omni-Publishable-Key", s.Publishable)
	req.Header.Set("X-Omni-Anonymous-Id", s.Visitors[rng.IntN(len(s.Visitors))])
	return req, nil
}

// CartConfig configures the cart scenario.
type CartConfig struct {
	Database  string // the in-process server's database; empty is a temporary SQLite file
	Load             // Rate counts add-to-cart requests
	Customers int    // default 1,000
}

// Cart measures add-to-cart through the storefront API over HTTP
// (`POST /store/v1/cart/items`) with every answer priced against 1,000 active
// promotions, on a node started in this process.
func Cart(ctx context.Context, cfg CartConfig, progress io.Writer) (Result, error) {
	cfg.Duration = max(cfg.Duration, time.Second)
	cfg.Concurrency = max(cfg.Concurrency, 1)
	if cfg.Customers <= 0 {
		cfg.Customers = 1000
	}
	srv, err := startServer(ctx, cfg.Database, nil)
	if err != nil {
		return Result{}, err
	}
	defer srv.stop()
	shop, err := SeedCartShop(ctx, srv.db, identity.NewService(srv.db, identity.Options{}), cfg.Customers)
	if err != nil {
		return Result{}, fmt.Errorf("seed the shop: %w", err)
	}
	res := Result{Scenario: "cart", Target: "in-process server on " + srv.database, Concurrency: cfg.Concurrency, Rate: cfg.Rate, BatchSize: 1}
	r := newRunner(IngestConfig{Load: cfg.Load, BatchSize: 1})
	r.opsRun(ctx, progress, &res, true, func(ctx context.Context, rng *rand.Rand) (int, error) {
		req, err := shop.AddToCartRequest(ctx, srv.url, rng)
		if err != nil {
			return 0, err
		}
		return 1, doStatus(r, req, http.StatusOK, nil)
	})
	return res, nil
}

func post(ctx context.Context, r *runner, url, token, body string) error {
	return postStatus(ctx, r, url, token, http.StatusOK, body, nil)
}

// postStatus sends a JSON request, wants the status want and decodes the
// answer into out when out is not nil.
func postStatus(ctx context.Context, r *runner, url, token string, want int, body string, out any) error {
	req, err := newJSONRequest(ctx, url, token, body)
	if err != nil {
		return err
	}
	return doStatus(r, req, want, out)
}

// doStatus sends req, wants the status want and decodes the answer into out
// when out is not nil.
func doStatus(r *runner, req *http.Request, want int, out any) error {
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != want {
		return errors.New(resp.Status + ": " + strings.TrimSpace(string(msg[:min(len(msg), 300)])))
	}
	if out != nil {
		return json.Unmarshal(msg, out)
	}
	return nil
}
