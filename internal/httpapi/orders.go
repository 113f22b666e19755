package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/order"
)

// Orders is what the order routes need from the order service.
type Orders interface {
	Checkout(ctx context.Context, cartID, idempotencyKey string, req order.CheckoutRequest) (order.Order, bool, error)
	Sale(ctx context.Context, idempotencyKey string, req order.SaleRequest) (order.Order, bool, error)
	Get(ctx context.Context, id string) (order.Order, error)
	List(ctx context.Context, o order.ListOptions) ([]order.Order, error)
	Cancel(ctx context.Context, id, channel, reason string) (order.Order, error)
	Pay(ctx context.Context, id, channel string, pay order.PaymentInput) (order.Order, error)
	MarkReady(ctx context.Context, id, channel string) (order.Order, error)
	Ship(ctx context.Context, id, channel, note string) (order.Order, error)
	Pickup(ctx context.Context, id string, req order.PickupRequest) (order.Order, error)
	CreateReturn(ctx context.Context, req order.ReturnRequest) (order.Return, error)
	SetTaxRate(ctx context.Context, r order.TaxRate) (order.TaxRate, error)
	TaxRates(ctx context.Context) ([]order.TaxRate, error)
	CreateShippingRate(ctx context.Context, r order.ShippingRate) (order.ShippingRate, error)
	ShippingRates(ctx context.Context) ([]order.ShippingRate, error)
}

// CancelRequest cancels an unpaid order.
type CancelRequest struct {
	Channel string `json:"channel"`
	Reason  string `json:"reason,omitempty"`
}

// PayRequest makes a payment attempt on an unpaid order.
type PayRequest struct {
	Channel string `json:"channel"`
	order.PaymentInput
}

// StatusRequest moves an order on (ready for pickup, shipped).
type StatusRequest struct {
	Channel string `json:"channel"`
	Note    string `json:"note,omitempty"`
}

// IdempotencyHeader carries the client's idempotency key on checkouts and
// in-store sales.
const IdempotencyHeader = "Idempotency-Key"

// writePlaced answers a checkout: 201 for a new order, 200 with
// Idempotent-Replayed for a retry that found the earlier one.
func writePlaced(w http.ResponseWriter, o order.Order, created bool, err error) error {
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
		w.Header().Set("Idempotent-Replayed", "true")
	}
	WriteJSON(w, status, o)
	return nil
}

var posScopes = []auth.Scope{auth.ScopeAgent}

