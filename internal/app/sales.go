package app

import (
	"context"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/dashboard"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/order"
)

// sales gives the dashboard's Overview its revenue, orders and average
// order value from the orders paid in a period, in the shop's main currency,
// and the period's visitors (for the conversion rate) from analytics.
type sales struct {
	orders    *order.Service
	analytics *analytics.Service
}

// Sales implements dashboard.OverviewSource. Before the first paid order
// every figure is zero, without a currency.
func (s sales) Sales(ctx context.Context, from, to time.Time) (dashboard.Sales, error) {
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
