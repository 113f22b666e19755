package journey_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/inbox/inboxtest"
	"github.com/omni-hq/omni/internal/inventory"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/store"
)

// world is every service a journey touches, on one database, with a clock
// the test moves; the inbox is inboxtest's.
type world struct {
	db        *store.DB
	ids       *identity.Service
	customers *customer.Service
	carts     *cart.Service
	in        *inbox.Service
	journeys  *journey.Service
	notifier  *inboxtest.FaultyNotifier
	clock     *clock
}

type clock struct {
	mu sync.Mutex
	at time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.at = c.at.Add(d)
	c.mu.Unlock()
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, ids: identity.NewService(db, identity.Options{}), customers: customer.NewService(db),
		clock: &clock{at: time.Now().UTC().Truncate(time.Millisecond)}}
	cat, inv := catalog.NewService(db), inventory.NewService(db)
	w.carts = cart.NewService(db, cart.Deps{Catalog: cat, Stock: inv, Timeline: w.customers, Customers: w.ids})
	w.in = inboxtest.New(t, db, w.ids, w.customers)
	w.notifier = &inboxtest.FaultyNotifier{Service: w.in}
	w.journeys = journey.NewService(db, journey.Deps{Carts: w.carts, Profiles: w.customers, Notifier: w.notifier},
		journey.Options{StorefrontURL: "https://shop.example/", Now: w.clock.Now})
	w.customers.OnAppend(w.journeys.EventHook)
	for _, h := range []identity.MergeHook{w.customers.MergeTx, w.carts.MergeTx, w.in.MergeTx, w.journeys.MergeTx} {
		w.ids.OnMerge(h)
	}
	wh, err := inv.CreateLocation(ctx, inventory.LocationInput{Code: "wh", Name: "Warehouse", Kind: inventory.Warehouse})
	if err != nil {
		t.Fatal(err)
	}
	p, err := cat.CreateProduct(ctx, catalog.ProductInput{Title: "Mug", Variants: []catalog.VariantInput{{SKU: "MUG", Price: 1200, Currency: "EUR"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inv.SetStock(ctx, p.Variants[0].ID, wh.ID, 10); err != nil {
		t.Fatal(err)
	}
	return w
}

// customer makes a profile holding an email address (and any other
// identifiers) that consented to marketing on the given channels.
func (w *world) customer(t *testing.T, addr string, consent []string, more ...identity.Identifier) string {
	t.Helper()
	ctx := context.Background()
	e, err := identity.New(identity.Email, addr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := w.ids.Resolve(ctx, identity.Request{Identifiers: append([]identity.Identifier{e}, more...), Channel: "web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range consent {
		c := customer.Consent{Channel: ch, Purpose: inbox.PurposeMarketing, Granted: true, Source: "test", UpdatedAt: time.Now()}
		if err := w.customers.SetConsent(ctx, res.CustomerID, c); err != nil {
			t.Fatal(err)
		}
	}
	return res.CustomerID
}

func (w *world) create(t *testing.T, in journey.Input) journey.Journey {
	t.Helper()
	j, err := w.journeys.Create(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (w *world) addMug(t *testing.T, customerID string) {
	t.Helper()
	if _, err := w.carts.AddItem(context.Background(), customerID, "web", cart.Item{VariantRef: catalog.VariantRef{SKU: "MUG"}, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
}

// track puts a tracked event on the customer's timeline, as the tracking
// API stores it.
func (w *world) track(t *testing.T, customerID, name string, props map[string]any) {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{"type": "track", "event": name, "properties": props})
	now := time.Now().UTC().Truncate(time.Millisecond)
	msg := id.New("msg")
	ev := customer.Event{ID: customer.EventID("src_web", msg, now), CustomerID: customerID, SourceID: "src_web", Channel: "web",
		Type: "track", Name: name, MessageID: msg, Timestamp: now, ReceivedAt: now, Payload: payload}
	err := w.db.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := w.customers.AppendTx(context.Background(), tx, []customer.Event{ev})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// enrolments lists a journey's enrolments, newest first.
func (w *world) enrolments(t *testing.T, jid string) []journey.Enrolment {
	t.Helper()
	page, err := w.journeys.Enrolments(context.Background(), jid, "", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	return page.Enrolments
}

func (w *world) process(t *testing.T) {
	t.Helper()
	if _, err := w.journeys.ProcessDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (w *world) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.db.QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