// OrderRoutes are the checkout, order, pickup, in-store sale, return, tax
// and shipping routes.
func OrderRoutes(orders Orders) []Route {
	idem := []Param{{Name: IdempotencyHeader, In: "header", Description: "a retry with the same key returns the same order and never charges twice"}}
	oid := func(r *http.Request) string { return r.PathValue("id") }
	routes := []Route{
		{Method: "POST", Path: "/api/v1/carts/{id}/checkout", Summary: "Turn a cart into an order: shipping or pickup in a shop, then payment",
			Tag: "orders", Scopes: posScopes, MaxBody: 8 << 10, Params: idem, Request: order.CheckoutRequest{}, Response: order.Order{},
			Status: http.StatusCreated, Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req order.CheckoutRequest
				if err := DecodeJSON(r, &req); err != nil {
					return err
				}
				o, created, err := orders.Checkout(r.Context(), oid(r), r.Header.Get(IdempotencyHeader), req)
				return writePlaced(w, o, created, err)
			}},
		{Method: "POST", Path: "/api/v1/pos/sales", Summary: "Ring up an in-store sale (an order on channel pos)",
			Tag: "orders", Scopes: posScopes, MaxBody: 64 << 10, Params: idem, Request: order.SaleRequest{}, Response: order.Order{},
			Status: http.StatusCreated, Handle: func(w http.ResponseWriter, r *http.Request) error {
				var req order.SaleRequest
				if err := DecodeJSON(r, &req); err != nil {
					return err
				}
				o, created, err := orders.Sale(r.Context(), r.Header.Get(IdempotencyHeader), req)
				return writePlaced(w, o, created, err)
			}},
		{Method: "GET", Path: "/api/v1/orders", Summary: "List orders, newest first", Tag: "orders", Scopes: ReadScopes,
			Response: []order.Order{}, Params: []Param{{Name: "customer_id", In: "query"}, {Name: "status", In: "query"},
				{Name: "location_id", In: "query"}, {Name: "before", In: "query"}, {Name: "limit", In: "query"}},
			Handle: JSON(func(r *http.Request) ([]order.Order, error) {
				limit, err := intParam(r, "limit")
				if err != nil {
					return nil, err
				}
				q := r.URL.Query()
				return orders.List(r.Context(), order.ListOptions{CustomerID: q.Get("customer_id"), Status: q.Get("status"),
					LocationID: q.Get("location_id"), Before: q.Get("before"), Limit: limit})
			})},
		{Method: "GET", Path: "/api/v1/orders/{id}", Summary: "An order with its lines, payments and history", Tag: "orders",
			Scopes: ReadScopes, Response: order.Order{},
			Handle: JSON(func(r *http.Request) (order.Order, error) { return orders.Get(r.Context(), oid(r)) })},
		{Method: "POST", Path: "/api/v1/orders/{id}/cancel", Summary: "Cancel an unpaid order (refused after payment capture)",
			Tag: "orders", Scopes: posScopes, MaxBody: 4 << 10, Request: CancelRequest{}, Response: order.Order{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in CancelRequest) (order.Order, error) {
				if err := needChannel(in.Channel); err != nil {
					return order.Order{}, err
				}
				return orders.Cancel(r.Context(), oid(r), in.Channel, in.Reason)
			})},
		{Method: "POST", Path: "/api/v1/orders/{id}/pay", Summary: "Pay an unpaid order (another card, or at the counter)",
			Tag: "orders", Scopes: posScopes, MaxBody: 4 << 10, Request: PayRequest{}, Response: order.Order{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in PayRequest) (order.Order, error) {
				if err := needChannel(in.Channel); err != nil {
					return order.Order{}, err
				}
				return orders.Pay(r.Context(), oid(r), in.Channel, in.PaymentInput)
			})},
		{Method: "POST", Path: "/api/v1/orders/{id}/ready", Summary: "Mark a pickup order ready at its shop",
			Tag: "orders", Scopes: posScopes, MaxBody: 4 << 10, Request: StatusRequest{}, Response: order.Order{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in StatusRequest) (order.Order, error) {
				if err := needChannel(in.Channel); err != nil {
					return order.Order{}, err
				}
				return orders.MarkReady(r.Context(), oid(r), in.Channel)
			})},
		{Method: "POST", Path: "/api/v1/orders/{id}/ship", Summary: "Mark a paid order shipped",
			Tag: "orders", Scopes: posScopes, MaxBody: 4 << 10, Request: StatusRequest{}, Response: order.Order{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in StatusRequest) (order.Order, error) {
				if err := needChannel(in.Channel); err != nil {
					return order.Order{}, err
				}
				return orders.Ship(r.Context(), oid(r), in.Channel, in.Note)
			})},
		{Method: "POST", Path: "/api/v1/orders/{id}/pickup", Summary: "Hand a ready order over at its shop (taking payment if due)",
			Tag: "orders", Scopes: posScopes, MaxBody: 4 << 10, Request: order.PickupRequest{}, Response: order.Order{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in order.PickupRequest) (order.Order, error) {
				return orders.Pickup(r.Context(), oid(r), in)
			})},
		{Method: "POST", Path: "/api/v1/returns", Summary: "Return items of an order at any location: refund and restock",
			Tag: "orders", Scopes: posScopes, MaxBody: 16 << 10, Request: order.ReturnRequest{}, Response: order.Return{},
			Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in order.ReturnRequest) (order.Return, error) {
				return orders.CreateReturn(r.Context(), in)
			})},
	}
	return append(routes, rateRoutes(orders)...)
}

func rateRoutes(orders Orders) []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/tax-rates", Summary: "Sales tax rates by region", Tag: "orders", Scopes: ReadScopes,
			Response: []order.TaxRate{}, Handle: JSON(func(r *http.Request) ([]order.TaxRate, error) { return orders.TaxRates(r.Context()) })},
		{Method: "PUT", Path: "/api/v1/tax-rates/{region}", Summary: "Set the tax rate of a region (basis points)", Tag: "orders",
			MaxBody: 1 << 10, Request: order.TaxRate{}, Response: order.TaxRate{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in order.TaxRate) (order.TaxRate, error) {
				in.Region = r.PathValue("region")
				return orders.SetTaxRate(r.Context(), in)
			})},
		{Method: "GET", Path: "/api/v1/shipping-rates", Summary: "Flat shipping charges", Tag: "orders", Scopes: ReadScopes,
			Response: []order.ShippingRate{},
			Handle:   JSON(func(r *http.Request) ([]order.ShippingRate, error) { return orders.ShippingRates(r.Context()) })},
		{Method: "POST", Path: "/api/v1/shipping-rates", Summary: "Add a flat shipping charge", Tag: "orders",
			MaxBody: 1 << 10, Request: order.ShippingRate{}, Response: order.ShippingRate{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in order.ShippingRate) (order.ShippingRate, error) {
				return orders.CreateShippingRate(r.Context(), in)
			})},
	}
}
