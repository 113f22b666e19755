// Package seed fills a database with synthetic customers, identities and
// timeline events, written straight to the store in large transactions. It
// builds the big databases that benchmarks measure against (a million
// customers, tens of millions of events) in minutes rather than hours; the
// demo's traffic simulator, by contrast, goes through the public APIs.
package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

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

var eventNames = []string{"Product Viewed", "Product Added", "Cart Viewed", "Checkout Started",
	"Order Completed", "Promotion Clicked", "Email Opened", "Message Sent"}

// batchRows bounds the events written per transaction.
const batchRows = 20_000

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
	flush := func() error {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := insertCustomers(ctx, tx, custs); err != nil {
				return err
			}
			_, err := customer.InsertTx(ctx, tx, pending)
			return err
		})
		if err != nil {
			return err
		}
		st.Events += len(pending)
		pending, custs = pending[:0], custs[:0]
		if opt.Progress != nil {
			opt.Progress(min(st.Events, totalEvents), totalEvents)
		}
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
		if len(pending) >= batchRows {
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
	id, name, email string
	first, last     int64
	ids             [][2]string
	channels        []string
}

var firstNames = []string{"Ann", "Ben", "Chloé", "Dev", "Eva", "Farid", "Grace", "Hiro", "Ines", "Jon", "Kemal", "Lena"}
var lastNames = []string{"Lee", "Martin", "Novak", "Okafor", "Petit", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda"}

func newCustomer(rng *rand.Rand, i int, opt Options) customerRow {
	c := customerRow{id: fmt.Sprintf("cus_seed_%d", i)}
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

func makeEvent(rng *rand.Rand, c customerRow, j int, opt Options) customer.Event {
	ts := opt.End.Add(-time.Duration(rng.Int64N(int64(opt.Span))))
	ch := c.channels[rng.IntN(len(c.channels))]
	name := eventNames[rng.IntN(len(eventNames))]
	msgID := fmt.Sprintf("%s-%d", c.id, j)
	payload, _ := json.Marshal(map[string]any{
		"type": "track", "event": name, "messageId": msgID, "anonymousId": c.ids[0][1],
		"timestamp":  ts.UTC().Format(time.RFC3339Nano),
		"properties": map[string]any{"product_id": fmt.Sprintf("prod_%d", rng.IntN(500)), "price": 1999 + rng.IntN(8000), "currency": "EUR"},
		"context": map[string]any{"channel": ch, "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)",
			"campaign": map[string]any{"source": "facebook", "medium": "paid_social", "name": "autumn"}},
	})
	return customer.Event{ID: customer.EventID("src_seed", msgID, ts), CustomerID: c.id, SourceID: "src_seed",
		Channel: ch, Type: "track", Name: name, MessageID: msgID, Timestamp: ts, ReceivedAt: ts, Payload: payload}
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
