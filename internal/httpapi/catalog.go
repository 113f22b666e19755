package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/store"
)

// Catalog is what the catalog routes need from the catalog service.
type Catalog interface {
	CreateProduct(ctx context.Context, in catalog.ProductInput) (catalog.Product, error)
	UpdateProduct(ctx context.Context, id string, in catalog.ProductInput) (catalog.Product, error)
	ArchiveProduct(ctx context.Context, id string) error
	Product(ctx context.Context, id string) (catalog.Product, error)
	ListProducts(ctx context.Context, o catalog.ListOptions) ([]catalog.Product, error)
	CreateCollection(ctx context.Context, in catalog.CollectionInput) (catalog.Collection, error)
	UpdateCollection(ctx context.Context, id string, in catalog.CollectionInput) (catalog.Collection, error)
	Collection(ctx context.Context, id string) (catalog.Collection, error)
	ListCollections(ctx context.Context) ([]catalog.Collection, error)
	ResolveVariant(ctx context.Context, q store.Querier, ref catalog.VariantRef) (string, error)
}

// Inventory is what the location and stock routes need.
type Inventory interface {
	CreateLocation(ctx context.Context, in inventory.LocationInput) (inventory.Location, error)
	UpdateLocation(ctx context.Context, id string, in inventory.LocationInput) (inventory.Location, error)
	Location(ctx context.Context, idOrCode string) (inventory.Location, error)
	ListLocations(ctx context.Context, pickupOnly bool) ([]inventory.Location, error)
	SetStock(ctx context.Context, variantID, locationID string, onHand int64) (inventory.Level, error)
	AdjustStock(ctx context.Context, variantID, locationID string, delta int64, reason string) (inventory.Level, error)
	Levels(ctx context.Context, variantIDs []string, locationID string) ([]inventory.Level, error)
}

// ProductPage is a page of products.
type ProductPage struct {
	Products []catalog.Product `json:"products"`
	Next     string            `json:"next,omitempty"` // pass as after for the next page
}

