package analytics

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"sync"
)

// Money is an amount in minor units of a currency.
type Money struct {
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

// Figures are the overview's numbers for one channel (or all) and period.
type Figures struct {
	Events             int64   `json:"events"`
	Orders             int64   `json:"orders"`
	Revenue            []Money `json:"revenue"`  // order totals when first seen
	Refunded           []Money `json:"refunded"` // refunds recorded in the period
	NetRevenue         []Money `json:"net_revenue"`
	AverageOrderValue  []Money `json:"average_order_value"`
	Visitors           int64   `json:"visitors"`   // customers with an interaction of their own
	Purchasers         int64   `json:"purchasers"` // customers with an order
	ConversionRate     float64 `json:"conversion_rate"`
	NewCustomers       int64   `json:"new_customers"`       // purchasers whose first order ever is in the period
	ReturningCustomers int64   `json:"returning_customers"` // purchasers who had ordered before
}

// ChannelFigures are one channel's figures for the period and the previous one.
type ChannelFigures struct {
	Channel  string  `json:"channel"`
	Current  Figures `json:"current"`
	Previous Figures `json:"previous"`
}

// Overview is the dashboard's headline: totals and per-channel figures for
// a period and the period of the same length before it.
type Overview struct {
	Period   Range            `json:"period"`
	Previous Range            `json:"previous_period"`
	Current  Figures          `json:"current"`
	Before   Figures          `json:"previous"`
	Channels []ChannelFigures `json:"channels"`
}

type rollupSum struct {
	channel, name, currency string
	events, orders, amount  int64
}

func (s *Service) rollupSums(ctx context.Context, p Period) ([]rollupSum, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT channel, name, currency, SUM(events), SUM(orders), SUM(amount_minor)
		FROM analytics_daily WHERE day >= ? AND day < ? GROUP BY channel, name, currency`, int64(p.From), int64(p.To))
	if err != nil {
		return nil, wrap("sum rollups", err)
	}
	defer rows.Close()
	var out []rollupSum
	for rows.Next() {
		var r rollupSum
		if err := rows.Scan(&r.channel, &r.name, &r.currency, &r.events, &r.orders, &r.amount); err != nil {
			return nil, wrap("sum rollups", err)
		}
		out = append(out, r)
	}
	return out, wrap("sum rollups", rows.Err())
}

// loadSets returns the union over the period's days of each named set.
// Days whose sets are cached at their current version are read from
// memory; the others from the database, in parallel.
func (s *Service) loadSets(ctx context.Context, p Period, names []string) (map[string]CustomerSet, error) {
	versions, err := s.dayVersions(ctx, p)
	if err != nil {
		return nil, wrap("load set versions", err)
	}
	days := make([]Day, 0, len(versions))
	for d := range versions {
		days = append(days, d)
	}
	slices.Sort(days)
	found := make(map[daySet]*cachedSet, len(days)*len(names))
	var missing []Day
	for _, d := range days {
		for _, n := range names {
			e := s.sets.get(daySet{d, n}, versions[d])
			if e == nil {
				missing = append(missing, d)
				break
			}
			found[daySet{d, n}] = e
		}
	}
	groups := min(s.opts.Workers, len(missing))
	read := make([]map[daySet]*cachedSet, groups)
	errs := make([]error, groups)
	var wg sync.WaitGroup
	for g := range groups {
		part := missing[g*len(missing)/groups : (g+1)*len(missing)/groups]
		wg.Go(func() { read[g], errs[g] = s.readDaySets(ctx, part, names, versions) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, wrap("load customer sets", err)
	}
	for _, m := range read {
		maps.Copy(found, m)
	}
	out := make(map[string]CustomerSet, len(names))
	for _, n := range names {
		out[n] = CustomerSet{}
	}
	groups = max(1, min(s.opts.Workers, len(names)))
	errs = make([]error, groups)
	for g := range groups {
		wg.Go(func() {
			for i := g; i < len(names); i += groups {
				if err := unionDays(out[names[i]], names[i], days, found); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return out, wrap("decode customer sets", errors.Join(errs...))
}

// unionDays ORs the cached chunks of one set over the days into dst.
func unionDays(dst CustomerSet, name string, days []Day, found map[daySet]*cachedSet) error {
	for _, d := range days {
		e := found[daySet{d, name}]
		if e == nil {
			continue
		}
		for chunk, enc := range e.chunks {
			b := dst[chunk]
			if b == nil {
				b = new(bitmap)
				dst[chunk] = b
			}
			if err := decodeChunk(b, enc); err != nil {
				return err
			}
		}
	}
	return nil
}

// Overview returns revenue, orders, average order value, conversion rate
// (purchasers / visitors) and new vs returning customers, in total and by
// channel, for p and the period before it.
func (s *Service) Overview(ctx context.Context, p Period) (Overview, error) {
	o := Overview{Period: p.Range(), Previous: p.Previous().Range()}
	var cur, prev periodFigures
	var curErr, prevErr error
	var wg sync.WaitGroup
	wg.Go(func() { prev, prevErr = s.periodFigures(ctx, p.Previous()) })
	cur, curErr = s.periodFigures(ctx, p)
	wg.Wait()
	if err := cmp.Or(curErr, prevErr); err != nil {
		return o, err
	}
	o.Current, o.Before = cur.total, prev.total
	channels := map[string]bool{}
	for c := range cur.channels {
		channels[c] = true
	}
	for c := range prev.channels {
		channels[c] = true
	}
	for _, c := range sortedKeys(channels) {
		o.Channels = append(o.Channels, ChannelFigures{Channel: c, Current: cur.get(c), Previous: prev.get(c)})
	}
	if o.Channels == nil {
		o.Channels = []ChannelFigures{}
	}
	return o, nil
}

type periodFigures struct {
	total    Figures
	channels map[string]*Figures
}

func (pf periodFigures) get(c string) Figures {
	if f := pf.channels[c]; f != nil {
		return *f
	}
	return emptyFigures()
}

func emptyFigures() Figures {
	return Figures{Revenue: []Money{}, Refunded: []Money{}, NetRevenue: []Money{}, AverageOrderValue: []Money{}}
}

func (s *Service) periodFigures(ctx context.Context, p Period) (periodFigures, error) {
	sums, err := s.rollupSums(ctx, p)
	if err != nil {
		return periodFigures{}, err
	}
	pf := periodFigures{channels: map[string]*Figures{}}
	money := map[string]*moneyAcc{"": {}}
	for _, r := range sums {
		if pf.channels[r.channel] == nil {
			pf.channels[r.channel] = &Figures{}
			money[r.channel] = &moneyAcc{}
		}
		for _, key := range []string{"", r.channel} {
			m := money[key]
			f := &pf.total
			if key != "" {
				f = pf.channels[key]
			}
			f.Events += r.events
			switch r.name {
			case "Order Completed":
				f.Orders += r.orders
				m.add(&m.revenue, r.currency, r.amount)
				m.add(&m.orders, r.currency, r.orders)
			case "Order Refunded":
				m.add(&m.refunded, r.currency, r.amount)
			}
		}
	}
	names := []string{setVisit, stepSet[StepPurchase], setFirstBuy}
	for c := range pf.channels {
		names = append(names, channelSet(setVisit, c), channelSet(stepSet[StepPurchase], c))
	}
	sets, err := s.loadSets(ctx, p, names)
	if err != nil {
		return pf, err
	}
	fresh := sets[setFirstBuy]
	fill := func(f *Figures, m *moneyAcc, visit, buy CustomerSet) {
		m.fill(f)
		f.Visitors, f.Purchasers = int64(visit.Len()), int64(buy.Len())
		f.ConversionRate = ratio(f.Purchasers, f.Visitors)
		f.NewCustomers = int64(Intersect(buy, fresh).Len())
		f.ReturningCustomers = f.Purchasers - f.NewCustomers
	}
	fill(&pf.total, money[""], sets[setVisit], sets[stepSet[StepPurchase]])
	for c, f := range pf.channels {
		fill(f, money[c], sets[channelSet(setVisit, c)], sets[channelSet(stepSet[StepPurchase], c)])
	}
	return pf, nil
}

type moneyAcc struct{ revenue, refunded, orders map[string]int64 }

func (m *moneyAcc) add(dst *map[string]int64, currency string, v int64) {
	if *dst == nil {
		*dst = map[string]int64{}
	}
	(*dst)[currency] += v
}

func (m *moneyAcc) fill(f *Figures) {
	f.Revenue, f.Refunded = moneyList(m.revenue), moneyList(m.refunded)
	net := map[string]int64{}
	for c, v := range m.revenue {
		net[c] += v
	}
	for c, v := range m.refunded {
		net[c] -= v
	}
	f.NetRevenue = moneyList(net)
	aov := map[string]int64{}
	for c, v := range m.revenue {
		if n := m.orders[c]; n > 0 {
			aov[c] = divRound(v, n)
		}
	}
	f.AverageOrderValue = moneyList(aov)
}

func moneyList(m map[string]int64) []Money {
	out := make([]Money, 0, len(m))
	for c, v := range m {
		out = append(out, Money{Currency: c, Minor: v})
	}
	slices.SortFunc(out, func(a, b Money) int {
		if a.Currency < b.Currency {
			return -1
		}
		if a.Currency > b.Currency {
			return 1
		}
		return 0
	})
	return out
}

// divRound divides rounding half away from zero.
func divRound(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r >= abs(b) {
		if (a < 0) != (b < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
