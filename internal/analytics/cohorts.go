package analytics

import (
	"context"
	"time"
)

// Cohort is a group of purchasers and how many of them bought again in each
// month after their first purchase.
type Cohort struct {
	Cohort    string    `json:"cohort"`    // the first-purchase month (YYYY-MM) or the acquisition channel
	Customers int64     `json:"customers"` // purchasers in the cohort
	Active    []int64   `json:"active"`    // purchasers buying in month 0, 1, 2… after the first purchase
	Retention []float64 `json:"retention"` // Active over Customers
}

// SegmentFigures compare a group of customers on purchase and loyalty.
type SegmentFigures struct {
	Segment            string    `json:"segment"`   // omnichannel, single_channel or all
	Customers          int64     `json:"customers"` // customers first seen in the period
	Purchasers         int64     `json:"purchasers"`
	PurchaseRate       float64   `json:"purchase_rate"` // purchasers over customers
	Buyers             int64     `json:"buyers"`        // purchasers whose first purchase is in the period
	RepeatBuyers       int64     `json:"repeat_buyers"` // of them, those with two orders or more
	RepeatPurchaseRate float64   `json:"repeat_purchase_rate"`
	Orders             int64     `json:"orders"`
	OrdersPerBuyer     float64   `json:"orders_per_buyer"`
	LifetimeValue      []Money   `json:"lifetime_value"`      // net revenue per buyer to date
	AverageOrderValue  []Money   `json:"average_order_value"` // net revenue per order
	Retention          []float64 `json:"retention"`           // share of buyers buying in month 0, 1, 2… after their first purchase
}

// Cohorts is the retention report: cohorts by first-purchase month and by
// acquisition channel, and omnichannel vs single-channel customers.
type Cohorts struct {
	Period    Range            `json:"period"`
	AsOf      time.Time        `json:"as_of"`
	ByMonth   []Cohort         `json:"by_month"`
	ByChannel []Cohort         `json:"by_channel"`
	Segments  []SegmentFigures `json:"segments"`
}

