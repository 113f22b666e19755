package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"

	"github.com/omni-hq/omni/internal/simulate"
)

// Location codes of the demo shop.
const (
	warehouseMain = "WH-MAIN"
	warehouseEast = "WH-EAST"
)

// Shops are the demo's physical shops; each offers pickup.
var Shops = []struct{ Code, Name, City, Country string }{
	{"SHOP-LYON", "Omni Lyon", "Lyon", "FR"}, {"SHOP-PARIS", "Omni Paris", "Paris", "FR"}, {"SHOP-BERLIN", "Omni Berlin", "Berlin", "DE"},
}

func address(line1, city, postal, country string) map[string]string {
	return map[string]string{"line1": line1, "city": city, "postal_code": postal, "country": country}
}

func openingHours() []map[string]string {
	var hs []map[string]string
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat"} {
		hs = append(hs, map[string]string{"day": d, "opens": "10:00", "closes": "19:00"})
	}
	return hs
}

var productKinds = []struct {
	name  string
	sizes []string
	price int64
}{
	{"Trail runner", []string{"40", "42", "44"}, 11900}, {"Rain jacket", []string{"S", "M", "L"}, 8900},
	{"Wool socks", []string{"S", "M", "L"}, 1990}, {"Day pack", []string{"20 l", "30 l"}, 6450},
	{"Fleece", []string{"S", "M", "L"}, 5900}, {"Beanie", []string{"One size"}, 2400},
	{"Hiking boot", []string{"40", "42", "44"}, 15900}, {"Base layer", []string{"S", "M", "L"}, 3900},
}

var colours = []string{"Black", "Forest", "Ocean", "Sand", "Rust", "Slate", "Berry", "Moss", "Sky", "Stone",
	"Coal", "Lagoon", "Amber", "Pine", "Clay", "Dune", "Frost", "Ember", "Fjord", "Heather", "Indigo", "Juniper",
	"Kelp", "Lichen", "Maple"}

// SeedShop creates the demo catalog (a product per kind and colour, each with
// size variants), two warehouses and three pickup shops with stock, the
// promotions, the Segments, an abandoned-cart journey and a publishable key
// per storefront channel, all through the REST API. It returns what the
// simulator's customers can buy.
func SeedShop(ctx context.Context, c *simulate.Client, token string, seed uint64) (*simulate.Shop, error) {
	rng := rand.New(rand.NewPCG(seed, 99))
	api := func(method, path string, body, out any) error { return c.API(ctx, token, method, path, body, out) }
	shop := &simulate.Shop{StoreKeys: map[string]string{}}
	locations := []map[string]any{
		{"code": warehouseMain, "name": "Main warehouse", "kind": "warehouse", "address": address("1 rue du Dépôt", "Lyon", "69007", "FR")},
		{"code": warehouseEast, "name": "East warehouse", "kind": "warehouse", "address": address("Lagerstraße 5", "Leipzig", "04109", "DE")},
	}
	for _, s := range Shops {
		locations = append(locations, map[string]any{"code": s.Code, "name": s.Name, "kind": "shop", "pickup_enabled": true,
			"address": address("12 Grand Rue", s.City, "10000", s.Country), "opening_hours": openingHours()})
		shop.PickupShops = append(shop.PickupShops, s.Code)
	}
	for _, l := range locations {
		if err := api(http.MethodPost, "/api/v1/locations", l, nil); err != nil {
			return nil, fmt.Errorf("seed location %s: %w", l["code"], err)
		}
	}
	for i, colour := range colours {
		for k, kind := range productKinds {
			n := i*len(productKinds) + k
			var variants []map[string]any
			for _, size := range kind.sizes {
				sku := fmt.Sprintf("P%03d-%s", n, sanitize(size))
				variants = append(variants, map[string]any{"sku": sku, "options": []string{size}, "price": kind.price, "currency": "EUR"})
				shop.Products = append(shop.Products, simulate.Product{ID: fmt.Sprint(n), SKU: sku,
					Name: kind.name + " " + colour + " " + size, Price: kind.price, Currency: "EUR"})
			}
			p := map[string]any{"title": kind.name + " — " + colour, "vendor": "Omni Outdoor", "type": kind.name,
				"options": []string{"Size"}, "variants": variants,
				"images": []map[string]string{{"url": fmt.Sprintf("https://images.example.com/%d.jpg", n)}}}
			if err := api(http.MethodPost, "/api/v1/products", p, nil); err != nil {
				return nil, fmt.Errorf("seed product %d: %w", n, err)
			}
		}
	}
	for _, p := range shop.Products {
		stock := []struct {
			loc string
			n   int64
		}{{warehouseMain, 40 + rng.Int64N(60)}, {warehouseEast, rng.Int64N(30)}}
		for _, s := range Shops {
			stock = append(stock, struct {
				loc string
				n   int64
			}{s.Code, 5 + rng.Int64N(20)})
		}
		for _, s := range stock {
			if err := api(http.MethodPost, "/api/v1/inventory", map[string]any{"sku": p.SKU, "location": s.loc, "on_hand": s.n}, nil); err != nil {
				return nil, fmt.Errorf("seed stock of %s: %w", p.SKU, err)
			}
		}
	}
	promotions := []map[string]any{
		{"id": "autumn10", "name": "Autumn sale: 10% off", "code": "AUTUMN10", "kind": "percent_off", "percent": 1000,
			"target": map[string]string{"type": "order"}, "combinable": true},
		{"id": "ship50", "name": "Free shipping over 50 EUR", "kind": "free_shipping", "target": map[string]string{"type": "order"},
			"conditions": map[string]any{"min_subtotal": map[string]any{"minor": 5000, "currency": "EUR"}}, "combinable": true},
		{"id": "welcome5", "name": "Welcome: 5 EUR off the first order", "code": "WELCOME5", "kind": "amount_off",
			"amount": map[string]any{"minor": 500, "currency": "EUR"}, "target": map[string]string{"type": "order"},
			"conditions": map[string]any{"first_order_only": true, "usage_limit_per_customer": 1}, "combinable": true},
	}
	for _, p := range promotions {
		if err := api(http.MethodPost, "/api/v1/promotions", p, nil); err != nil {
			return nil, fmt.Errorf("seed promotion %s: %w", p["id"], err)
		}
	}
	for _, seg := range Segments {
		if err := api(http.MethodPost, "/api/v1/segments", seg, nil); err != nil {
			return nil, fmt.Errorf("seed segment %s: %w", seg["name"], err)
		}
	}
	// Customers who leave a cart hear from the shop two minutes later, on
	// the channel they consented to: short enough to watch it happen.
	reminder := map[string]any{"name": "Cart reminder", "kind": "abandoned_cart", "enabled": true, "wait_seconds": 120}
	if err := api(http.MethodPost, "/api/v1/journeys", reminder, nil); err != nil {
		return nil, fmt.Errorf("seed journey: %w", err)
	}
	for _, ch := range []string{"web", "app"} {
		var key struct {
			Key string `json:"publishable_key"`
		}
		if err := api(http.MethodPost, "/api/v1/storefront-keys", map[string]string{"name": "Demo " + ch, "channel": ch}, &key); err != nil {
			return nil, fmt.Errorf("seed storefront key: %w", err)
		}
		shop.StoreKeys[ch] = key.Key
	}
	return shop, nil
}

