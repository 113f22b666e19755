// Package seed fills a database with synthetic customers, identities and
// timeline events, written straight to the store in large transactions. It
// builds the big databases that benchmarks measure against (a million
// customers, tens of millions of events) in minutes rather than hours; the
// demo's traffic simulator, by contrast, goes through the public APIs.
//
// Events mix page views, the product funnel, orders (Omni's "order" events
// in minor units and storefront "Order Completed" in major units, some with
// a coupon), refunds, promotions with codes, emails and inbox messages in
// conversations, a quarter with a campaign in their context: enough for
// every analytics figure to be non-trivial.
package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// Options says how much to generate.
type Options struct {
	Customers         int           // profiles to create
	EventsPerCustomer int           // average; each customer gets 1..2×average
	Seed              uint64        // the same seed gives the same data
	End               time.Time     // events fall in [End-Span, End)
	Span              time.Duration // default 90 days
	Progress          func(done, total int)
}

// Stats reports what was written.
type Stats struct {
	Customers, Identities, Events int
}

var channels = []string{"web", "app", "chat", "messenger", "email", "sms", "pos", "marketplace", "ads"}

// kinds are the events generated, with weights: the browsing funnel, cart,
// Omni's own order events, promotions and inbox messages, in the vocabulary
// that internal/analytics documents.
var kinds = []struct {
	typ, name string
	weight    int
}{
	{"page", "Home", 10}, {"track", "Product Viewed", 24}, {"track", "Product Added", 10},
	{"cart", "Product Removed", 2}, {"track", "Cart Viewed", 4}, {"track", "Checkout Started", 6},
	{"order", "Order Completed", 6}, {"track", "Order Completed", 4}, {"order", "Order Refunded", 1},
	{"track", "Promotion Viewed", 6}, {"track", "Promotion Clicked", 3}, {"track", "Email Opened", 6},
	{"message", "Message received", 12}, {"message", "Message sent", 6},
}

var kindTotal = func() int {
	n := 0
	for _, k := range kinds {
		n += k.weight
	}
	return n
}()

var campaigns = []string{"autumn", "black_friday", "newsletter", "retargeting"}

// batchRows bounds the events written per transaction.
const batchRows = 20_000

// roundCustomers is how many customers' events are interleaved in time order
// before they are written: about a million events at 50 per customer.
const roundCustomers = 20_000

// Run writes the data and returns what it wrote. Customer ids are
// "cus_seed_<n>", so a benchmark can pick existing ones at random.
func Run(ctx context.Context, db *store.DB, opt Options) (Stats, error) {
	if opt.Span == 0 {
		opt.Span = 90 * 24 * time.Hour
	}
	if opt.End.IsZero() {
		opt.End = time.Now()
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	var st Stats
	totalEvents := opt.Customers * opt.EventsPerCustomer
	var pending []customer.Event
	var custs []customerRow
	write := func(custs []customerRow, events []customer.Event) error {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := insertCustomers(ctx, tx, custs); err != nil {
				return err
			}
			if _, err := customer.InsertTx(ctx, tx, events); err != nil {
				return err
			}
			return activity.RecordTx(ctx, tx, events)
		})
		if err != nil {
			return err
		}
		st.Events += len(events)
		if opt.Progress != nil {
			opt.Progress(min(st.Events, totalEvents), totalEvents)
		}
		return nil
	}
	// flush writes a round of customers with their events interleaved in
	// time order, as live traffic stores them: a customer's events end up
	// scattered through the table, not side by side, so reading a timeline
	// costs what it costs on a real database.
	flush := func() error {
		slices.SortFunc(pending, func(a, b customer.Event) int { return a.Timestamp.Compare(b.Timestamp) })
		for i, chunk := 0, pending; len(chunk) > 0 || i == 0; i++ {
			n := min(len(chunk), batchRows)
			var cs []customerRow
			if i == 0 {
				cs = custs
			}
			if err := write(cs, chunk[:n]); err != nil {
				return err
			}
			chunk = chunk[n:]
		}
		pending, custs = pending[:0], custs[:0]
		return nil
	}
	for i := range opt.Customers {
		c := newCustomer(rng, i, opt)
		n := 1 + rng.IntN(max(2*opt.EventsPerCustomer-1, 1))
		for j := range n {
			e := makeEvent(rng, c, j, opt)
			ms := e.Timestamp.UnixMilli()
			if j == 0 || ms < c.first {
				c.first = ms
			}
			c.last = max(c.last, ms)
			pending = append(pending, e)
		}
		custs = append(custs, c)
		st.Customers++
		st.Identities += len(c.ids)
		if len(custs) >= roundCustomers {
			if err := flush(); err != nil {
				return st, err
			}
		}
	}
	if len(pending) > 0 || len(custs) > 0 {
		if err := flush(); err != nil {
			return st, err
		}
	}
	return st, nil
}