// Cohorts returns the cohorts whose first purchase falls in the months that
// p touches, and the segments of customers first seen in those months, from
// the latest snapshot.
func (s *Service) Cohorts(ctx context.Context, p Period) (Cohorts, error) {
	info, err := s.snapshot(ctx)
	if err != nil {
		return Cohorts{}, err
	}
	lo, hi := monthOf(p.From), monthOf(p.To-1)
	c := Cohorts{Period: p.Range(), AsOf: info.FinishedAt}
	type cohortAcc struct {
		customers int64
		active    map[int]int64
	}
	byMonth, byChan, bySeg := map[string]*cohortAcc{}, map[string]*cohortAcc{}, map[string]*cohortAcc{}
	rows, err := s.db.QueryContext(ctx, `SELECT cohort, channel, segment, month_offset, customers FROM analytics_cohorts
		WHERE cohort >= ? AND cohort <= ?`, lo, hi)
	if err != nil {
		return c, wrap("load cohorts", err)
	}
	for rows.Next() {
		var cohort, ch, seg string
		var off int
		var n int64
		if err := rows.Scan(&cohort, &ch, &seg, &off, &n); err != nil {
			rows.Close()
			return c, wrap("load cohorts", err)
		}
		for _, t := range []struct {
			m   map[string]*cohortAcc
			key string
		}{{byMonth, cohort}, {byChan, ch}, {bySeg, seg}, {bySeg, "all"}} {
			a := getOr(t.m, t.key, func() *cohortAcc { return &cohortAcc{active: map[int]int64{}} })
			a.active[off] += n
			if off == 0 {
				a.customers += n
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, wrap("load cohorts", err)
	}
	build := func(m map[string]*cohortAcc) []Cohort {
		out := []Cohort{}
		for _, k := range sortedKeys(m) {
			a := m[k]
			last := 0
			for off := range a.active {
				last = max(last, off)
			}
			co := Cohort{Cohort: k, Customers: a.customers, Active: make([]int64, last+1), Retention: make([]float64, last+1)}
			for off, n := range a.active {
				co.Active[off] = n
				co.Retention[off] = ratio(n, a.customers)
			}
			out = append(out, co)
		}
		return out
	}
	c.ByMonth, c.ByChannel = build(byMonth), build(byChan)
	segs, err := s.segments(ctx, lo, hi)
	if err != nil {
		return c, err
	}
	for _, seg := range build(bySeg) {
		if f := segs[seg.Cohort]; f != nil {
			f.Retention = seg.Retention
		}
	}
	for _, name := range []string{"omnichannel", "single_channel", "all"} {
		c.Segments = append(c.Segments, *segs[name])
	}
	return c, nil
}

// segments adds up customers by segment: all customers first seen in the
// months, and the buyers whose first purchase is in them.
func (s *Service) segments(ctx context.Context, lo, hi string) (map[string]*SegmentFigures, error) {
	out := map[string]*SegmentFigures{}
	for _, n := range []string{"omnichannel", "single_channel", "all"} {
		out[n] = &SegmentFigures{Segment: n, LifetimeValue: []Money{}, AverageOrderValue: []Money{}, Retention: []float64{}}
	}
	both := func(seg string, fn func(f *SegmentFigures)) {
		if f := out[seg]; f != nil {
			fn(f)
		}
		fn(out["all"])
	}
	err := s.scanRows(ctx, "SELECT segment, SUM(customers), SUM(purchasers) FROM analytics_segments WHERE month >= ? AND month <= ? GROUP BY segment",
		[]any{lo, hi}, func(scan func(...any) error) error {
			var seg string
			var cust, purch int64
			if err := scan(&seg, &cust, &purch); err != nil {
				return err
			}
			both(seg, func(f *SegmentFigures) { f.Customers += cust; f.Purchasers += purch })
			return nil
		})
	if err != nil {
		return nil, wrap("load segments", err)
	}
	err = s.scanRows(ctx, `SELECT segment, SUM(customers), SUM(repeat_customers), SUM(orders) FROM analytics_cohort_value
		WHERE cohort >= ? AND cohort <= ? GROUP BY segment`, []any{lo, hi}, func(scan func(...any) error) error {
		var seg string
		var cust, rep, orders int64
		if err := scan(&seg, &cust, &rep, &orders); err != nil {
			return err
		}
		both(seg, func(f *SegmentFigures) { f.Buyers += cust; f.RepeatBuyers += rep; f.Orders += orders })
		return nil
	})
	if err != nil {
		return nil, wrap("load cohort values", err)
	}
	revenue := map[string]map[string]int64{}
	err = s.scanRows(ctx, `SELECT segment, currency, SUM(revenue_minor) FROM analytics_cohort_revenue
		WHERE cohort >= ? AND cohort <= ? GROUP BY segment, currency`, []any{lo, hi}, func(scan func(...any) error) error {
		var seg, cur string
		var v int64
		if err := scan(&seg, &cur, &v); err != nil {
			return err
		}
		for _, k := range []string{seg, "all"} {
			if revenue[k] == nil {
				revenue[k] = map[string]int64{}
			}
			revenue[k][cur] += v
		}
		return nil
	})
	if err != nil {
		return nil, wrap("load cohort revenue", err)
	}
	for name, f := range out {
		f.PurchaseRate = ratio(f.Purchasers, f.Customers)
		f.RepeatPurchaseRate = ratio(f.RepeatBuyers, f.Buyers)
		f.OrdersPerBuyer = ratio(f.Orders, f.Buyers)
		ltv, aov := map[string]int64{}, map[string]int64{}
		for cur, v := range revenue[name] {
			ltv[cur] = divRound(v, f.Buyers)
			aov[cur] = divRound(v, f.Orders)
		}
		f.LifetimeValue, f.AverageOrderValue = moneyList(ltv), moneyList(aov)
	}
	return out, nil
}

// scanRows runs a query and calls fn for each row.
func (s *Service) scanRows(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
