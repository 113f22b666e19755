package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/storefront"
)

// Storefront request headers.
const (
	PublishableKeyHeader = "X-Omni-Publishable-Key"
	AnonymousIDHeader    = "X-Omni-Anonymous-Id"
	CustomerTokenHeader  = "X-Omni-Customer-Token"
)

// Visitors resolves storefront requests to customers.
type Visitors interface {
	Visitor(ctx context.Context, publishable, anonymousID, customerToken string) (storefront.Visitor, error)
	Channel(ctx context.Context, publishable string) (string, error)
}

// StorefrontKeys manages publishable keys.
type StorefrontKeys interface {
	CreateKey(ctx context.Context, name, channel string) (storefront.Key, error)
	ListKeys(ctx context.Context) ([]storefront.Key, error)
}

type createKeyRequest struct {
	Name    string `json:"name"`
	Channel string `json:"channel"`
}

// StorefrontKeyRoutes manage the publishable keys of storefronts and apps.
func StorefrontKeyRoutes(keys StorefrontKeys) []Route {
	return []Route{
		{Method: "POST", Path: "/api/v1/storefront-keys", Summary: "Create a publishable key (its signing secret is shown once)",
			Tag: "storefront", MaxBody: 1 << 10, Request: createKeyRequest{}, Response: storefront.Key{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in createKeyRequest) (storefront.Key, error) {
				return keys.CreateKey(r.Context(), in.Name, in.Channel)
			})},
		{Method: "GET", Path: "/api/v1/storefront-keys", Summary: "List publishable keys", Tag: "storefront",
			Response: []storefront.Key{},
			Handle:   JSON(func(r *http.Request) ([]storefront.Key, error) { return keys.ListKeys(r.Context()) })},
	}
}

// StoreCatalog is what the storefront reads from the catalog.
type StoreCatalog interface {
	ListProducts(ctx context.Context, o catalog.ListOptions) ([]catalog.Product, error)
	ProductByHandle(ctx context.Context, handle string) (catalog.Product, error)
}

// StoreLocations lists the shops offering pickup.
type StoreLocations interface {
	ListLocations(ctx context.Context, pickupOnly bool) ([]inventory.Location, error)
}

// Storefront is everything the storefront API uses.
type Storefront struct {
	Visitors  Visitors
	Catalog   StoreCatalog
	Locations StoreLocations
	Carts     Carts
	Wallets   Wallets
	Orders    Orders
	Consents  Consents
}

// StoreItemRequest adds or sets a quantity of a variant.
type StoreItemRequest struct {
	catalog.VariantRef
	Quantity int64 `json:"quantity"`
}

// StoreCodeRequest enters a promotion code.
type StoreCodeRequest struct {
	Code string `json:"code"`
}

// StorePromotionRequest records that the visitor met a promotion: landed
// from an ad or an email link carrying a code. The promotion joins the
// visitor's wallet and applies on every channel.
type StorePromotionRequest struct {
	Code   string `json:"code"`
	Source string `json:"source,omitempty"` // ad_click, email_link, landing_url (default)
}

// StoreCheckoutRequest checks the visitor's cart out on the storefront's
// channel.
type StoreCheckoutRequest struct {
	Fulfillment     string             `json:"fulfillment"`
	Location        string             `json:"location,omitempty"`
	ShippingAddress *inventory.Address `json:"shipping_address,omitempty"`
	ShippingRateID  string             `json:"shipping_rate_id,omitempty"`
	Email           string             `json:"email,omitempty"`
	Payment         order.PaymentInput `json:"payment"`
}

