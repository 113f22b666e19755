package catalog_test

import (
	"context"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// Offers are served from memory between changes; a change made through any
// catalog Service on the same database is seen by the next read.
func TestOffersSeeChangesMadeThroughAnyService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reader, writer := catalog.NewService(db), catalog.NewService(db)
		p, err := writer.CreateProduct(ctx, shirt())
		if err != nil {
			t.Fatal(err)
		}
		vid, err := reader.ResolveVariant(ctx, nil, catalog.VariantRef{SKU: "SHIRT-S"})
		if err != nil || vid != p.Variants[0].ID {
			t.Fatalf("resolve SHIRT-S = %q, %v", vid, err)
		}
		if o, err := reader.Offer(ctx, nil, "web", vid); err != nil || o.Price != 4500 || !o.Sellable {
			t.Fatalf("offer = %+v, %v", o, err)
		}

		in := shirt()
		in.Variants[0].ID, in.Variants[0].Price, in.Variants[0].SKU = vid, 3900, "SHIRT-SMALL"
		in.Variants[1].ID = p.Variants[1].ID
		if _, err := writer.UpdateProduct(ctx, p.ID, in); err != nil {
			t.Fatal(err)
		}
		if o, err := reader.Offer(ctx, nil, "web", vid); err != nil || o.Price != 3900 {
			t.Errorf("offer after a price change = %+v, %v; want 3900", o, err)
		}
		if _, err := reader.ResolveVariant(ctx, nil, catalog.VariantRef{SKU: "SHIRT-S"}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("resolve the old SKU: err %v, want invalid", err)
		}
		if got, err := reader.ResolveVariant(ctx, nil, catalog.VariantRef{SKU: " SHIRT-SMALL "}); err != nil || got != vid {
			t.Errorf("resolve the new SKU = %q, %v; want %s", got, err, vid)
		}

		if err := writer.ArchiveProduct(ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		offers, err := reader.Offers(ctx, nil, "web", []string{vid, p.Variants[1].ID, "var_unknown"})
		if err != nil {
			t.Fatal(err)
		}
		if len(offers) != 2 || offers[vid].Sellable || offers[p.Variants[1].ID].Sellable {
			t.Errorf("offers after archiving = %+v; want two, not sellable", offers)
		}
		col, err := writer.CreateCollection(ctx, catalog.CollectionInput{Title: "Summer", ProductIDs: []string{p.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if o, _ := reader.Offer(ctx, nil, "web", vid); len(o.CollectionIDs) != 1 || o.CollectionIDs[0] != col.ID {
			t.Errorf("collections after adding one = %v, want [%s]", o.CollectionIDs, col.ID)
		}
	})
}
