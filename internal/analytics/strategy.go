package analytics

import (
	"fmt"
	"slices"
	"time"
)

// Line is one finding of the channel-strategy report. Connected is the
// figure with channels connected (one profile, cart, promotion set and
// service record per customer), Siloed the same figure with every channel a
// silo; Lost is what the silos lose, out of Base.
type Line struct {
	Key         string  `json:"key"`
	Title       string  `json:"title"`
	Connected   int64   `json:"connected"`
	Siloed      int64   `json:"siloed"`
	Lost        int64   `json:"lost"`
	Base        int64   `json:"base"`
	Share       float64 `json:"share"`     // Lost / Base
	Customers   int64   `json:"customers"` // customers concerned
	Revenue     []Money `json:"revenue"`   // revenue concerned
	RevenueBase []Money `json:"revenue_base"`
	Method      string  `json:"method"`
	Example     string  `json:"example_customer_id"` // the smallest customer id concerned
}

// StrategyReport compares, from the event log, running the channels
// connected and running them as silos.
type StrategyReport struct {
	Period      Range     `json:"period"`
	GeneratedAt time.Time `json:"generated_at"`
	Events      int64     `json:"events"`    // events replayed (history before the period included)
	Customers   int64     `json:"customers"` // customers with events in the period
	Lines       []Line    `json:"lines"`
}

// The report's line keys, in order.
const (
	LineDuplicates = "duplicate_customers"
	LineContext    = "conversations_without_context"
	LineCarts      = "carts_not_found"
	LinePromotions = "promotions_not_honoured"
	LineUnlinked   = "unlinked_revenue"
)

type lineAcc struct {
	connected, siloed, lost, base, customers int64
	revenue, revenueBase                     map[string]int64
	example                                  string
}

func (l *lineAcc) concern(customer string) {
	l.customers++
	if l.example == "" || customer < l.example {
		l.example = customer
	}
}

func (l *lineAcc) merge(o *lineAcc) {
	l.connected += o.connected
	l.siloed += o.siloed
	l.lost += o.lost
	l.base += o.base
	l.customers += o.customers
	for c, v := range o.revenue {
		addMoney(&l.revenue, c, v)
	}
	for c, v := range o.revenueBase {
		addMoney(&l.revenueBase, c, v)
	}
	if o.example != "" && (l.example == "" || o.example < l.example) {
		l.example = o.example
	}
}

func addMoney(m *map[string]int64, currency string, v int64) {
	if *m == nil {
		*m = map[string]int64{}
	}
	(*m)[currency] += v
}

// strategyAgg replays customers for the report.
type strategyAgg struct {
	opts      Options
	period    Period
	events    int64
	customers int64
	lines     [5]lineAcc
}

func newStrategyAgg(opts Options, p Period) *strategyAgg {
	return &strategyAgg{opts: opts, period: p}
}

func (a *strategyAgg) add(j *journey) {
	a.events += int64(len(j.recs))
	a.duplicates(j, &a.lines[0])
	a.context(j, &a.lines[1])
	a.carts(j, &a.lines[2])
	a.promotions(j, &a.lines[3])
	a.unlinked(j, &a.lines[4])
}

// duplicates: a profile seen on k channels in the period is k records when
// each channel keeps its own customers.
func (a *strategyAgg) duplicates(j *journey, l *lineAcc) {
	var chans []string
	for i := range j.recs {
		if r := &j.recs[i]; a.period.Contains(r.ts) && !slices.Contains(chans, r.channel) {
			chans = append(chans, r.channel)
		}
	}
	k := int64(len(chans))
	if k == 0 {
		return
	}
	a.customers++
	l.connected++
	l.base++
	l.siloed += k
	if k >= 2 {
		l.lost += k - 1
		l.concern(j.id)
	}
}

// context: a customer message whose previous customer message, within the
// context window, was on another channel reaches an agent without history.
func (a *strategyAgg) context(j *journey, l *lineAcc) {
	window := a.opts.ContextWindow.Milliseconds()
	var prev *record
	hit := false
	for i := range j.recs {
		r := &j.recs[i]
		if r.kind != KindMessage || !r.facts.Inbound() {
			continue
		}
		if prev != nil && r.ts-prev.ts <= window && a.period.Contains(r.ts) {
			l.base++
			if r.channel != prev.channel {
				l.lost++
				hit = true
			}
		}
		prev = r
	}
	if hit {
		l.concern(j.id)
	}
}

// carts: when a customer buys on channel B, every channel's cart with items
// added within the cart window is the one cart when channels are connected;
// as silos, the carts on channels other than B are abandoned and not found.
func (a *strategyAgg) carts(j *journey, l *lineAcc) {
	window := a.opts.CartWindow.Milliseconds()
	carts := map[string][]int64{}
	next := 0
	hit := false
	for i := range j.recs {
		r := &j.recs[i]
		switch r.kind {
		case KindAdd:
			carts[r.channel] = append(carts[r.channel], r.ts)
		case KindRemove:
			if c := carts[r.channel]; len(c) > 0 {
				carts[r.channel] = c[:len(c)-1]
			}
		case KindOrder:
			if next >= len(j.orders) || j.orders[next].ts != r.ts || !isOrderRecord(r, j.orders[next]) {
				continue
			}
			o := j.orders[next]
			next++
			if a.period.Contains(o.ts) {
				stranded := false
				for ch, items := range carts {
					if len(items) == 0 || items[len(items)-1] < o.ts-window {
						continue
					}
					l.base++
					if ch != o.channel {
						l.lost++
						stranded = true
					}
				}
				if stranded {
					hit = true
					addMoney(&l.revenue, o.currency, o.minor)
				}
				addMoney(&l.revenueBase, o.currency, o.minor)
			}
			clear(carts)
		}
	}
	if hit {
		l.concern(j.id)
	}
}