// StockChange sets (on_hand) or adjusts (delta) a variant's stock at a
// location. The variant is named by variant_id, sku or barcode.
type StockChange struct {
	catalog.VariantRef
	Location string `json:"location"` // id or code
	OnHand   *int64 `json:"on_hand,omitempty"`
	Delta    *int64 `json:"delta,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// CatalogRoutes are the product, collection, location and inventory routes.
func CatalogRoutes(cat Catalog, inv Inventory) []Route {
	routes := []Route{
		{Method: "GET", Path: "/api/v1/products", Summary: "List products", Tag: "catalog", Scopes: ReadScopes,
			Response: ProductPage{}, Params: []Param{{Name: "channel", In: "query", Description: "only products sold on this channel"},
				{Name: "status", In: "query"}, {Name: "collection", In: "query"}, {Name: "query", In: "query", Description: "title contains"},
				{Name: "after", In: "query"}, {Name: "limit", In: "query"}},
			Handle: JSON(func(r *http.Request) (ProductPage, error) { return listProducts(r, cat) })},
		{Method: "POST", Path: "/api/v1/products", Summary: "Create a product with its variants", Tag: "catalog",
			Request: catalog.ProductInput{}, Response: catalog.Product{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in catalog.ProductInput) (catalog.Product, error) {
				return cat.CreateProduct(r.Context(), in)
			})},
		{Method: "GET", Path: "/api/v1/products/{id}", Summary: "A product", Tag: "catalog", Scopes: ReadScopes, Response: catalog.Product{},
			Handle: JSON(func(r *http.Request) (catalog.Product, error) { return cat.Product(r.Context(), r.PathValue("id")) })},
		{Method: "PUT", Path: "/api/v1/products/{id}", Summary: "Replace a product (variants matched by id, then SKU)", Tag: "catalog",
			Request: catalog.ProductInput{}, Response: catalog.Product{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in catalog.ProductInput) (catalog.Product, error) {
				return cat.UpdateProduct(r.Context(), r.PathValue("id"), in)
			})},
		{Method: "DELETE", Path: "/api/v1/products/{id}", Summary: "Archive a product (orders keep their copy)", Tag: "catalog",
			Status: http.StatusNoContent, Handle: func(w http.ResponseWriter, r *http.Request) error {
				if err := cat.ArchiveProduct(r.Context(), r.PathValue("id")); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/api/v1/collections", Summary: "List collections", Tag: "catalog", Scopes: ReadScopes,
			Response: []catalog.Collection{},
			Handle:   JSON(func(r *http.Request) ([]catalog.Collection, error) { return cat.ListCollections(r.Context()) })},
		{Method: "POST", Path: "/api/v1/collections", Summary: "Create a collection", Tag: "catalog",
			Request: catalog.CollectionInput{}, Response: catalog.Collection{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in catalog.CollectionInput) (catalog.Collection, error) {
				return cat.CreateCollection(r.Context(), in)
			})},
		{Method: "GET", Path: "/api/v1/collections/{id}", Summary: "A collection and its products", Tag: "catalog", Scopes: ReadScopes,
			Response: catalog.Collection{},
			Handle: JSON(func(r *http.Request) (catalog.Collection, error) {
				return cat.Collection(r.Context(), r.PathValue("id"))
			})},
		{Method: "PUT", Path: "/api/v1/collections/{id}", Summary: "Replace a collection and its products", Tag: "catalog",
			Request: catalog.CollectionInput{}, Response: catalog.Collection{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in catalog.CollectionInput) (catalog.Collection, error) {
				return cat.UpdateCollection(r.Context(), r.PathValue("id"), in)
			})},
	}
	return append(routes, inventoryRoutes(cat, inv)...)
}

func listProducts(r *http.Request, cat Catalog) (ProductPage, error) {
	q := r.URL.Query()
	limit, err := intParam(r, "limit")
	if err != nil {
		return ProductPage{}, err
	}
	list, err := cat.ListProducts(r.Context(), catalog.ListOptions{Channel: q.Get("channel"), Status: q.Get("status"),
		Collection: q.Get("collection"), Query: q.Get("query"), After: q.Get("after"), Limit: limit})
	if err != nil {
		return ProductPage{}, err
	}
	page := ProductPage{Products: list}
	if limit <= 0 {
		limit = 50
	}
	if n := len(list); n > 0 && n == min(limit, 200) {
		page.Next = list[n-1].ID
	}
	return page, nil
}

func inventoryRoutes(cat Catalog, inv Inventory) []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/locations", Summary: "List warehouses and shops", Tag: "inventory", Scopes: ReadScopes,
			Response: []inventory.Location{}, Params: []Param{{Name: "pickup", In: "query", Description: "true: only shops offering pickup"}},
			Handle: JSON(func(r *http.Request) ([]inventory.Location, error) {
				return inv.ListLocations(r.Context(), r.URL.Query().Get("pickup") == "true")
			})},
		{Method: "POST", Path: "/api/v1/locations", Summary: "Create a warehouse or shop", Tag: "inventory",
			Request: inventory.LocationInput{}, Response: inventory.Location{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in inventory.LocationInput) (inventory.Location, error) {
				return inv.CreateLocation(r.Context(), in)
			})},
		{Method: "GET", Path: "/api/v1/locations/{id}", Summary: "A location, by id or code", Tag: "inventory", Scopes: ReadScopes,
			Response: inventory.Location{},
			Handle:   JSON(func(r *http.Request) (inventory.Location, error) { return inv.Location(r.Context(), r.PathValue("id")) })},
		{Method: "PUT", Path: "/api/v1/locations/{id}", Summary: "Replace a location", Tag: "inventory",
			Request: inventory.LocationInput{}, Response: inventory.Location{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in inventory.LocationInput) (inventory.Location, error) {
				return inv.UpdateLocation(r.Context(), r.PathValue("id"), in)
			})},
		{Method: "GET", Path: "/api/v1/inventory", Summary: "Stock levels (on hand, reserved, available)", Tag: "inventory",
			Scopes: ReadScopes, Response: []inventory.Level{},
			Params: []Param{{Name: "sku", In: "query"}, {Name: "variant_id", In: "query"}, {Name: "location", In: "query", Description: "id or code"}},
			Handle: JSON(func(r *http.Request) ([]inventory.Level, error) {
				q := r.URL.Query()
				var variants []string
				if q.Get("sku") != "" || q.Get("variant_id") != "" {
					vid, err := cat.ResolveVariant(r.Context(), nil, catalog.VariantRef{SKU: q.Get("sku"), VariantID: q.Get("variant_id")})
					if err != nil {
						return nil, err
					}
					variants = []string{vid}
				}
				locID := ""
				if q.Get("location") != "" {
					loc, err := inv.Location(r.Context(), q.Get("location"))
					if err != nil {
						return nil, err
					}
					locID = loc.ID
				}
				return inv.Levels(r.Context(), variants, locID)
			})},
		{Method: "POST", Path: "/api/v1/inventory", Summary: "Set (on_hand) or adjust (delta) the stock of a variant at a location",
			Tag: "inventory", MaxBody: 4 << 10, Request: StockChange{}, Response: inventory.Level{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in StockChange) (inventory.Level, error) {
				vid, err := cat.ResolveVariant(r.Context(), nil, in.VariantRef)
				if err != nil {
					return inventory.Level{}, err
				}
				loc, err := inv.Location(r.Context(), in.Location)
				if apperr.CodeOf(err) == apperr.NotFound {
					return inventory.Level{}, apperr.InvalidField("location", "unknown location %q", in.Location)
				}
				if err != nil {
					return inventory.Level{}, err
				}
				switch {
				case in.OnHand != nil && in.Delta == nil:
					return inv.SetStock(r.Context(), vid, loc.ID, *in.OnHand)
				case in.Delta != nil && in.OnHand == nil:
					return inv.AdjustStock(r.Context(), vid, loc.ID, *in.Delta, in.Reason)
				}
				return inventory.Level{}, apperr.InvalidField("on_hand", "give either on_hand or delta")
			})},
	}
}