// StorefrontRoutes are the routes under /store/v1 that web shops and apps
// call for their visitors, keyed by a publishable key and the visitor's
// anonymous id (and, after the merchant's login, a signed customer token).
func StorefrontRoutes(sf Storefront) []Route {
	params := []Param{
		{Name: PublishableKeyHeader, In: "header", Required: true, Description: "the storefront's publishable key"},
		{Name: AnonymousIDHeader, In: "header", Required: true, Description: "the visitor's anonymous id"},
		{Name: CustomerTokenHeader, In: "header", Description: "a customer token signed by the merchant's server after login"},
	}
	visitor := func(r *http.Request) (storefront.Visitor, error) {
		return sf.Visitors.Visitor(r.Context(), r.Header.Get(PublishableKeyHeader), r.Header.Get(AnonymousIDHeader),
			r.Header.Get(CustomerTokenHeader))
	}
	withCart := func(fn func(r *http.Request, v storefront.Visitor) (cart.View, error)) HandlerFunc {
		return JSON(func(r *http.Request) (cart.View, error) {
			v, err := visitor(r)
			if err != nil {
				return cart.View{}, err
			}
			return fn(r, v)
		})
	}
	route := func(method, path, summary string, req, resp any, h HandlerFunc) Route {
		return Route{Method: method, Path: path, Summary: summary, Tag: "storefront", Public: true, MaxBody: 16 << 10,
			Params: params, Request: req, Response: resp, Handle: h}
	}
	routes := []Route{
		route("GET", "/store/v1/cart", "The visitor's cart, the same on every device and channel", nil, cart.View{},
			withCart(func(r *http.Request, v storefront.Visitor) (cart.View, error) {
				return sf.Carts.View(r.Context(), v.CustomerID, v.Channel)
			})),
		route("POST", "/store/v1/cart/items", "Add units of a variant to the cart", StoreItemRequest{}, cart.View{},
			withCart(func(r *http.Request, v storefront.Visitor) (cart.View, error) {
				var in StoreItemRequest
				if err := DecodeJSON(r, &in); err != nil {
					return cart.View{}, err
				}
				return sf.Carts.AddItem(r.Context(), v.CustomerID, v.Channel, cart.Item{VariantRef: in.VariantRef, Quantity: in.Quantity})
			})),
		route("PATCH", "/store/v1/cart/items", "Set the quantity of a variant (0 removes it)", StoreItemRequest{}, cart.View{},
			withCart(func(r *http.Request, v storefront.Visitor) (cart.View, error) {
				var in StoreItemRequest
				if err := DecodeJSON(r, &in); err != nil {
					return cart.View{}, err
				}
				return sf.Carts.SetQuantity(r.Context(), v.CustomerID, v.Channel, cart.Item{VariantRef: in.VariantRef, Quantity: in.Quantity})
			})),
		route("POST", "/store/v1/cart/codes", "Enter a promotion code", StoreCodeRequest{}, cart.View{},
			withCart(func(r *http.Request, v storefront.Visitor) (cart.View, error) {
				var in StoreCodeRequest
				if err := DecodeJSON(r, &in); err != nil {
					return cart.View{}, err
				}
				return sf.Carts.AddCode(r.Context(), v.CustomerID, v.Channel, in.Code)
			})),
		route("DELETE", "/store/v1/cart/codes/{code}", "Take a code off the cart", nil, cart.View{},
			withCart(func(r *http.Request, v storefront.Visitor) (cart.View, error) {
				return sf.Carts.RemoveCode(r.Context(), v.CustomerID, v.Channel, r.PathValue("code"))
			})),
		route("POST", "/store/v1/promotions", "Attach a promotion the visitor met (ad click, email link) to their wallet",
			StorePromotionRequest{}, promotion.WalletEntry{}, func(w http.ResponseWriter, r *http.Request) error {
				v, err := visitor(r)
				if err != nil {
					return err
				}
				var in StorePromotionRequest
				if err := DecodeJSON(r, &in); err != nil {
					return err
				}
				if in.Source == "" {
					in.Source = "landing_url"
				}
				if in.Source != "ad_click" && in.Source != "email_link" && in.Source != "landing_url" {
					return apperr.InvalidField("source", "unknown source %q (want ad_click, email_link or landing_url)", in.Source)
				}
				e, err := sf.Wallets.AttachPromotion(r.Context(), v.CustomerID, in.Code, v.Channel, in.Source)
				if err != nil {
					return err
				}
				WriteJSON(w, http.StatusCreated, e)
				return nil
			}),
		route("GET", "/store/v1/promotions", "The visitor's promotion wallet", nil, []promotion.WalletEntry{},
			JSON(func(r *http.Request) ([]promotion.WalletEntry, error) {
				v, err := visitor(r)
				if err != nil {
					return nil, err
				}
				return sf.Wallets.Wallet(r.Context(), nil, v.CustomerID)
			})),
	}
	routes = append(routes, storeConsentRoute(sf, visitor, route))
	return append(routes, storeOrderRoutes(sf, visitor, route)...)
}

