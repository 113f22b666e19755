package analytics

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// Set names. Each day has "visit" (customers with an interaction of their
// own: anything but an outbound message or a note), the funnel steps "view",
// "add", "checkout" and "buy", each also per channel ("buy:app"), and
// "first_buy" (customers whose first order ever fell on that day).
const (
	setVisit    = "visit"
	setFirstBuy = "first_buy"
)

var stepSet = map[Step]string{StepView: "view", StepAdd: "add", StepCheckout: "checkout", StepPurchase: "buy"}

func channelSet(set, channel string) string { return set + ":" + channel }

// record is one event as analytics reads it.
type record struct {
	id, customer     string
	channel, typ     string
	name             string
	ts               int64
	payload          string
	kind             Kind
	facts            Facts
	parsed, external bool // facts read; message from the customer (or not a message)
}

func recordOf(e customer.Event) record {
	return record{id: e.ID, customer: e.CustomerID, channel: e.Channel, typ: e.Type, name: e.Name,
		ts: e.Timestamp.UnixMilli(), payload: string(e.Payload), kind: -1}
}

// prepare classifies the record (unless its kind came with it) and reads
// the facts its kind needs.
// A payload that cannot be read leaves the facts empty: analytics never
// rejects an event the timeline accepted.
func (r *record) prepare(defaultCurrency string, campaigns bool) {
	if r.kind < 0 {
		r.kind = Classify(r.typ, r.name)
	}
	r.facts = Facts{Minor: -1}
	if r.kind.NeedsPayload() || (campaigns && len(r.payload) > 0) {
		if f, err := parseFacts(r.kind, r.payload, defaultCurrency); err == nil {
			r.facts = f
		}
		r.parsed = true
	}
	r.external = r.kind != KindMessage || r.facts.Inbound()
}

// Append is the customer.AppendHook that keeps the rollups current: it
// aggregates the batch in memory and writes one upsert per rollup key,
// customer-set chunk and order, inside the transaction storing the events.
func (s *Service) Append(ctx context.Context, tx *store.Tx, events []customer.Event) error {
	if len(events) == 0 {
		return nil
	}
	b := newBatch()
	for _, e := range events {
		r := recordOf(e)
		r.prepare(s.opts.DefaultCurrency, false)
		b.add(&r)
	}
	return b.apply(ctx, tx)
}

type rollKey struct {
	day                     Day
	channel, name, currency string
}

type rollVal struct{ events, orders, amount int64 }

type custAgg struct {
	first, last, firstOrder Day
	hasOrder                bool
}

type markKey struct {
	customer string
	day      Day
	set      string
}

type orderSeen struct {
	id, channel, currency string
	day                   Day
	total                 int64
}

type refundSeen struct {
	orderID, channel, currency string
	day                        Day
	amount                     int64 // -1: the whole remaining amount
}

// batch aggregates events before they are written.
type batch struct {
	rolls   map[rollKey]*rollVal
	custs   map[string]*custAgg
	marks   map[markKey]struct{}
	orders  []orderSeen
	seen    map[string]bool
	refunds []refundSeen
}

func newBatch() *batch {
	return &batch{rolls: map[rollKey]*rollVal{}, custs: map[string]*custAgg{},
		marks: map[markKey]struct{}{}, seen: map[string]bool{}}
}

func (b *batch) roll(k rollKey) *rollVal {
	v := b.rolls[k]
	if v == nil {
		v = &rollVal{}
		b.rolls[k] = v
	}
	return v
}

func (b *batch) add(r *record) {
	day := DayOf(r.ts)
	switch r.kind {
	case KindOrder:
		b.roll(rollKey{day, r.channel, RollupName(r.typ, r.name, r.external), r.facts.Currency}).events++
	case KindRefund: // counted with the refunded order's currency in applyRefund
	default:
		b.roll(rollKey{day, r.channel, RollupName(r.typ, r.name, r.external), ""}).events++
	}
	c := b.custs[r.customer]
	if c == nil {
		c = &custAgg{first: day, last: day}
		b.custs[r.customer] = c
	}
	c.first, c.last = min(c.first, day), max(c.last, day)
	if r.external {
		b.mark(r.customer, day, setVisit, r.channel)
	}
	if set, ok := stepSet[r.kind.Step()]; ok {
		b.mark(r.customer, day, set, r.channel)
	}
	switch r.kind {
	case KindOrder:
		if !c.hasOrder || day < c.firstOrder {
			c.hasOrder, c.firstOrder = true, day
		}
		id := r.facts.OrderID
		if id == "" {
			id = "event:" + r.id
		}
		if !b.seen[id] {
			b.seen[id] = true
			b.orders = append(b.orders, orderSeen{id: id, channel: r.channel, currency: r.facts.Currency,
				day: day, total: max(r.facts.Minor, 0)})
		}
	case KindRefund:
		b.refunds = append(b.refunds, refundSeen{orderID: r.facts.OrderID, channel: r.channel,
			currency: r.facts.Currency, day: day, amount: r.facts.Minor})
	}
}

func (b *batch) mark(cust string, day Day, set, channel string) {
	b.marks[markKey{cust, day, set}] = struct{}{}
	b.marks[markKey{cust, day, channelSet(set, channel)}] = struct{}{}
}

// apply writes the batch: customers and their ordinals, customer sets,
// orders and refunds, then the rollups.
func (b *batch) apply(ctx context.Context, tx *store.Tx) error {
	deltas := setDeltas{}
	ordinals, err := applyCustomers(ctx, tx, b.custs, deltas)
	if err != nil {
		return err
	}
	for m := range b.marks {
		deltas.add(setKey{m.day, m.set, 0}, ordinals[m.customer], true)
	}
	if err := applySets(ctx, tx, deltas); err != nil {
		return err
	}
	if err := b.applyOrders(ctx, tx); err != nil {
		return err
	}
	return b.applyRollups(ctx, tx)
}

func (b *batch) applyRollups(ctx context.Context, tx *store.Tx) error {
	keys := make([]rollKey, 0, len(b.rolls))
	for k := range b.rolls {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y rollKey) int {
		return cmp.Or(cmp.Compare(x.day, y.day), strings.Compare(x.channel, y.channel),
			strings.Compare(x.name, y.name), strings.Compare(x.currency, y.currency))
	})
	for chunk := range slices.Chunk(keys, 400) {
		var q strings.Builder
		q.WriteString("INSERT INTO analytics_daily (day, channel, name, currency, events, orders, amount_minor) VALUES ")
		args := make([]any, 0, len(chunk)*7)
		for i, k := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?,?)")
			v := b.rolls[k]
			args = append(args, int64(k.day), k.channel, k.name, k.currency, v.events, v.orders, v.amount)
		}
		q.WriteString(` ON CONFLICT (day, channel, name, currency) DO UPDATE SET
			events = analytics_daily.events + excluded.events,
			orders = analytics_daily.orders + excluded.orders,
			amount_minor = analytics_daily.amount_minor + excluded.amount_minor`)
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return wrap("upsert daily rollups", err)
		}
	}
	return nil
}

func forUpdate(tx *store.Tx) string {
	if tx.Dialect() == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}
