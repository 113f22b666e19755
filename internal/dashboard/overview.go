package dashboard

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/dashboard/chart"
	"github.com/omni-hq/omni/internal/money"
)

// OverviewSource supplies the commerce figures of the Overview page: what
// was sold in [from, to), in total and by channel. The commerce domain
// provides it; while Deps.Overview is nil the revenue, orders, average order
// value and conversion panels say "no data yet" instead of showing numbers.
type OverviewSource interface {
	Sales(ctx context.Context, from, to time.Time) (Sales, error)
}

// Sales are the commerce figures of one period.
type Sales struct {
	Revenue   money.Amount            // all orders, in the shop's currency
	Orders    int64                   // orders placed
	Buyers    int64                   // customers who placed at least one order
	Visitors  int64                   // customers active on any channel; Buyers/Visitors is the conversion rate
	ByChannel map[string]ChannelSales // by the channel the order was placed on
}

// ChannelSales are one channel's part of Sales.
type ChannelSales struct {
	Revenue money.Amount
	Orders  int64
}

// periods are the spans the Overview offers, in days.
var periods = []int{7, 30, 90}

type overviewView struct {
	Days           int
	Periods        []int
	From, PrevFrom time.Time
	Customers      activity.CustomerCounts
	Events         int64
	PrevEvents     int64
	Channels       []channelRow
	DailyChart     template.HTML
	ChannelChart   template.HTML
	Sales          salesView
}

type channelRow struct {
	Name       string
	Events     int64
	PrevEvents int64
	Orders     string
	Revenue    string
}

// salesView is the commerce panels: either figures or "no data yet".
type salesView struct {
	Connected            bool
	Revenue, PrevRevenue string
	Orders, PrevOrders   int64
	AOV, PrevAOV         string
	Conv, PrevConv       string
}

func (h *Handler) overview(w http.ResponseWriter, r *http.Request, req *request) error {
	days := 30
	if p := r.URL.Query().Get("days"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || !slices.Contains(periods, n) {
			return errInvalid("days", "choose 7, 30 or 90 days")
		}
		days = n
	}
	now := h.o.Now().UTC()
	from := now.Truncate(activity.Day).AddDate(0, 0, 1-days)
	prevFrom := from.AddDate(0, 0, -days)
	ctx := r.Context()
	v := overviewView{Days: days, Periods: periods, From: from, PrevFrom: prevFrom}

	series, err := h.d.Activity.EventsByDay(ctx, prevFrom, now)
	if err != nil {
		return err
	}
	if v.Customers, err = h.d.Activity.Customers(ctx, activity.Period{From: from, To: now},
		activity.Period{From: prevFrom, To: from}); err != nil {
		return err
	}
	cur, prev, err := loadSales(ctx, h.d.Overview, from, prevFrom, now)
	if err != nil {
		return err
	}
	v.Sales = salesPanels(cur, prev)
	v.fillEvents(series, days, cur)
	h.render(w, r, http.StatusOK, "overview", h.withSession(view{Title: "Overview", Active: "overview", Data: v}, req))
	return nil
}

// loadSales asks the commerce source for both periods; a nil source gives
// nil figures, which the page shows as "no data yet".
func loadSales(ctx context.Context, src OverviewSource, from, prevFrom, now time.Time) (*Sales, *Sales, error) {
	if src == nil {
		return nil, nil, nil
	}
	cur, err := src.Sales(ctx, from, now)
	if err != nil {
		return nil, nil, fmt.Errorf("load sales: %w", err)
	}
	prev, err := src.Sales(ctx, prevFrom, from)
	if err != nil {
		return nil, nil, fmt.Errorf("load previous sales: %w", err)
	}
	return &cur, &prev, nil
}

func salesPanels(cur, prev *Sales) salesView {
	if cur == nil || prev == nil {
		return salesView{}
	}
	return salesView{Connected: true,
		Revenue: showAmount(cur.Revenue), PrevRevenue: showAmount(prev.Revenue),
		Orders: cur.Orders, PrevOrders: prev.Orders,
		AOV: aov(*cur), PrevAOV: aov(*prev),
		Conv: percent(cur.Buyers, cur.Visitors), PrevConv: percent(prev.Buyers, prev.Visitors)}
}

// showAmount formats an amount; one without a currency (nothing sold yet)
// is a bare 0.
func showAmount(a money.Amount) string {
	if a.Currency == "" {
		return strconv.FormatInt(a.Minor, 10)
	}
	return a.String()
}

// aov is the average order value, or "–" without orders.
func aov(s Sales) string {
	if s.Orders == 0 {
		return "–"
	}
	a, err := s.Revenue.Fraction(1, s.Orders)
	if err != nil {
		return "–"
	}
	return a.String()
}

func percent(num, den int64) string {
	if den == 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(num)/float64(den)*100, 'f', 1, 64) + "%"
}

// fillEvents splits the 2×days series into the previous and the current
// period and draws the charts.
func (v *overviewView) fillEvents(s activity.Series, days int, sales *Sales) {
	names := make([]string, 0, len(s.ByChannel))
	for ch := range s.ByChannel {
		names = append(names, ch)
	}
	slices.Sort(names)
	labels := make([]string, 0, days)
	for _, d := range s.Days[len(s.Days)-days:] {
		labels = append(labels, d.Format("Jan 2"))
	}
	var lines []chart.Series
	curBars := chart.Series{Name: fmt.Sprintf("Last %d days", days), Color: "#2563eb"}
	prevBars := chart.Series{Name: "Previous period", Color: "#cbd5e1"}
	for _, ch := range names {
		counts := s.ByChannel[ch]
		row := channelRow{Name: ch, Events: sum(counts[len(counts)-days:]), PrevEvents: sum(counts[:len(counts)-days])}
		if sales != nil {
			cs := sales.ByChannel[ch]
			row.Orders, row.Revenue = strconv.FormatInt(cs.Orders, 10), showAmount(cs.Revenue)
		}
		v.Channels = append(v.Channels, row)
		v.Events += row.Events
		v.PrevEvents += row.PrevEvents
		if row.Events > 0 {
			vals := make([]float64, days)
			for i, c := range counts[len(counts)-days:] {
				vals[i] = float64(c)
			}
			lines = append(lines, chart.Series{Name: ch, Values: vals, Color: channelColors[ch]})
		}
		curBars.Values = append(curBars.Values, float64(row.Events))
		prevBars.Values = append(prevBars.Values, float64(row.PrevEvents))
	}
	v.DailyChart = chart.Line{Title: fmt.Sprintf("Events per day by channel, last %d days", days),
		Labels: labels, Series: lines, Whole: true}.SVG()
	v.ChannelChart = chart.Bar{Title: "Events by channel, this period and the previous one",
		Categories: names, Series: []chart.Series{curBars, prevBars}, Whole: true, Height: 220}.SVG()
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}
