package catalog_test

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

func shirt() catalog.ProductInput {
	return catalog.ProductInput{
		Title: "Linen Shirt", Vendor: "Acme", Tags: []string{"summer", "linen", "summer"},
		Options: []string{"Size"},
		Variants: []catalog.VariantInput{
			{SKU: "SHIRT-S", Options: []string{"S"}, Price: 4500, Currency: "eur", Barcode: "4006381333931"},
			{SKU: "SHIRT-M", Options: []string{"M"}, Price: 4500, Currency: "EUR", ChannelPrices: map[string]int64{"pos": 3990}},
		},
		Images: []catalog.ImageInput{{URL: "https://cdn.example.com/shirt.jpg", Alt: "front"}},
	}
}

func TestCreateAndReadProduct(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := catalog.NewService(db)
		p, err := svc.CreateProduct(ctx, shirt())
		if err != nil {
			t.Fatal(err)
		}
		if p.Handle != "linen-shirt" || p.Status != "active" || len(p.Variants) != 2 || len(p.Images) != 1 {
			t.Fatalf("product = %+v", p)
		}
		if got := p.Tags; len(got) != 2 || got[0] != "summer" {
			t.Errorf("tags = %v, want de-duplicated [summer linen]", got)
		}
		m := p.Variants[1]
		if m.Title != "M" || m.Currency != "EUR" || m.ChannelPrices["pos"] != 3990 {
			t.Errorf("variant M = %+v", m)
		}
		byHandle, err := svc.ProductByHandle(ctx, "linen-shirt")
		if err != nil || byHandle.ID != p.ID {
			t.Fatalf("by handle: %v %v", byHandle.ID, err)
		}
		if _, err := svc.CreateProduct(ctx, shirt()); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("duplicate handle: err %v, want conflict", err)
		}
	})
}

func TestOffersFollowTheChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := catalog.NewService(db)
		in := shirt()
		in.Channels = []string{"web", "pos"}
		p, err := svc.CreateProduct(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		col, err := svc.CreateCollection(ctx, catalog.CollectionInput{Title: "Summer", ProductIDs: []string{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{p.Variants[0].ID, p.Variants[1].ID, "var_missing"}
		tests := []struct {
			channel  string
			price    int64
			sellable bool
		}{
			{"web", 4500, true},
			{"pos", 3990, true},
			{"app", 4500, false},
		}
		for _, tc := range tests {
			offers, err := svc.Offers(ctx, nil, tc.channel, ids)
			if err != nil {
				t.Fatal(err)
			}
			if len(offers) != 2 {
				t.Fatalf("%s: %d offers, want 2 (missing variant left out)", tc.channel, len(offers))
			}
			o := offers[p.Variants[1].ID]
			if o.Price != tc.price || o.Sellable != tc.sellable || o.SKU != "SHIRT-M" || o.ImageURL == "" {
				t.Errorf("%s: offer %+v, want price %d sellable %v", tc.channel, o, tc.price, tc.sellable)
			}
			if len(o.CollectionIDs) != 1 || o.CollectionIDs[0] != col.ID {
				t.Errorf("%s: collections %v, want [%s]", tc.channel, o.CollectionIDs, col.ID)
			}
		}
		list, err := svc.ListProducts(ctx, catalog.ListOptions{Channel: "app"})
		if err != nil || len(list) != 0 {
			t.Errorf("app listing = %d products (err %v), want 0", len(list), err)
		}
		list, err = svc.ListProducts(ctx, catalog.ListOptions{Channel: "web", Query: "LINEN"})
		if err != nil || len(list) != 1 {
			t.Errorf("web listing = %d products (err %v), want 1", len(list), err)
		}
	})
}

func TestUpdateKeepsVariantIDsBySKU(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := catalog.NewService(db)
		p, err := svc.CreateProduct(ctx, shirt())
		if err != nil {
			t.Fatal(err)
		}
		in := shirt()
		in.Variants = []catalog.VariantInput{
			{SKU: "SHIRT-M", Options: []string{"M"}, Price: 4900, Currency: "EUR"},
			{SKU: "SHIRT-L", Options: []string{"L"}, Price: 4900, Currency: "EUR"},
		}
		up, created, err := svc.UpsertProduct(ctx, in)
		if err != nil || created {
			t.Fatalf("upsert: created %v err %v", created, err)
		}
		if len(up.Variants) != 2 || up.Variants[0].ID != p.Variants[1].ID || up.Variants[0].Price != 4900 {
			t.Fatalf("variants after update = %+v", up.Variants)
		}
		if len(up.Variants[0].ChannelPrices) != 0 {
			t.Errorf("channel prices not replaced: %v", up.Variants[0].ChannelPrices)
		}
		if _, err := svc.ResolveVariant(ctx, nil, catalog.VariantRef{SKU: "SHIRT-S"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("removed SKU still resolves: %v", err)
		}
	})
}

func TestInvalidProductInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc := catalog.NewService(db)
		tests := []struct {
			name  string
			edit  func(*catalog.ProductInput)
			field string
		}{
			{"no title", func(p *catalog.ProductInput) { p.Title = " " }, "title"},
			{"bad handle", func(p *catalog.ProductInput) { p.Handle = "Bad Handle" }, "handle"},
			{"no variants", func(p *catalog.ProductInput) { p.Variants = nil }, "variants"},
			{"negative price", func(p *catalog.ProductInput) { p.Variants[0].Price = -1 }, "variants[0].price"},
			{"absurd price", func(p *catalog.ProductInput) { p.Variants[0].Price = 1 << 60 }, "variants[0].price"},
			{"bad currency", func(p *catalog.ProductInput) { p.Variants[0].Currency = "XYZ" }, "variants[0].currency"},
			{"mixed currency", func(p *catalog.ProductInput) { p.Variants[1].Currency = "USD" }, "variants[1].currency"},
			{"duplicate sku", func(p *catalog.ProductInput) { p.Variants[1].SKU = "SHIRT-S" }, "variants[1].sku"},
			{"bad sku", func(p *catalog.ProductInput) { p.Variants[0].SKU = "a&b" }, "variants[0].sku"},
			{"unknown channel", func(p *catalog.ProductInput) { p.Channels = []string{"fax"} }, "channels"},
			{"bad image", func(p *catalog.ProductInput) { p.Images[0].URL = "javascript:alert(1)" }, "images[0].url"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := shirt()
				tc.edit(&in)
				_, err := svc.CreateProduct(context.Background(), in)
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.Invalid || e.Field != tc.field {
					t.Fatalf("err = %v, want invalid %s", err, tc.field)
				}
			})
		}
	})
}
