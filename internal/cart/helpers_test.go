package cart_test

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

// world is every service a cart touches, on one database.
type world struct {
	db        *store.DB
	carts     *cart.Service
	cat       *catalog.Service
	inv       *inventory.Service
	promos    *promotion.Service
	ids       *identity.Service
	customers *customer.Service
	mug, tee  catalog.Product // mug: EUR 12.00, pos price 10.00; tee: EUR 20.00, web only
	dollar    catalog.Product // priced in USD
	wh        inventory.Location
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, cat: catalog.NewService(db), inv: inventory.NewService(db),
		promos: promotion.NewService(db, promotion.Options{}), customers: customer.NewService(db),
		ids: identity.NewService(db, identity.Options{})}
	w.carts = cart.NewService(db, cart.Deps{Catalog: w.cat, Stock: w.inv, Promotions: w.promos,
		Timeline: w.customers, Customers: w.ids})
	w.ids.OnMerge(w.customers.MergeTx)
	w.ids.OnMerge(w.carts.MergeTx)
	w.ids.OnMerge(w.promos.MergeTx)
	var err error
	if w.wh, err = w.inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse}); err != nil {
		t.Fatal(err)
	}
	w.mug = w.product(t, catalog.ProductInput{Title: "Mug", Variants: []catalog.VariantInput{
		{SKU: "MUG", Price: 1200, Currency: "EUR", ChannelPrices: map[string]int64{"pos": 1000}}}}, 10)
	w.tee = w.product(t, catalog.ProductInput{Title: "Tee", Channels: []string{"web", "app"}, Variants: []catalog.VariantInput{
		{SKU: "TEE", Price: 2000, Currency: "EUR"}}}, 3)
	w.dollar = w.product(t, catalog.ProductInput{Title: "Cap", Variants: []catalog.VariantInput{
		{SKU: "CAP", Price: 1500, Currency: "USD"}}}, 5)
	return w
}

func (w *world) product(t *testing.T, in catalog.ProductInput, stock int64) catalog.Product {
	t.Helper()
	p, err := w.cat.CreateProduct(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.inv.SetStock(context.Background(), p.Variants[0].ID, w.wh.ID, stock); err != nil {
		t.Fatal(err)
	}
	return p
}

// visitor creates a customer profile for an anonymous id.
func (w *world) visitor(t *testing.T, anon string) string {
	t.Helper()
	i, err := identity.New(identity.AnonymousID, anon)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.ids.Resolve(context.Background(), identity.Request{Identifiers: []identity.Identifier{i}, Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return res.CustomerID
}

func item(sku string, qty int64) cart.Item {
	return cart.Item{VariantRef: catalog.VariantRef{SKU: sku}, Quantity: qty}
}
