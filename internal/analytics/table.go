package analytics

import (
	"context"
	"strconv"
	"strings"
)

// Table is a flat table of a report, for CSV export.
type Table struct {
	Name    string
	Columns []string
	Rows    [][]string
}

func i64(v int64) string   { return strconv.FormatInt(v, 10) }
func f64(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// moneyRows calls fn once per currency of the lists (at least once, with
// "" when there is no money), with each list's amount in that currency.
func moneyRows(fn func(currency string, amounts []int64), lists ...[]Money) {
	seen := map[string]bool{}
	for _, l := range lists {
		for _, m := range l {
			seen[m.Currency] = true
		}
	}
	if len(seen) == 0 {
		seen[""] = true
	}
	for _, c := range sortedKeys(seen) {
		amounts := make([]int64, len(lists))
		for i, l := range lists {
			for _, m := range l {
				if m.Currency == c {
					amounts[i] = m.Minor
				}
			}
		}
		fn(c, amounts)
	}
}

// Tables returns the overview as one row per channel ("all" first), period
// and currency.
func (o Overview) Tables() []Table {
	t := Table{Name: "channels", Columns: []string{"channel", "period", "from", "to", "currency", "events", "orders",
		"revenue_minor", "refunded_minor", "net_revenue_minor", "average_order_value_minor", "visitors", "purchasers",
		"conversion_rate", "new_customers", "returning_customers"}}
	add := func(ch, period string, r Range, f Figures) {
		moneyRows(func(cur string, a []int64) {
			t.Rows = append(t.Rows, []string{ch, period, r.From, r.To, cur, i64(f.Events), i64(f.Orders), i64(a[0]), i64(a[1]),
				i64(a[2]), i64(a[3]), i64(f.Visitors), i64(f.Purchasers), f64(f.ConversionRate), i64(f.NewCustomers),
				i64(f.ReturningCustomers)})
		}, f.Revenue, f.Refunded, f.NetRevenue, f.AverageOrderValue)
	}
	add("all", "current", o.Period, o.Current)
	add("all", "previous", o.Previous, o.Before)
	for _, c := range o.Channels {
		add(c.Channel, "current", o.Period, c.Current)
		add(c.Channel, "previous", o.Previous, c.Previous)
	}
	return []Table{t}
}

// Tables returns the funnel's steps and their split by channel.
func (f Funnel) Tables() []Table {
	steps := Table{Name: "steps", Columns: []string{"step", "customers", "rate_from_previous", "switched_channel", "switched_share"}}
	by := Table{Name: "by_channel", Columns: []string{"step", "channel", "customers"}}
	for _, s := range f.Steps {
		steps.Rows = append(steps.Rows, []string{s.Step, i64(s.Customers), f64(s.RateFromPrevious), i64(s.SwitchedChannel), f64(s.SwitchedShare)})
		for _, c := range s.ByChannel {
			by.Rows = append(by.Rows, []string{s.Step, c.Channel, i64(c.Customers)})
		}
	}
	return []Table{steps, by}
}

// Tables returns every model's credit by channel and by campaign.
func (a Attribution) Tables() []Table {
	cols := []string{"model", "", "currency", "credit_minor", "share", "conversions"}
	ch := Table{Name: "by_channel", Columns: append([]string{}, cols...)}
	camp := Table{Name: "by_campaign", Columns: append([]string{}, cols...)}
	ch.Columns[1], camp.Columns[1] = "channel", "campaign"
	for _, m := range a.Models {
		for _, c := range m.ByChannel {
			ch.Rows = append(ch.Rows, []string{string(m.Model), c.Key, c.Currency, i64(c.Minor), f64(c.Share), f64(c.Conversions)})
		}
		for _, c := range m.ByCampaign {
			camp.Rows = append(camp.Rows, []string{string(m.Model), c.Key, c.Currency, i64(c.Minor), f64(c.Share), f64(c.Conversions)})
		}
	}
	return []Table{ch, camp}
}

// Tables returns the cohorts (one row per cohort and month offset) and the
// segment comparison.
func (c Cohorts) Tables() []Table {
	cohortTable := func(name, key string, cs []Cohort) Table {
		t := Table{Name: name, Columns: []string{key, "customers", "month_offset", "active", "retention"}}
		for _, co := range cs {
			for off, n := range co.Active {
				t.Rows = append(t.Rows, []string{co.Cohort, i64(co.Customers), strconv.Itoa(off), i64(n), f64(co.Retention[off])})
			}
		}
		return t
	}
	seg := Table{Name: "segments", Columns: []string{"segment", "currency", "customers", "purchasers", "purchase_rate",
		"buyers", "repeat_buyers", "repeat_purchase_rate", "orders", "orders_per_buyer", "lifetime_value_minor",
		"average_order_value_minor", "retention_month_1"}}
	for _, s := range c.Segments {
		m1 := 0.0
		if len(s.Retention) > 1 {
			m1 = s.Retention[1]
		}
		moneyRows(func(cur string, a []int64) {
			seg.Rows = append(seg.Rows, []string{s.Segment, cur, i64(s.Customers), i64(s.Purchasers), f64(s.PurchaseRate),
				i64(s.Buyers), i64(s.RepeatBuyers), f64(s.RepeatPurchaseRate), i64(s.Orders), f64(s.OrdersPerBuyer),
				i64(a[0]), i64(a[1]), f64(m1)})
		}, s.LifetimeValue, s.AverageOrderValue)
	}
	return []Table{cohortTable("by_month", "cohort", c.ByMonth), cohortTable("by_channel", "acquisition_channel", c.ByChannel), seg}
}

// Tables returns the service figures, the total first as channel "all".
func (r ServiceReport) Tables() []Table {
	t := Table{Name: "channels", Columns: []string{"channel", "conversations", "inbound_messages", "outbound_messages",
		"responded", "response_rate", "avg_first_response_seconds", "avg_resolution_seconds", "contacts_per_conversation",
		"cross_channel", "cross_channel_share"}}
	total := r.Total
	total.Channel = "all"
	for _, f := range append([]ServiceFigures{total}, r.ByChannel...) {
		t.Rows = append(t.Rows, []string{f.Channel, i64(f.Conversations), i64(f.Inbound), i64(f.Outbound), i64(f.Responded),
			f64(f.ResponseRate), f64(f.AvgFirstResponseSeconds), f64(f.AvgResolutionSeconds), f64(f.ContactsPerConversation),
			i64(f.CrossChannel), f64(f.CrossChannelShare)})
	}
	return []Table{t}
}

// Tables returns the report's lines.
func (r StrategyReport) Tables() []Table {
	t := Table{Name: "lines", Columns: []string{"key", "title", "connected", "siloed", "lost", "base", "share", "customers",
		"revenue_minor", "revenue_base_minor", "example_customer_id", "method"}}
	for _, l := range r.Lines {
		t.Rows = append(t.Rows, []string{l.Key, l.Title, i64(l.Connected), i64(l.Siloed), i64(l.Lost), i64(l.Base),
			f64(l.Share), i64(l.Customers), moneyText(l.Revenue), moneyText(l.RevenueBase), l.Example, l.Method})
	}
	return []Table{t}
}

// moneyText writes amounts as "EUR:10000 USD:250".
func moneyText(ms []Money) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Currency + ":" + i64(m.Minor)
	}
	return strings.Join(parts, " ")
}

