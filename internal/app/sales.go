package app

import (
	"context"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/dashboard"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/swr"
)

// sales gives the dashboard's Overview its revenue, orders and average
// order value from the orders paid in a period, in the shop's main currency,
// and the period's visitors (for the conversion rate) from analytics.
type sales struct {
	orders    *order.Service
	analytics *analytics.Service
	recent    *swr.Cache[[2]int64, dashboard.Sales]
}

// salesFresh is how long a period's figures are answered as they are. The
// visitors of 90 days are the union of 90 days of customer sets, a good part
// of a page's budget at a million customers; figures 15 seconds old are as
// true for someone looking at the dashboard, and an older one is answered
// once more while the figures are taken again behind it (up to salesMaxAge).
const (
	salesFresh  = 15 * time.Second
	salesMaxAge = 10 * time.Minute
)

func newSales(orders *order.Service, a *analytics.Service) *sales {
	return &sales{orders: orders, analytics: a,
		recent: swr.New[[2]int64, dashboard.Sales](swr.Options{Fresh: salesFresh, MaxAge: salesMaxAge, MaxEntries: 64})}
}

// Sales implements dashboard.OverviewSource. A period that ends now (within
// a minute) is one cache entry however its end moves; figures are reused for
// salesFresh.
func (s *sales) Sales(ctx context.Context, from, to time.Time) (dashboard.Sales, error) {
	out, _, err := s.recent.Get(ctx, salesKey(from, to, time.Now()), func(ctx context.Context) (dashboard.Sales, error) {
		return s.take(ctx, from, to)
	})
	return out, err
}

// salesKey names a period for the cache: a period ending within a minute of
// now is "up to now" (end 0), one entry however its end moves.
func salesKey(from, to, now time.Time) [2]int64 {
	if now.Sub(to).Abs() < time.Minute {
		return [2]int64{from.UnixMilli(), 0}
	}
	return [2]int64{from.UnixMilli(), to.UnixMilli()}
}

// take computes a period's figures. Before the first paid order every
// figure is zero, without a currency.
func (s *sales) take(ctx context.Context, from, to time.Time) (dashboard.Sales, error) {
	cur, err := s.orders.MainCurrency(ctx)
	if err != nil {
		return dashboard.Sales{}, err
	}
	got, err := s.orders.Sales(ctx, cur, from, to)
	if err != nil {
		return dashboard.Sales{}, err
	}
	c := money.Currency(cur)
	out := dashboard.Sales{Revenue: money.New(got.Revenue, c), Orders: got.Orders, Buyers: got.Buyers,
		ByChannel: map[string]dashboard.ChannelSales{}}
	if s.analytics != nil {
		ov, err := s.analytics.Overview(ctx, analytics.NewPeriod(from, to))
		if err != nil {
			return dashboard.Sales{}, err
		}
		out.Visitors = ov.Current.Visitors
	}
	for ch, cs := range got.ByChannel {
		out.ByChannel[ch] = dashboard.ChannelSales{Revenue: money.New(cs.Revenue, c), Orders: cs.Orders}
	}
	return out, nil
}

// recentFunnels gives the dashboard the analytics service with its funnels
// reused for salesFresh: a 90-day funnel unions 90 days of customer sets
// per step and channel, about 100 ms of a core at a million customers, and
// the Analytics page and its CSV ask for it on every view.
type recentFunnels struct {
	*analytics.Service
	funnels *swr.Cache[analytics.Period, analytics.Funnel]
}

func newRecentFunnels(a *analytics.Service) recentFunnels {
	return recentFunnels{Service: a,
		funnels: swr.New[analytics.Period, analytics.Funnel](swr.Options{Fresh: salesFresh, MaxAge: salesMaxAge, MaxEntries: 64})}
}

// Funnel implements dashboard.AnalyticsSource.
func (r recentFunnels) Funnel(ctx context.Context, p analytics.Period) (analytics.Funnel, error) {
	f, _, err := r.funnels.Get(ctx, p, func(ctx context.Context) (analytics.Funnel, error) { return r.Service.Funnel(ctx, p) })
	return f, err
}
