package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
)

// Catalog is what the Catalog and Inventory pages need from the catalog.
type Catalog interface {
	ListProducts(ctx context.Context, o catalog.ListOptions) ([]catalog.Product, error)
}

// Stock is what the Inventory page needs from the inventory service.
type Stock interface {
	Levels(ctx context.Context, variantIDs []string, locationID string) ([]inventory.Level, error)
}

// productsPage is how many products the Catalog and Inventory pages show.
const productsPage = 50

func (h *Handler) mountCatalog(mux *http.ServeMux, s section) {
	mux.Handle("GET /catalog", h.guard(s.roles, h.catalogPage))
}

func (h *Handler) mountInventory(mux *http.ServeMux, s section) {
	mux.Handle("GET /inventory", h.guard(s.roles, h.inventoryPage))
}

type catalogView struct {
	Query    string
	Products []catalog.Product
	Next     string
}

// catalogPage lists products with their variants and prices, read-only.
func (h *Handler) catalogPage(w http.ResponseWriter, r *http.Request, req *request) error {
	q := r.URL.Query()
	v := catalogView{Query: strings.TrimSpace(q.Get("q"))}
	if len(v.Query) > 200 {
		return errInvalid("q", "search for at most 200 characters")
	}
	list, err := h.d.Catalog.ListProducts(r.Context(), catalog.ListOptions{Query: v.Query, After: q.Get("after"), Limit: productsPage})
	if err != nil {
		return err
	}
	v.Products = list
	if len(list) == productsPage {
		v.Next = "/catalog?" + url.Values{"q": {v.Query}, "after": {list[len(list)-1].ID}}.Encode()
	}
	h.render(w, r, http.StatusOK, "catalog", h.withSession(view{Title: "Catalog", Active: "catalog", Data: v}, req))
	return nil
}

type inventoryView struct {
	Locations []inventory.Location
	Location  string // the location filtered on
	Rows      []stockRow
	Next      string
}

type stockRow struct {
	Product, Variant, SKU, Location string
	inventory.Level
}

// inventoryPage lists the locations and the stock of a page of products at
// each of them, or at the one chosen.
func (h *Handler) inventoryPage(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx, q := r.Context(), r.URL.Query()
	v := inventoryView{Location: q.Get("location")}
	var err error
	if v.Locations, err = h.d.Locations.ListLocations(ctx, false); err != nil {
		return err
	}
	names := map[string]string{}
	for _, l := range v.Locations {
		names[l.ID] = l.Name
	}
	if _, ok := names[v.Location]; v.Location != "" && !ok {
		return errInvalid("location", "unknown location "+v.Location)
	}
	products, err := h.d.Catalog.ListProducts(ctx, catalog.ListOptions{After: q.Get("after"), Limit: productsPage})
	if err != nil {
		return err
	}
	if len(products) == productsPage {
		v.Next = "/inventory?" + url.Values{"location": {v.Location}, "after": {products[len(products)-1].ID}}.Encode()
	}
	variants := map[string]stockRow{}
	var ids []string
	for _, p := range products {
		for _, vr := range p.Variants {
			ids = append(ids, vr.ID)
			variants[vr.ID] = stockRow{Product: p.Title, Variant: vr.Title, SKU: vr.SKU}
		}
	}
	if len(ids) > 0 {
		levels, err := h.d.Stock.Levels(ctx, ids, v.Location)
		if err != nil {
			return err
		}
		for _, l := range levels {
			row := variants[l.VariantID]
			row.Location, row.Level = first(names[l.LocationID], l.LocationID), l
			v.Rows = append(v.Rows, row)
		}
	}
	h.render(w, r, http.StatusOK, "inventory", h.withSession(view{Title: "Inventory", Active: "inventory", Data: v}, req))
	return nil
}