func storeOrderRoutes(sf Storefront, visitor func(*http.Request) (storefront.Visitor, error),
	route func(method, path, summary string, req, resp any, h HandlerFunc) Route) []Route {
	owned := func(r *http.Request) (order.Order, storefront.Visitor, error) {
		v, err := visitor(r)
		if err != nil {
			return order.Order{}, v, err
		}
		o, err := sf.Orders.Get(r.Context(), r.PathValue("id"))
		if err == nil && o.CustomerID != v.CustomerID {
			err = apperr.NotFoundf("no order %q", r.PathValue("id"))
		}
		return o, v, err
	}
	return []Route{
		route("POST", "/store/v1/checkout", "Check the visitor's cart out (Idempotency-Key header recommended)",
			StoreCheckoutRequest{}, order.Order{}, func(w http.ResponseWriter, r *http.Request) error {
				v, err := visitor(r)
				if err != nil {
					return err
				}
				var in StoreCheckoutRequest
				if err := DecodeJSON(r, &in); err != nil {
					return err
				}
				c, err := sf.Carts.View(r.Context(), v.CustomerID, v.Channel)
				if err != nil {
					return err
				}
				if c.ID == "" {
					return apperr.New(apperr.Unprocessable, "the cart is empty: add items before checking out")
				}
				o, created, err := sf.Orders.Checkout(r.Context(), c.ID, r.Header.Get(IdempotencyHeader), order.CheckoutRequest{
					Channel: v.Channel, Fulfillment: in.Fulfillment, Location: in.Location, ShippingAddress: in.ShippingAddress,
					ShippingRateID: in.ShippingRateID, Email: in.Email, Payment: in.Payment})
				return writePlaced(w, o, created, err)
			}),
		route("GET", "/store/v1/orders", "The visitor's orders", nil, []order.Order{},
			JSON(func(r *http.Request) ([]order.Order, error) {
				v, err := visitor(r)
				if err != nil {
					return nil, err
				}
				return sf.Orders.List(r.Context(), order.ListOptions{CustomerID: v.CustomerID})
			})),
		route("GET", "/store/v1/orders/{id}", "One of the visitor's orders", nil, order.Order{},
			JSON(func(r *http.Request) (order.Order, error) {
				o, _, err := owned(r)
				return o, err
			})),
		route("POST", "/store/v1/orders/{id}/cancel", "Cancel one of the visitor's unpaid orders", nil, order.Order{},
			JSON(func(r *http.Request) (order.Order, error) {
				o, v, err := owned(r)
				if err != nil {
					return o, err
				}
				return sf.Orders.Cancel(r.Context(), o.ID, v.Channel, "cancelled by the customer")
			})),
		route("GET", "/store/v1/products", "Products sold on the storefront's channel", nil, []catalog.Product{},
			JSON(func(r *http.Request) ([]catalog.Product, error) {
				ch, err := sf.Visitors.Channel(r.Context(), r.Header.Get(PublishableKeyHeader))
				if err != nil {
					return nil, err
				}
				q := r.URL.Query()
				return sf.Catalog.ListProducts(r.Context(), catalog.ListOptions{Channel: ch, Status: catalog.StatusActive,
					Collection: q.Get("collection"), Query: q.Get("query"), After: q.Get("after")})
			})),
		route("GET", "/store/v1/products/{handle}", "A product by handle", nil, catalog.Product{},
			JSON(func(r *http.Request) (catalog.Product, error) {
				if _, err := sf.Visitors.Channel(r.Context(), r.Header.Get(PublishableKeyHeader)); err != nil {
					return catalog.Product{}, err
				}
				p, err := sf.Catalog.ProductByHandle(r.Context(), r.PathValue("handle"))
				if err == nil && p.Status != catalog.StatusActive {
					err = apperr.NotFoundf("no product %q", r.PathValue("handle"))
				}
				return p, err
			})),
		route("GET", "/store/v1/locations", "Shops where orders can be picked up", nil, []inventory.Location{},
			JSON(func(r *http.Request) ([]inventory.Location, error) {
				if _, err := sf.Visitors.Channel(r.Context(), r.Header.Get(PublishableKeyHeader)); err != nil {
					return nil, err
				}
				return sf.Locations.ListLocations(r.Context(), true)
			})),
	}
}
