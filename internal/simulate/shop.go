package simulate

import (
	"context"
	"fmt"
	"net/http"
)

// Shop is what the simulated customers can buy and where: the catalog, the
// shops offering pickup and a publishable storefront key per channel (web,
// app). Without it, purchases are reported as tracking events only.
type Shop struct {
	Products    []Product
	PickupShops []string          // location codes
	StoreKeys   map[string]string // channel → publishable key
}

// Store calls the storefront API as a visitor of a web shop or app.
func (c *Client) Store(ctx context.Context, key, anonID, method, path string, body, out any, idempotency string) error {
	req, err := c.request(ctx, method, path, body)
	if err != nil {
		return err
	}
	req.Header.Set("X-Omni-Publishable-Key", key)
	req.Header.Set("X-Omni-Anonymous-Id", anonID)
	if idempotency != "" {
		req.Header.Set("Idempotency-Key", idempotency)
	}
	return c.do(req, out)
}

// PlacedOrder is the part of an order the simulator follows.
type PlacedOrder struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// buyForPickup puts sku in the visitor's cart on channel's storefront and
// checks out for pickup at shop, paying at the counter.
func (r *runner) buyForPickup(ctx context.Context, channel, anonID, sku, shop, idem string) (PlacedOrder, error) {
	key := r.cfg.Shop.StoreKeys[channel]
	c := r.cfg.Client
	if err := c.Store(ctx, key, anonID, http.MethodPost, "/store/v1/cart/items", map[string]any{"sku": sku, "quantity": 1}, nil, ""); err != nil {
		return PlacedOrder{}, fmt.Errorf("add to cart: %w", err)
	}
	var o PlacedOrder
	err := c.Store(ctx, key, anonID, http.MethodPost, "/store/v1/checkout", map[string]any{
		"fulfillment": "pickup", "location": shop, "payment": map[string]string{"provider": "manual", "method": "pay_later"},
	}, &o, idem)
	if err != nil {
		return PlacedOrder{}, fmt.Errorf("checkout: %w", err)
	}
	return o, nil
}

// leaveCart puts sku in the visitor's cart on channel's storefront and
// leaves it there, after opting in to marketing email when optIn is set.
func (r *runner) leaveCart(ctx context.Context, channel, anonID, sku string, optIn bool) error {
	key, c := r.cfg.Shop.StoreKeys[channel], r.cfg.Client
	if optIn {
		consent := map[string]any{"channel": "email", "purpose": "marketing", "granted": true}
		if err := c.Store(ctx, key, anonID, http.MethodPost, "/store/v1/consent", consent, nil, ""); err != nil {
			return fmt.Errorf("opt in: %w", err)
		}
	}
	if err := c.Store(ctx, key, anonID, http.MethodPost, "/store/v1/cart/items", map[string]any{"sku": sku, "quantity": 1}, nil, ""); err != nil {
		return fmt.Errorf("add to cart: %w", err)
	}
	return nil
}

// collect has the shop prepare the order and the clerk hand it over at the
// counter, paid by card terminal; returnItem brings sku back at the shop.
func (r *runner) collect(ctx context.Context, orderID, shop string) error {
	c, tok := r.cfg.Client, r.cfg.Platforms.AgentToken
	if err := c.API(ctx, tok, http.MethodPost, "/api/v1/orders/"+orderID+"/ready", map[string]string{"channel": "pos"}, nil); err != nil {
		return fmt.Errorf("ready for pickup: %w", err)
	}
	return c.API(ctx, tok, http.MethodPost, "/api/v1/orders/"+orderID+"/pickup", map[string]any{
		"location": shop, "channel": "pos", "payment": map[string]string{"provider": "manual", "method": "card_terminal"}}, nil)
}

func (r *runner) returnItem(ctx context.Context, orderID, sku, shop string) error {
	return r.cfg.Client.API(ctx, r.cfg.Platforms.AgentToken, http.MethodPost, "/api/v1/returns", map[string]any{
		"order_id": orderID, "location": shop, "channel": "pos", "reason": "too small",
		"lines": []map[string]any{{"sku": sku, "quantity": 1}}}, nil)
}