// Segments are the demo's saved segments, as the REST API takes them; they
// fill up as the simulated customers move between channels.
var Segments = []map[string]any{
	{"name": "Omnichannel customers", "description": "Seen on two channels or more",
		"conditions": []map[string]any{{"field": "channel_count", "op": "gte", "value": 2}}},
	{"name": "Cart abandoners last 7 days", "description": "An open cart with items, changed in the last 7 days",
		"conditions": []map[string]any{{"field": "open_cart", "op": "exists", "days": 7}}},
	{"name": "Messenger subscribers", "description": "Wrote to the page on Messenger, or opted in to it", "match": "any",
		"conditions": []map[string]any{{"field": "channel", "op": "is", "value": "messenger"},
			{"field": "consent", "op": "granted", "channel": "messenger"}}},
	{"name": "VIP: spent ≥ 500", "description": "Paid orders worth 500 EUR or more, refunds deducted",
		"conditions": []map[string]any{{"field": "total_spent", "op": "gte", "value": "500 EUR"}}},
}

func sanitize(s string) string {
	out := []rune{}
	for _, r := range s {
		if r != ' ' {
			out = append(out, r)
		}
	}
	return string(out)
}

// The demo's campaign and the segment it goes to.
const (
	campaignName    = "Autumn newsletter"
	campaignSegment = "Omnichannel customers"
)

// SeedCampaign sends the demo's email campaign to its segment once the
// simulated customers exist: those who consented to marketing email get
// it, with the autumn code in their wallet and a link back to the
// storefront; the others are counted as skipped.
func SeedCampaign(ctx context.Context, c *simulate.Client, token, shopURL string) error {
	api := func(method, path string, body, out any) error { return c.API(ctx, token, method, path, body, out) }
	var segs struct {
		Segments []struct{ ID, Name string }
	}
	if err := api(http.MethodGet, "/api/v1/segments", nil, &segs); err != nil {
		return err
	}
	segmentID := ""
	for _, s := range segs.Segments {
		if s.Name == campaignSegment {
			segmentID = s.ID
		}
	}
	var created struct{ ID string }
	body := map[string]any{"name": campaignName, "channel": "email", "segment_id": segmentID,
		"subject": "{{first_name|Hello}}, autumn is here", "promotion_code": "AUTUMN10", "link": shopURL,
		"body": "Hi {{first_name|there}},\n\nthe new season is in, in the shop and online. Use {{code}} for 10% off, on any channel: {{link}}"}
	if err := api(http.MethodPost, "/api/v1/campaigns", body, &created); err != nil {
		return fmt.Errorf("create campaign: %w", err)
	}
	if err := api(http.MethodPost, "/api/v1/campaigns/"+created.ID+"/send", nil, nil); err != nil {
		return fmt.Errorf("send campaign: %w", err)
	}
	return nil
}
