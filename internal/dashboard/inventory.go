package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/inventory"
)

// Stock is what the Inventory section needs from the inventory service:
// stock levels to read and set, and the locations' records.
type Stock interface {
	Levels(ctx context.Context, variantIDs []string, locationID string) ([]inventory.Level, error)
	SetStock(ctx context.Context, variantID, locationID string, onHand int64) (inventory.Level, error)
	Location(ctx context.Context, idOrCode string) (inventory.Location, error)
	CreateLocation(ctx context.Context, in inventory.LocationInput) (inventory.Location, error)
	UpdateLocation(ctx context.Context, id string, in inventory.LocationInput) (inventory.Location, error)
}

func (h *Handler) mountInventory(mux *http.ServeMux, s section) {
	mux.Handle("GET /inventory", h.guard(s.roles, h.inventoryPage))
	mux.Handle("POST /inventory/stock", h.guard(s.roles, h.setStock))
	mux.Handle("GET /inventory/locations/new", h.guard(s.roles, h.newLocation))
	mux.Handle("POST /inventory/locations", h.guard(s.roles, h.saveLocation))
	mux.Handle("GET /inventory/locations/{id}", h.guard(s.roles, h.editLocation))
	mux.Handle("POST /inventory/locations/{id}", h.guard(s.roles, h.saveLocation))
}

type inventoryView struct {
	Locations []inventory.Location
	Location  string // the location filtered on
	After     string // the products page shown
	Rows      []stockRow
	Next      string
	Set       string // the level just set: variant id@location id
	Error     string
	CSRF      string
}

// stockRow is a variant's stock at one location; a row without a level yet
// (Recorded false) offers to set one.
type stockRow struct {
	Product, Variant, SKU, Location string
	Recorded                        bool
	inventory.Level
}

func (h *Handler) inventoryPage(w http.ResponseWriter, r *http.Request, req *request) error {
	q := r.URL.Query()
	v := inventoryView{Location: q.Get("location"), After: q.Get("after"), Set: q.Get("set")}
	return h.renderInventory(w, r, req, http.StatusOK, v)
}

// renderInventory lists the locations and the stock of a page of products
// at each of them or, at the one chosen, of every variant of the page, each
// with a form to set its units on hand.
func (h *Handler) renderInventory(w http.ResponseWriter, r *http.Request, req *request, status int, v inventoryView) error {
	ctx := r.Context()
	v.CSRF = req.csrf
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
	products, err := h.d.Catalog.ListProducts(ctx, catalog.ListOptions{After: v.After, Limit: productsPage})
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
			variants[vr.ID] = stockRow{Product: p.Title, Variant: vr.Title, SKU: vr.SKU,
				Level: inventory.Level{VariantID: vr.ID, LocationID: v.Location}}
		}
	}
	if len(ids) > 0 {
		levels, err := h.d.Stock.Levels(ctx, ids, v.Location)
		if err != nil {
			return err
		}
		for _, l := range levels {
			row := variants[l.VariantID]
			row.Location, row.Level, row.Recorded = first(names[l.LocationID], l.LocationID), l, true
			variants[l.VariantID] = row
			v.Rows = append(v.Rows, row)
		}
	}
	if v.Location != "" { // every variant of the page, in catalog order
		v.Rows = v.Rows[:0]
		for _, id := range ids {
			row := variants[id]
			row.Location = names[v.Location]
			v.Rows = append(v.Rows, row)
		}
	}
	h.render(w, r, status, "inventory", h.withSession(view{Title: "Inventory", Active: "inventory", Data: v}, req))
	return nil
}

// setStock sets the units on hand of a variant at a location and shows the
// page it was set from again; a bad count is named there.
func (h *Handler) setStock(w http.ResponseWriter, r *http.Request, req *request) error {
	_ = r.ParseForm()
	p := r.PostForm
	v := inventoryView{Location: p.Get("location"), After: p.Get("after")}
	variant, at := p.Get("variant_id"), p.Get("location_id")
	n, err := strconv.ParseInt(strings.TrimSpace(p.Get("on_hand")), 10, 64)
	if err != nil {
		err = errInvalid("on_hand", "give a whole number of units")
	} else {
		_, err = h.d.Stock.SetStock(r.Context(), variant, at, n)
	}
	if apperr.CodeOf(err) == apperr.Unprocessable {
		err = errInvalid("on_hand", "units reserved for orders there are still on hand; set at least as many")
	}
	if msg, bad := formProblem(err); bad {
		v.Error = "SKU " + p.Get("sku") + ": " + msg
		return h.renderInventory(w, r, req, http.StatusBadRequest, v)
	}
	if err != nil {
		return err
	}
	back := url.Values{"set": {variant + "@" + at}}
	for k, val := range map[string]string{"location": v.Location, "after": v.After} {
		if val != "" {
			back.Set(k, val)
		}
	}
	http.Redirect(w, r, "/inventory?"+back.Encode()+"#stock-"+variant+"-"+at, http.StatusSeeOther)
	return nil
}
