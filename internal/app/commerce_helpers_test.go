package app_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/omni-hq/omni/internal/app/apptest"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/payment/stripetest"
	"github.com/omni-hq/omni/internal/store/storetest"
	"github.com/omni-hq/omni/internal/storefront"
)

// shop is a node with a small catalog: a mug (10 in the warehouse, 2 in
// Paris), a lamp (1 in Paris), priced in EUR, and a Stripe stand-in.
type shop struct {
	*apptest.Server
	stripe *stripetest.Server
	key    storefront.Key
}

// eachShop runs fn against a shop on SQLite and, when configured, PostgreSQL.
func eachShop(t *testing.T, fn func(t *testing.T, s *shop)) {
	t.Helper()
	eachShopConfig(t, config.Server{}, fn)
}

// eachShopConfig is eachShop with a configuration (its database and Stripe
// settings are set here).
func eachShopConfig(t *testing.T, cfg config.Server, fn func(t *testing.T, s *shop)) {
	t.Helper()
	start := func(t *testing.T, db string) *shop {
		st := stripetest.Start(t)
		cfg.Database, cfg.StripeSecretKey, cfg.StripeBaseURL = db, stripetest.SecretKey, st.URL
		s := &shop{Server: apptest.StartConfig(t, cfg), stripe: st}
		s.stock(t)
		return s
	}
	t.Run("sqlite", func(t *testing.T) { fn(t, start(t, filepath.Join(t.TempDir(), "omni.db"))) })
	if url := storetest.PostgresURL(t); url != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, start(t, url)) })
	}
}

// must sends a request as admin and fails the test unless the status is want.
func (s *shop) must(t *testing.T, want int, method, path string, body any) []byte {
	t.Helper()
	code, out := s.Do(t, method, path, s.Admin, body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, out, want)
	}
	return out
}

func (s *shop) stock(t *testing.T) {
	t.Helper()
	for _, p := range []catalog.ProductInput{
		{Title: "Mug", Variants: []catalog.VariantInput{{SKU: "MUG", Price: 1200, Currency: "EUR"}}},
		{Title: "Lamp", Variants: []catalog.VariantInput{{SKU: "LAMP", Price: 8000, Currency: "EUR"}}},
		{Title: "Cap", Variants: []catalog.VariantInput{{SKU: "CAP", Price: 1500, Currency: "USD"}}},
	} {
		s.must(t, http.StatusCreated, "POST", "/api/v1/products", p)
	}
	for _, l := range []string{
		`{"code":"wh","name":"Warehouse","kind":"warehouse"}`,
		`{"code":"paris","name":"Paris","kind":"shop","pickup_enabled":true,"address":{"line1":"1 rue de Rivoli","city":"Paris","postal_code":"75001","country":"FR"},"opening_hours":[{"day":"mon","opens":"10:00","closes":"19:00"}]}`,
		`{"code":"lyon","name":"Lyon","kind":"shop","address":{"line1":"2 place Bellecour","city":"Lyon","postal_code":"69002","country":"FR"}}`,
	} {
		s.must(t, http.StatusCreated, "POST", "/api/v1/locations", l)
	}
	for _, st := range []string{
		`{"sku":"MUG","location":"wh","on_hand":10}`, `{"sku":"MUG","location":"paris","on_hand":2}`,
		`{"sku":"LAMP","location":"paris","on_hand":1}`, `{"sku":"CAP","location":"wh","on_hand":5}`,
	} {
		s.must(t, http.StatusOK, "POST", "/api/v1/inventory", st)
	}
	s.must(t, http.StatusOK, "PUT", "/api/v1/tax-rates/FR", `{"name":"TVA","rate":2000}`)
	s.key = apptest.DecodeJSON[storefront.Key](t, s.must(t, http.StatusCreated, "POST", "/api/v1/storefront-keys",
		`{"name":"Web shop","channel":"web"}`))
}

// customer makes a profile for an anonymous visitor.
func (s *shop) customer(t *testing.T, anon string) string {
	t.Helper()
	i, _ := identity.New(identity.AnonymousID, anon)
	res, err := s.App.Identity().Resolve(context.Background(), identity.Request{Identifiers: []identity.Identifier{i}, Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return res.CustomerID
}

// cartOf returns a customer's cart as the API shows it on channel.
func (s *shop) cartOf(t *testing.T, customerID, channel string) cart.View {
	t.Helper()
	return apptest.DecodeJSON[cart.View](t, s.must(t, http.StatusOK, "GET",
		fmt.Sprintf("/api/v1/customers/%s/cart?channel=%s", customerID, channel), nil))
}

// store sends a storefront request as a visitor (and, with token, a
// logged-in customer).
func (s *shop) store(t *testing.T, method, path, anon, token string, body any) (int, []byte) {
	t.Helper()
	h := map[string]string{"X-Omni-Publishable-Key": s.key.Publishable, "X-Omni-Anonymous-Id": anon}
	if token != "" {
		h["X-Omni-Customer-Token"] = token
	}
	return s.DoHeaders(t, method, path, h, body)
}