// DailyRow is one daily rollup.
type DailyRow struct {
	Day         string `json:"day"`
	Channel     string `json:"channel"`
	Name        string `json:"name"`
	Currency    string `json:"currency"`
	Events      int64  `json:"events"`
	Orders      int64  `json:"orders"`
	AmountMinor int64  `json:"amount_minor"`
}

// Daily is the period's daily rollups.
type Daily struct {
	Period Range      `json:"period"`
	Rows   []DailyRow `json:"rows"`
}

// Daily returns the daily rollups of p, by day, channel, event name and currency.
func (s *Service) Daily(ctx context.Context, p Period) (Daily, error) {
	d := Daily{Period: p.Range(), Rows: []DailyRow{}}
	err := s.scanRows(ctx, `SELECT day, channel, name, currency, events, orders, amount_minor FROM analytics_daily
		WHERE day >= ? AND day < ? ORDER BY day, channel, name, currency`, []any{int64(p.From), int64(p.To)},
		func(scan func(...any) error) error {
			var r DailyRow
			var day Day
			if err := scan(&day, &r.Channel, &r.Name, &r.Currency, &r.Events, &r.Orders, &r.AmountMinor); err != nil {
				return err
			}
			r.Day = day.String()
			d.Rows = append(d.Rows, r)
			return nil
		})
	return d, wrap("load daily rollups", err)
}

// Tables returns the rollups.
func (d Daily) Tables() []Table {
	t := Table{Name: "daily", Columns: []string{"day", "channel", "name", "currency", "events", "orders", "amount_minor"}}
	for _, r := range d.Rows {
		t.Rows = append(t.Rows, []string{r.Day, r.Channel, r.Name, r.Currency, i64(r.Events), i64(r.Orders), i64(r.AmountMinor)})
	}
	return []Table{t}
}
