package dashboard

import (
	"context"
	"html/template"
	"math"
	"net/url"
	"slices"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/dashboard/chart"
	"github.com/omni-hq/omni/internal/money"
)

type funnelView struct {
	analytics.Funnel
	Channels []string    // channels with customers at any step, for the columns
	Rows     []funnelRow // one per step
	Chart    template.HTML
}

type funnelRow struct {
	analytics.FunnelStep
	FromFirst float64
	ByChannel []int64 // customers per channel of Channels
}

func (h *Handler) funnelPage(ctx context.Context, v *analyticsPage, _ url.Values) error {
	f, err := h.d.Analytics.Funnel(ctx, v.Period.p)
	if err != nil {
		return err
	}
	fv := funnelView{Funnel: f}
	for _, st := range f.Steps {
		for _, c := range st.ByChannel {
			if !slices.Contains(fv.Channels, c.Channel) {
				fv.Channels = append(fv.Channels, c.Channel)
			}
		}
	}
	slices.Sort(fv.Channels)
	bars := chart.Series{Name: "Customers", Color: "#2563eb"}
	var labels []string
	for _, st := range f.Steps {
		row := funnelRow{FunnelStep: st, ByChannel: make([]int64, len(fv.Channels))}
		if len(f.Steps) > 0 && f.Steps[0].Customers > 0 {
			row.FromFirst = float64(st.Customers) / float64(f.Steps[0].Customers)
		}
		for _, c := range st.ByChannel {
			row.ByChannel[slices.Index(fv.Channels, c.Channel)] = c.Customers
		}
		fv.Rows = append(fv.Rows, row)
		labels = append(labels, stepTitle(st.Step))
		bars.Values = append(bars.Values, float64(st.Customers))
	}
	fv.Chart = chart.Bar{Title: "Customers at each step of the funnel, all channels", Categories: labels,
		Series: []chart.Series{bars}, Whole: true, Height: 220}.SVG()
	v.Figures = fv
	return nil
}

// stepTitle names a funnel step for people.
func stepTitle(step string) string {
	switch step {
	case "view":
		return "Viewed a product"
	case "add_to_cart":
		return "Added to cart"
	case "checkout":
		return "Started checkout"
	case "purchase":
		return "Purchased"
	}
	return step
}

type attributionView struct {
	analytics.Attribution
	Model   analytics.ModelCredits // the model picked
	Models  []analytics.Model
	Chart   template.HTML // credit by channel under every model, in the main currency
	Revenue string
}

func (h *Handler) attributionPage(ctx context.Context, v *analyticsPage, q url.Values) error {
	model := analytics.LastTouch
	if m := q.Get("model"); m != "" {
		var err error
		if model, err = analytics.ParseModel(m); err != nil {
			return err
		}
	}
	a, err := h.d.Analytics.Attribution(ctx, v.Period.p)
	if err != nil {
		return err
	}
	av := attributionView{Attribution: a, Models: analytics.Models, Revenue: moneyList(a.Revenue)}
	for _, m := range a.Models {
		if m.Model == model {
			av.Model = m
		}
	}
	av.Model.Model = model
	if len(a.Revenue) > 0 {
		av.Chart = creditChart(a.Models, a.Revenue[0].Currency)
	}
	v.Figures = av
	return nil
}

// creditChart compares the models' credit by channel in one currency.
func creditChart(models []analytics.ModelCredits, currency string) template.HTML {
	var channels []string
	for _, m := range models {
		for _, c := range m.ByChannel {
			if c.Currency == currency && !slices.Contains(channels, c.Key) {
				channels = append(channels, c.Key)
			}
		}
	}
	slices.Sort(channels)
	exp, err := money.Currency(currency).Exponent()
	if err != nil {
		exp = 0
	}
	unit := math.Pow10(exp)
	var series []chart.Series
	for _, m := range models {
		s := chart.Series{Name: modelTitle(m.Model), Values: make([]float64, len(channels))}
		for _, c := range m.ByChannel {
			if c.Currency == currency {
				s.Values[slices.Index(channels, c.Key)] = float64(c.Minor) / unit
			}
		}
		series = append(series, s)
	}
	return chart.Bar{Title: "Revenue credited to each channel (" + currency + ") by model", Categories: channels,
		Series: series, Height: 240}.SVG()
}

// modelTitle names an attribution model for people.
func modelTitle(m analytics.Model) string {
	switch m {
	case analytics.FirstTouch:
		return "First touch"
	case analytics.LastTouch:
		return "Last touch"
	case analytics.Linear:
		return "Linear"
	case analytics.PositionBased:
		return "Position based"
	case analytics.TimeDecay:
		return "Time decay"
	}
	return string(m)
}

type retentionView struct {
	analytics.Cohorts
	Months  int // columns of month offsets in the cohort tables
	Overall analytics.SegmentFigures
}

func (h *Handler) retentionPage(ctx context.Context, v *analyticsPage, _ url.Values) error {
	c, err := h.d.Analytics.Cohorts(ctx, v.Period.p)
	if err != nil {
		return err
	}
	rv := retentionView{Cohorts: c}
	for _, co := range slices.Concat(c.ByMonth, c.ByChannel) {
		rv.Months = max(rv.Months, len(co.Active))
	}
	for _, s := range c.Segments {
		if s.Segment == "all" {
			rv.Overall = s
		}
	}
	v.Figures = rv
	return nil
}

func (h *Handler) servicePage(ctx context.Context, v *analyticsPage, _ url.Values) error {
	r, err := h.d.Analytics.Support(ctx, v.Period.p)
	if err != nil {
		return err
	}
	v.Figures = r
	return nil
}

func (h *Handler) strategyPage(ctx context.Context, v *analyticsPage, _ url.Values) error {
	r, err := h.d.Analytics.StoredStrategy(ctx)
	if err != nil {
		return err
	}
	v.Figures = r
	return nil
}

// modelAbout says how a model shares an order's value among its touchpoints.
func modelAbout(m analytics.Model) string {
	switch m {
	case analytics.FirstTouch:
		return "The whole order goes to the customer's first touchpoint within the look-back window."
	case analytics.LastTouch:
		return "The whole order goes to the last touchpoint before it: the visit in which the customer bought."
	case analytics.Linear:
		return "Every touchpoint within the look-back window gets an equal part."
	case analytics.PositionBased:
		return "40 % to the first and 40 % to the last touchpoint, 20 % shared by those between (half each with two)."
	case analytics.TimeDecay:
		return "Touchpoints closer to the order weigh more: a touchpoint's weight halves with every half-life before the order."
	}
	return ""
}