type customerRow struct {
	n               int
	id, name, email string
	first, last     int64
	ids             [][2]string
	channels        []string
}

var firstNames = []string{"Ann", "Ben", "Chloé", "Dev", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemal", "Lena"}
var lastNames = []string{"Lee", "Martin", "Novak", "Okafor", "Petit", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda"}

func newCustomer(rng *rand.Rand, i int, opt Options) customerRow {
	c := customerRow{n: i, id: fmt.Sprintf("cus_seed_%d", i)}
	c.ids = append(c.ids, [2]string{"anonymous_id", fmt.Sprintf("anon-%d-%x", i, rng.Uint32())})
	if rng.IntN(2) == 0 {
		c.name = firstNames[rng.IntN(len(firstNames))] + " " + lastNames[rng.IntN(len(lastNames))]
		c.email = fmt.Sprintf("customer%d@example.com", i)
		c.ids = append(c.ids, [2]string{"email", c.email}, [2]string{"user_id", fmt.Sprintf("user-%d", i)})
	}
	nch := 1 + rng.IntN(3)
	for range nch {
		ch := channels[rng.IntN(len(channels))]
		if !strings.Contains(strings.Join(c.channels, ","), ch) {
			c.channels = append(c.channels, ch)
		}
	}
	return c
}

func pickKind(rng *rand.Rand) (string, string) {
	w := rng.IntN(kindTotal)
	for _, k := range kinds {
		if w < k.weight {
			return k.typ, k.name
		}
		w -= k.weight
	}
	return kinds[0].typ, kinds[0].name
}

func makeEvent(rng *rand.Rand, c customerRow, j int, opt Options) customer.Event {
	ts := opt.End.Add(-time.Duration(rng.Int64N(int64(opt.Span)))).Truncate(time.Millisecond)
	ch := c.channels[rng.IntN(len(c.channels))]
	typ, name := pickKind(rng)
	msgID := fmt.Sprintf("%s-%d", c.id, j)
	props := map[string]any{}
	switch name {
	case "Order Completed", "Order Refunded":
		order := fmt.Sprintf("ord_%d_%d", c.n, rng.IntN(3))
		minor := 1999 + rng.IntN(8000)
		props["order_id"] = order
		props["currency"] = "EUR"
		if typ == "order" {
			props["total_minor"], props["channel"] = minor, ch
		} else {
			props["total"] = fmt.Sprintf("%d.%02d", minor/100, minor%100)
		}
		if rng.IntN(4) == 0 {
			props["coupon"] = "AUTUMN10"
		}
	case "Promotion Viewed", "Promotion Clicked":
		props["promotion_id"], props["code"] = "promo_autumn", "AUTUMN10"
	case "Message received", "Message sent":
		props["conversation_id"] = fmt.Sprintf("conv_%d_%d", c.n, rng.IntN(2))
		props["direction"], props["channel"] = map[string]string{"Message received": "in", "Message sent": "out"}[name], ch
	default:
		props["product_id"] = fmt.Sprintf("prod_%d", rng.IntN(500))
		props["price"] = float64(1999+rng.IntN(8000)) / 100
		props["currency"] = "EUR"
	}
	body := map[string]any{"type": typ, "event": name, "messageId": msgID, "anonymousId": c.ids[0][1],
		"timestamp": ts.UTC().Format(time.RFC3339Nano), "properties": props}
	if typ == "message" {
		body = props
	}
	if rng.IntN(4) == 0 {
		body["context"] = map[string]any{"campaign": map[string]any{"source": ch, "medium": "paid",
			"name": campaigns[rng.IntN(len(campaigns))]}}
	}
	payload, _ := json.Marshal(body)
	return customer.Event{ID: customer.EventID("src_seed", msgID, ts), CustomerID: c.id, SourceID: "src_seed",
		Channel: ch, Type: typ, Name: name, MessageID: msgID, Timestamp: ts, ReceivedAt: ts, Payload: payload}
}

func insertCustomers(ctx context.Context, tx *store.Tx, cs []customerRow) error {
	for _, c := range cs {
		_, err := tx.ExecContext(ctx, `INSERT INTO customers (id, created_at, first_seen_at, last_seen_at, name, name_lc, email, channels)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.id, c.first, c.first, c.last, c.name, strings.ToLower(c.name), c.email,
			strings.Join(c.channels, ","))
		if err != nil {
			return fmt.Errorf("seed customer: %w", err)
		}
		for _, ident := range c.ids {
			if _, err := tx.ExecContext(ctx, "INSERT INTO identities (type, value, customer_id, channel, first_seen_at) VALUES (?, ?, ?, ?, ?)",
				ident[0], ident[1], c.id, c.channels[0], c.first); err != nil {
				return fmt.Errorf("seed identity: %w", err)
			}
		}
	}
	return nil
}
