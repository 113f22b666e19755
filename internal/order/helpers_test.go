package order_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/payment"
	"github.com/omni-hq/omni/internal/payment/stripetest"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

type world struct {
	db              *store.DB
	orders          *order.Service
	carts           *cart.Service
	cat             *catalog.Service
	inv             *inventory.Service
	promos          *promotion.Service
	ids             *identity.Service
	customers       *customer.Service
	stripe          *stripetest.Server
	wh, paris, lyon inventory.Location
	mug             catalog.Product // 12.00 EUR, 10 at the warehouse, 2 in Paris
	lamp            catalog.Product // 80.00 EUR, 1 in Paris only
}

func newWorld(t *testing.T, db *store.DB, opts order.Options) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, cat: catalog.NewService(db), inv: inventory.NewService(db), customers: customer.NewService(db),
		promos: promotion.NewService(db, promotion.Options{}), ids: identity.NewService(db, identity.Options{}), stripe: stripetest.Start(t)}
	providers := payment.NewProviders(payment.Manual{}, &payment.Stripe{BaseURL: w.stripe.URL, SecretKey: stripetest.SecretKey})
	w.carts = cart.NewService(db, cart.Deps{Catalog: w.cat, Stock: w.inv, Promotions: w.promos, Timeline: w.customers,
		Customers: w.ids, Orders: order.NewHistory(db)})
	w.orders = order.NewService(db, order.Deps{Carts: w.carts, Inventory: w.inv, Promotions: w.promos, Payments: providers,
		Timeline: w.customers}, opts)
	var err error
	w.wh = w.location(t, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse})
	w.paris = w.location(t, inventory.LocationInput{Code: "paris", Name: "Paris", Kind: inventory.Shop, PickupEnabled: true,
		Address: inventory.Address{Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}})
	w.lyon = w.location(t, inventory.LocationInput{Code: "lyon", Name: "Lyon", Kind: inventory.Shop,
		Address: inventory.Address{Line1: "2 place Bellecour", City: "Lyon", Country: "FR"}})
	if w.mug, err = w.cat.CreateProduct(ctx, catalog.ProductInput{Title: "Mug", Variants: []catalog.VariantInput{{SKU: "MUG", Price: 1200, Currency: "EUR"}}}); err != nil {
		t.Fatal(err)
	}
	if w.lamp, err = w.cat.CreateProduct(ctx, catalog.ProductInput{Title: "Lamp", Variants: []catalog.VariantInput{{SKU: "LAMP", Price: 8000, Currency: "EUR"}}}); err != nil {
		t.Fatal(err)
	}
	w.stock(t, w.mug, w.wh, 10)
	w.stock(t, w.mug, w.paris, 2)
	w.stock(t, w.lamp, w.paris, 1)
	if _, err := w.orders.SetTaxRate(ctx, order.TaxRate{Region: "FR", Rate: 2000}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) location(t *testing.T, in inventory.LocationInput) inventory.Location {
	t.Helper()
	l, err := w.inv.CreateLocation(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (w *world) stock(t *testing.T, p catalog.Product, l inventory.Location, n int64) {
	t.Helper()
	if _, err := w.inv.SetStock(context.Background(), p.Variants[0].ID, l.ID, n); err != nil {
		t.Fatal(err)
	}
}

func (w *world) level(t *testing.T, p catalog.Product, l inventory.Location) inventory.Level {
	t.Helper()
	lv, err := w.inv.Levels(context.Background(), []string{p.Variants[0].ID}, l.ID)
	if err != nil || len(lv) != 1 {
		t.Fatalf("levels: %v %v", lv, err)
	}
	return lv[0]
}

var visitors int

// shopper makes a customer with the given items in their cart and returns
// the customer and cart ids.
func (w *world) shopper(t *testing.T, items ...cart.Item) (string, string) {
	t.Helper()
	visitors++
	i, _ := identity.New(identity.AnonymousID, fmt.Sprintf("visitor-%d-%p", visitors, t))
	res, err := w.ids.Resolve(context.Background(), identity.Request{Identifiers: []identity.Identifier{i}, Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	var v cart.View
	for _, it := range items {
		if v, err = w.carts.AddItem(context.Background(), res.CustomerID, "web", it); err != nil {
			t.Fatal(err)
		}
	}
	return res.CustomerID, v.ID
}

func item(sku string, q int64) cart.Item {
	return cart.Item{VariantRef: catalog.VariantRef{SKU: sku}, Quantity: q}
}

var home = &inventory.Address{Line1: "3 rue Oberkampf", City: "Paris", PostalCode: "75011", Country: "FR"}
