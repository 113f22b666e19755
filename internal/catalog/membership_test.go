package catalog_test

import (
	"context"
	"slices"
	"testing"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/store"
	"github.com/omni-hq/omni/internal/store/storetest"
)

// TestProductCollections puts a product in collections from its own input:
// it joins at the end, nil leaves its collections alone, an unknown one
// changes nothing.
func TestProductCollections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := catalog.NewService(db)
		lamp, err := svc.CreateProduct(ctx, catalog.ProductInput{Title: "Lamp", Variants: []catalog.VariantInput{{SKU: "LAMP", Price: 8000, Currency: "EUR"}}})
		if err != nil {
			t.Fatal(err)
		}
		summer, err := svc.CreateCollection(ctx, catalog.CollectionInput{Title: "Summer", ProductIDs: []string{lamp.ID}})
		if err != nil {
			t.Fatal(err)
		}
		sale, err := svc.CreateCollection(ctx, catalog.CollectionInput{Title: "Sale"})
		if err != nil {
			t.Fatal(err)
		}
		in := shirt()
		in.Collections = []string{summer.ID, " " + summer.ID}
		p, err := svc.CreateProduct(ctx, in)
		if err != nil {
			t.Fatal(err)
		}

		steps := []struct {
			name        string
			collections []string
			wantErr     apperr.Code
			want        []string // the shirt's collections after the step
			summer      []string // the Summer collection's products, in order
		}{
			{"created in Summer", nil, "", []string{summer.ID}, []string{lamp.ID, p.ID}},
			{"nil leaves them", nil, "", []string{summer.ID}, []string{lamp.ID, p.ID}},
			{"moved to Sale", []string{sale.ID}, "", []string{sale.ID}, []string{lamp.ID}},
			{"unknown collection", []string{summer.ID, "col_nope"}, apperr.Invalid, []string{sale.ID}, []string{lamp.ID}},
			{"in both", []string{sale.ID, summer.ID}, "", sortedIDs(sale.ID, summer.ID), []string{lamp.ID, p.ID}},
			{"in none", []string{}, "", []string{}, []string{lamp.ID}},
		}
		for i, st := range steps {
			if i > 0 {
				in := shirt()
				in.Title = st.name
				in.Collections = st.collections
				_, err := svc.UpdateProduct(ctx, p.ID, in)
				if (err != nil || st.wantErr != "") && apperr.CodeOf(err) != st.wantErr {
					t.Fatalf("%s: err %v, want %q", st.name, err, st.wantErr)
				}
				if e, ok := apperr.As(err); ok && e.Field != "collections[1]" {
					t.Errorf("%s: field %q, want collections[1]", st.name, e.Field)
				}
			}
			got, err := svc.Product(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Collections, st.want) {
				t.Errorf("%s: in %v, want %v", st.name, got.Collections, st.want)
			}
			if st.wantErr != "" && got.Title == st.name {
				t.Errorf("%s: the refused update was written", st.name)
			}
			c, err := svc.Collection(ctx, summer.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.ProductIDs, st.summer) {
				t.Errorf("%s: Summer holds %v, want %v", st.name, c.ProductIDs, st.summer)
			}
		}
	})
}

func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}
