package simulate

import (
	"context"
	"fmt"
	"net/http"
)

// Connect prepares a simulation against any Omni with an admin token: it
// creates a source per channel and storefront keys for web and app, and
// reads the catalog and pickup shops the customers will buy from. Messaging
// platforms whose secrets the simulator does not know are left out.
func Connect(ctx context.Context, c *Client, token string, seed uint64) (Config, error) {
	cfg := Config{Client: c, Seed: seed, WriteKeys: map[string]string{}}
	for _, ch := range []string{"web", "app", "chat", "messenger", "email", "sms", "pos", "marketplace", "ads"} {
		var src struct {
			WriteKey string `json:"write_key"`
		}
		if err := c.API(ctx, token, http.MethodPost, "/api/v1/sources", map[string]string{"name": "simulator " + ch, "channel": ch}, &src); err != nil {
			return cfg, fmt.Errorf("create %s source: %w", ch, err)
		}
		cfg.WriteKeys[ch] = src.WriteKey
	}
	cfg.Platforms = Platforms{ChatKey: cfg.WriteKeys["chat"], AgentToken: token}
	var page struct {
		Products []struct {
			ID       string
			Title    string
			Variants []struct {
				SKU      string
				Title    string
				Price    int64
				Currency string
			}
		}
	}
	if err := c.API(ctx, token, http.MethodGet, "/api/v1/products?limit=200", nil, &page); err != nil {
		return cfg, fmt.Errorf("read the catalog: %w", err)
	}
	var locations []struct {
		Code          string
		PickupEnabled bool `json:"pickup_enabled"`
	}
	if err := c.API(ctx, token, http.MethodGet, "/api/v1/locations", nil, &locations); err != nil {
		return cfg, fmt.Errorf("read locations: %w", err)
	}
	shop := &Shop{StoreKeys: map[string]string{}}
	for _, p := range page.Products {
		for _, v := range p.Variants {
			shop.Products = append(shop.Products, Product{ID: p.ID, SKU: v.SKU, Name: p.Title + " " + v.Title, Price: v.Price, Currency: v.Currency})
		}
	}
	for _, l := range locations {
		if l.PickupEnabled {
			shop.PickupShops = append(shop.PickupShops, l.Code)
		}
	}
	if len(shop.Products) == 0 || len(shop.PickupShops) == 0 {
		return cfg, nil // no shop to buy from: purchases are reported as events
	}
	for _, ch := range []string{"web", "app"} {
		var key struct {
			Key string `json:"publishable_key"`
		}
		if err := c.API(ctx, token, http.MethodPost, "/api/v1/storefront-keys", map[string]string{"name": "simulator " + ch, "channel": ch}, &key); err != nil {
			return cfg, fmt.Errorf("create a storefront key: %w", err)
		}
		shop.StoreKeys[ch] = key.Key
	}
	cfg.Shop = shop
	return cfg, nil
}