func isOrderRecord(r *record, o order) bool {
	id := r.facts.OrderID
	if id == "" {
		id = "event:" + r.id
	}
	return id == o.id
}

// promotions: an order using a promotion the customer was shown within the
// look-back window, but only on other channels, would not be honoured where
// the purchase happened.
func (a *strategyAgg) promotions(j *journey, l *lineAcc) {
	lookback := a.opts.Lookback.Milliseconds()
	var shown []*record
	for i := range j.recs {
		if r := &j.recs[i]; r.kind == KindPromo && len(r.facts.Promos) > 0 {
			shown = append(shown, r)
		}
	}
	if len(shown) == 0 {
		return
	}
	hit := false
	for _, o := range j.orders {
		if !a.period.Contains(o.ts) || len(o.promos) == 0 {
			continue
		}
		seen, here := false, false
		for _, r := range shown {
			if r.ts > o.ts || r.ts < o.ts-lookback || !overlaps(r.facts.Promos, o.promos) {
				continue
			}
			seen = true
			here = here || r.channel == o.channel
		}
		if !seen {
			continue
		}
		l.base++
		addMoney(&l.revenueBase, o.currency, o.minor)
		if !here {
			l.lost++
			hit = true
			addMoney(&l.revenue, o.currency, o.minor)
		}
	}
	if hit {
		l.concern(j.id)
	}
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// unlinked: an order whose customer had touchpoints on other channels within
// the look-back window cannot be linked to them by the silo that took it.
func (a *strategyAgg) unlinked(j *journey, l *lineAcc) {
	lookback := a.opts.Lookback.Milliseconds()
	hit := false
	for _, o := range j.orders {
		if !a.period.Contains(o.ts) {
			continue
		}
		l.base++
		addMoney(&l.revenueBase, o.currency, o.minor)
		for _, t := range j.touchesBefore(o, lookback) {
			if t.channel != o.channel {
				l.lost++
				hit = true
				addMoney(&l.revenue, o.currency, o.minor)
				break
			}
		}
	}
	if hit {
		l.concern(j.id)
	}
}

func (a *strategyAgg) merge(o *strategyAgg) {
	a.events += o.events
	a.customers += o.customers
	for i := range a.lines {
		a.lines[i].merge(&o.lines[i])
	}
}

// report turns the sums into the report's lines.
func (a *strategyAgg) report(now time.Time) StrategyReport {
	days := func(d time.Duration) string { return fmt.Sprintf("%g days", d.Hours()/24) }
	o := a.opts
	meta := [5]struct{ key, title, method string }{
		{LineDuplicates, "Customers split into duplicate records",
			"Each customer profile with events in the period is one record when channels are connected. As silos, every channel that saw the customer keeps its own record: a profile seen on k channels becomes k records. Lost = records − profiles; customers = profiles seen on 2 channels or more."},
		{LineContext, "Conversations that would start without context",
			"Customer messages (inbound message events) are taken in time order. Base = messages that follow another message of the same customer within " + days(o.ContextWindow) + ". Lost = those written on another channel than the previous message: a silo's agent would not see what came before."},
		{LineCarts, "Carts abandoned on one channel and not found on another",
			"A cart per channel holds the products added (Product Added, less Product Removed) since the customer's last order. At each order, Base counts every channel's cart with an item added within " + days(o.CartWindow) + "; Lost counts those on another channel than the order's, which silos would leave abandoned. Revenue = the orders that had such a cart."},
		{LinePromotions, "Promotions not honoured where the purchase happened",
			"Orders carrying a promotion id or code (order properties, or Coupon Applied/Entered since the previous order) that the customer had been shown (Promotion Viewed/Clicked) within " + days(o.Lookback) + " before the order form Base. Lost = those where every showing was on another channel than the order's: that channel's silo would not know the promotion."},
		{LineUnlinked, "Revenue whose touchpoints could not be linked",
			"Touchpoints are visits: a customer interaction on another channel than the previous one, after " + o.SessionGap.String() + " without any, or with a new campaign. Base = orders; Lost = orders whose customer had a touchpoint on another channel than the order's within " + days(o.Lookback) + " before it, which the order's silo could not see. Revenue = those orders' totals."},
	}
	r := StrategyReport{Period: a.period.Range(), GeneratedAt: now.UTC(), Events: a.events, Customers: a.customers}
	for i, l := range a.lines {
		if i > 0 {
			l.connected, l.siloed = l.base, l.base-l.lost
		}
		r.Lines = append(r.Lines, Line{Key: meta[i].key, Title: meta[i].title, Connected: l.connected, Siloed: l.siloed,
			Lost: l.lost, Base: l.base, Share: ratio(l.lost, l.base), Customers: l.customers,
			Revenue: moneyList(l.revenue), RevenueBase: moneyList(l.revenueBase), Method: meta[i].method, Example: l.example})
	}
	return r
}
