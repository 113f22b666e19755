package app

import (
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/payment"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/storefront"
)

// commerce is the catalog, inventory, one cart, promotions, orders and the
// storefront API, wired to the customer and identity services.
type commerce struct {
	catalog    *catalog.Service
	inventory  *inventory.Service
	promotions *promotion.Service
	carts      *cart.Service
	orders     *order.Service
	storefront *storefront.Service
}

// newCommerce builds the commerce services and registers their merge and
// timeline hooks: carts, wallets and orders follow profile merges, and
// tracked events carrying a promotion code fill the wallet.
func (a *App) newCommerce() *commerce {
	c := &commerce{catalog: catalog.NewService(a.db), inventory: inventory.NewService(a.db),
		promotions: promotion.NewService(a.db, promotion.Options{})}
	providers := payment.NewProviders(payment.Manual{})
	if a.cfg.StripeSecretKey.Reveal() != "" {
		providers = payment.NewProviders(payment.Manual{}, &payment.Stripe{BaseURL: a.cfg.StripeBaseURL, SecretKey: a.cfg.StripeSecretKey.Reveal()})
	}
	c.carts = cart.NewService(a.db, cart.Deps{Catalog: c.catalog, Stock: c.inventory, Promotions: c.promotions,
		Timeline: a.customers, Customers: a.ids, Orders: order.NewHistory(a.db)})
	c.orders = order.NewService(a.db, order.Deps{Carts: c.carts, Inventory: c.inventory, Promotions: c.promotions,
		Payments: providers, Timeline: a.customers}, order.Options{})
	c.storefront = storefront.NewService(a.db, a.ids)
	a.ids.OnMerge(c.carts.MergeTx)
	a.ids.OnMerge(c.promotions.MergeTx)
	a.ids.OnMerge(c.orders.MergeTx)
	a.customers.OnAppend(c.promotions.EventHook)
	return c
}

// workers registers the commerce jobs: cancelling unpaid orders whose
// reservations expired.
func (c *commerce) workers(a *App, workers *river.Workers) []*river.PeriodicJob {
	river.AddWorker(workers, order.NewExpireWorker(c.orders, a.log.With("component", "orders")))
	return []*river.PeriodicJob{order.ExpireEvery(time.Minute)}
}

// routes are the commerce REST and storefront routes.
func (c *commerce) routes(a *App) []httpapi.Route {
	var rs []httpapi.Route
	rs = append(rs, httpapi.CatalogRoutes(c.catalog, c.inventory)...)
	rs = append(rs, httpapi.CartRoutes(c.carts, c.promotions, a.ids)...)
	rs = append(rs, httpapi.PromotionRoutes(c.promotions)...)
	rs = append(rs, httpapi.OrderRoutes(c.orders)...)
	rs = append(rs, httpapi.StorefrontKeyRoutes(c.storefront)...)
	rs = append(rs, httpapi.StorefrontRoutes(httpapi.Storefront{Visitors: c.storefront, Catalog: c.catalog,
		Locations: c.inventory, Carts: c.carts, Wallets: c.promotions, Orders: c.orders, Consents: a.customers})...)
	return rs
}
