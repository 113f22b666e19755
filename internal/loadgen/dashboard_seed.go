package loadgen

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omni-hq/omni/internal/app"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/seed"
	"github.com/omni-hq/omni/internal/segment"
)

// DashboardShop is the size of the shop the dashboard scenario builds on an
// in-process node.
type DashboardShop struct {
	Customers         int // profiles with a timeline (internal/seed); default 10,000
	EventsPerCustomer int // average timeline events each, over 90 days; default 20
	Orders            int // orders placed over the API, a tenth of them pickups to prepare; default 300
	Conversations     int // open inbox conversations; default 200
	Promotions        int // active promotions, as in the cart scenario; default 1,000
}

func (s DashboardShop) withDefaults() DashboardShop {
	if s.Customers <= 0 {
		s.Customers = 10_000
	}
	if s.EventsPerCustomer <= 0 {
		s.EventsPerCustomer = 20
	}
	if s.Orders < 0 {
		s.Orders = 0
	} else if s.Orders == 0 {
		s.Orders = 300
	}
	if s.Conversations <= 0 {
		s.Conversations = 200
	}
	if s.Promotions <= 0 {
		s.Promotions = 1000
	}
	return s
}

// seedHistory writes, before the node serves, what the Overview counts:
// customers and their 90 days of timeline, and the shop of the cart
// scenario (50 products and its promotions) with a pickup shop stocked too.
func seedHistory(ctx context.Context, a *app.App, shop DashboardShop, progress io.Writer) error {
	start := time.Now()
	st, err := seed.Run(ctx, a.DB(), seed.Options{Customers: shop.Customers, EventsPerCustomer: shop.EventsPerCustomer, Seed: 1})
	if err != nil {
		return fmt.Errorf("seed customers: %w", err)
	}
	cs, err := seedShop(ctx, a.DB(), a.Identity(), 0, shop.Promotions)
	if err != nil {
		return fmt.Errorf("seed the shop: %w", err)
	}
	inv := inventory.NewService(a.DB())
	loc, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "shop", Name: "Paris shop", Kind: inventory.Shop,
		PickupEnabled: true, Address: inventory.Address{Line1: "1 rue de Rivoli", City: "Paris", PostalCode: "75001", Country: "FR"}})
	if err != nil {
		return err
	}
	for _, variant := range cs.Variants {
		if _, err := inv.SetStock(ctx, variant, loc.ID, inventory.MaxOnHand); err != nil {
			return err
		}
	}
	segs, err := DashboardSegments()
	if err != nil {
		return err
	}
	for _, in := range segs {
		if _, err := a.Segments().Create(ctx, in); err != nil {
			return fmt.Errorf("create segment %q: %w", in.Name, err)
		}
	}
	logf(progress, "seeded %d customers, %d events, 50 products, %d promotions, %d segments in %s\n",
		st.Customers, st.Events, shop.Promotions, len(segs), time.Since(start).Round(100*time.Millisecond))
	return nil
}

//go:embed dashboard_segments.json
var dashboardSegments []byte

// DashboardSegments are the segments the dashboard scenario's shop has, one
// of each kind of cost: a condition on the customer row, a window of last
// seen, an event in a window, and the three together with an event not done.
// The same file, posted to /api/v1/segments one by one, gives a running
// node the same segments.
func DashboardSegments() ([]segment.Input, error) {
	var out []segment.Input
	if err := json.Unmarshal(dashboardSegments, &out); err != nil {
		return nil, fmt.Errorf("read the dashboard scenario's segments: %w", err)
	}
	return out, nil
}

// seedActivity places orders over the API and opens inbox conversations on
// a serving node: today's business, as the Orders and Inbox pages show it.
func seedActivity(ctx context.Context, srv *server, shop DashboardShop, progress io.Writer) error {
	start := time.Now()
	_, token, err := auth.NewService(srv.db).CreateToken(ctx, "bench dashboard seed", auth.ScopeAdmin)
	if err != nil {
		return err
	}
	r := newRunner(IngestConfig{Load: Load{Concurrency: seedWorkers}})
	err = inParallel(shop.Orders, func(i int) error {
		cid := fmt.Sprintf("cus_seed_%d", (i*7919)%shop.Customers)
		if err := placeOrder(ctx, r, srv.url, token, cid, fmt.Sprintf("SKU-%03d", i%50), i%10 == 0); err != nil {
			return fmt.Errorf("order %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = inParallel(shop.Conversations, func(i int) error {
		email, _ := identity.New(identity.Email, fmt.Sprintf("customer%d@example.com", (i*104729)%shop.Customers))
		_, err := srv.app.Inbox().Receive(ctx, inbox.Inbound{Channel: inbox.ChannelEmail, Identifiers: []identity.Identifier{email},
			Address: email.Value, ExternalID: fmt.Sprintf("<bench-%d@example.com>", i), Subject: fmt.Sprintf("Question about order %d", i),
			Body: messages[i%len(messages)]})
		if err != nil {
			return fmt.Errorf("conversation %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	logf(progress, "placed %d orders and opened %d conversations in %s\n",
		shop.Orders, shop.Conversations, time.Since(start).Round(100*time.Millisecond))
	return nil
}

// placeOrder sells one item to a customer at the counter, or, for a pickup,
// fills the customer's web cart and checks it out for pickup at the shop.
func placeOrder(ctx context.Context, r *runner, base, token, customerID, sku string, pickup bool) error {
	if !pickup {
		return postStatus(ctx, r, base+"/api/v1/pos/sales", token, 201, `{"location":"shop","customer_id":"`+customerID+
			`","items":[{"sku":"`+sku+`","quantity":1}],"payment":{"provider":"manual","method":"card_terminal"}}`, nil)
	}
	var cart struct {
		ID string `json:"id"`
	}
	err := postStatus(ctx, r, base+"/api/v1/customers/"+customerID+"/cart/items", token, 200,
		`{"sku":"`+sku+`","quantity":2,"channel":"web"}`, &cart)
	if err != nil {
		return err
	}
	return postStatus(ctx, r, base+"/api/v1/carts/"+cart.ID+"/checkout", token, 201,
		`{"channel":"web","fulfillment":"pickup","location":"shop"}`, nil)
}

// seedWorkers is how many orders or conversations are written at once.
const seedWorkers = 8

// inParallel runs fn for 0..n-1, seedWorkers at a time, and returns the
// first error.
func inParallel(n int, fn func(i int) error) error {
	var next atomic.Int64
	errs := make([]error, seedWorkers)
	var wg sync.WaitGroup
	for w := range seedWorkers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && errs[w] == nil; i = int(next.Add(1) - 1) {
				errs[w] = fn(i)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// dashboardSearches are what the scenario types into the customer search:
// the first letters of names the seeded customers have.
var dashboardSearches = strings.Fields("an be ch de ev fa gr hi in jo ke le")
