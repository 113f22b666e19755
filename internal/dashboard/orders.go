package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/order"
)

// Orders is what the Orders page and the customer panels need from the
// order service.
type Orders interface {
	List(ctx context.Context, o order.ListOptions) ([]order.Order, error)
	WaitingPickups(ctx context.Context, locationID string, limit int) ([]order.Order, error)
	MarkReady(ctx context.Context, id, channel string) (order.Order, error)
	Pickup(ctx context.Context, id string, req order.PickupRequest) (order.Order, error)
}

// Locations names the shops on the Orders page.
type Locations interface {
	ListLocations(ctx context.Context, pickupOnly bool) ([]inventory.Location, error)
}

// ordersPage is how many orders the list shows at once.
const ordersPage = 50

// orderStatuses are the statuses the list filters on.
var orderStatuses = []string{order.PendingPayment, order.Paid, order.ReadyForPickup, order.Shipped,
	order.PickedUp, order.Cancelled, order.Refunded}

// payAtPickup are the ways a clerk takes payment at the counter.
var payAtPickup = []string{"cash", "card_terminal"}

func (h *Handler) mountOrders(mux *http.ServeMux, s section) {
	mux.Handle("GET /orders", h.guard(s.roles, h.orders))
	mux.Handle("POST /orders/{id}/ready", h.guard(s.roles, h.markReady))
	mux.Handle("POST /orders/{id}/pickup", h.guard(s.roles, h.pickedUp))
}

type ordersView struct {
	Status   string
	Statuses []string
	Orders   []order.Order
	Next     string
	Shops    []shopPickups
	PayWith  []string
	Done     string // the order just moved on
}

// shopPickups are the pickup orders of one shop: to prepare and ready.
type shopPickups struct {
	ID, Name         string
	ToPrepare, Ready []order.Order
}

func (h *Handler) orders(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx, q := r.Context(), r.URL.Query()
	v := ordersView{Status: q.Get("status"), Statuses: orderStatuses, PayWith: payAtPickup, Done: q.Get("done")}
	if v.Status != "" && !slices.Contains(orderStatuses, v.Status) {
		return errInvalid("status", "unknown order status "+v.Status)
	}
	list, err := h.d.Orders.List(ctx, order.ListOptions{Status: v.Status, Before: q.Get("before"), Limit: ordersPage})
	if err != nil {
		return err
	}
	v.Orders = list
	if len(list) == ordersPage {
		v.Next = "/orders?" + url.Values{"status": {v.Status}, "before": {list[len(list)-1].ID}}.Encode()
	}
	if v.Shops, err = h.pickups(ctx); err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "orders", h.withSession(view{Title: "Orders", Active: "orders", Data: v}, req))
	return nil
}

// pickups groups the pickup orders waiting at each shop, with their lines
// (read together, in two statements): paid (or to be paid at the counter)
// ones to prepare, and ready ones.
func (h *Handler) pickups(ctx context.Context) ([]shopPickups, error) {
	waiting, err := h.d.Orders.WaitingPickups(ctx, "", order.MaxWaitingPickups)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	if h.d.Locations != nil && len(waiting) > 0 {
		locs, err := h.d.Locations.ListLocations(ctx, false)
		if err != nil {
			return nil, err
		}
		for _, l := range locs {
			names[l.ID] = l.Name
		}
	}
	var shops []shopPickups
	at := map[string]int{}
	for _, o := range waiting {
		i, ok := at[o.LocationID]
		if !ok {
			i = len(shops)
			at[o.LocationID] = i
			shops = append(shops, shopPickups{ID: o.LocationID, Name: first(names[o.LocationID], o.LocationID)})
		}
		if o.Status == order.ReadyForPickup {
			shops[i].Ready = append(shops[i].Ready, o)
		} else {
			shops[i].ToPrepare = append(shops[i].ToPrepare, o)
		}
	}
	return shops, nil
}

// markReady tells the customer their pickup order waits at the shop.
func (h *Handler) markReady(w http.ResponseWriter, r *http.Request, req *request) error {
	o, err := h.d.Orders.MarkReady(r.Context(), r.PathValue("id"), "pos")
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/orders?done="+url.QueryEscape(o.ID)+"#pickups", http.StatusSeeOther)
	return nil
}

// pickedUp hands a ready order over at its shop, taking the payment at the
// counter when it is still due.
func (h *Handler) pickedUp(w http.ResponseWriter, r *http.Request, req *request) error {
	pr := order.PickupRequest{Location: r.PostFormValue("location"), Channel: "pos"}
	if m := r.PostFormValue("method"); m != "" {
		if !slices.Contains(payAtPickup, m) {
			return errInvalid("method", "take the payment by cash or card_terminal")
		}
		pr.Payment = &order.PaymentInput{Provider: "manual", Method: m}
	}
	o, err := h.d.Orders.Pickup(r.Context(), r.PathValue("id"), pr)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/orders?done="+url.QueryEscape(o.ID)+"#pickups", http.StatusSeeOther)
	return nil
}
