package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
)

// Analytics is what the analytics routes need from the analytics service.
type Analytics interface {
	Overview(ctx context.Context, p analytics.Period) (analytics.Overview, error)
	Daily(ctx context.Context, p analytics.Period) (analytics.Daily, error)
	Funnel(ctx context.Context, p analytics.Period) (analytics.Funnel, error)
	Attribution(ctx context.Context, p analytics.Period) (analytics.Attribution, error)
	Cohorts(ctx context.Context, p analytics.Period) (analytics.Cohorts, error)
	Support(ctx context.Context, p analytics.Period) (analytics.ServiceReport, error)
	Strategy(ctx context.Context, p analytics.Period, progress func(int64)) (analytics.StrategyReport, error)
	StoredStrategy(ctx context.Context) (analytics.StrategyReport, error)
	Refresh(ctx context.Context, progress func(int64)) (analytics.RefreshInfo, error)
}

// tabler is a report that can be exported as CSV tables.
type tabler interface{ Tables() []analytics.Table }

// analyticsScopes may read analytics: marketers and read-only tokens (and admins).
var analyticsScopes = []auth.Scope{auth.ScopeMarketer, auth.ScopeRead}

var periodParams = []Param{
	{Name: "from", In: "query", Description: "first day, YYYY-MM-DD (default: 30 days before to)"},
	{Name: "to", In: "query", Description: "last day, YYYY-MM-DD, included (default: today, UTC)"},
	{Name: "format", In: "query", Description: "json (default) or csv"},
	{Name: "table", In: "query", Description: "with format=csv: which table (default: the first)"},
}

// AnalyticsRoutes are the analytics and channel-strategy report routes. now
// gives "today" for default periods.
func AnalyticsRoutes(an Analytics, now func() time.Time) []Route {
	route := func(path, summary string, resp tabler, fn func(r *http.Request, p analytics.Period) (tabler, error)) Route {
		return Route{Method: "GET", Path: "/api/v1/analytics/" + path, Summary: summary, Tag: "analytics",
			Scopes: analyticsScopes, Params: periodParams, Response: resp,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				q := r.URL.Query()
				p, err := analytics.ParsePeriod(q.Get("from"), q.Get("to"), now())
				if err != nil {
					return err
				}
				v, err := fn(r, p)
				if err != nil {
					return err
				}
				return writeReport(w, r, path, p, v)
			}}
	}
	return []Route{
		route("overview", "Revenue, orders, AOV, conversion and new vs returning customers by channel, vs the previous period",
			analytics.Overview{}, func(r *http.Request, p analytics.Period) (tabler, error) { return an.Overview(r.Context(), p) }),
		route("daily", "Daily rollups by channel, event name and currency", analytics.Daily{},
			func(r *http.Request, p analytics.Period) (tabler, error) { return an.Daily(r.Context(), p) }),
		route("funnel", "View → add to cart → checkout → purchase, counting customers across channels", analytics.Funnel{},
			func(r *http.Request, p analytics.Period) (tabler, error) { return an.Funnel(r.Context(), p) }),
		route("attribution", "Revenue of the period's orders credited to channels and campaigns by five models", analytics.Attribution{},
			func(r *http.Request, p analytics.Period) (tabler, error) { return an.Attribution(r.Context(), p) }),
		route("cohorts", "Retention cohorts, repeat purchase, lifetime value; omnichannel vs single-channel customers", analytics.Cohorts{},
			func(r *http.Request, p analytics.Period) (tabler, error) { return an.Cohorts(r.Context(), p) }),
		route("service", "First response, resolution, contacts per conversation, conversations continued on another channel",
			analytics.ServiceReport{}, func(r *http.Request, p analytics.Period) (tabler, error) { return an.Support(r.Context(), p) }),
		{Method: "GET", Path: "/api/v1/analytics/strategy", Tag: "analytics", Scopes: analyticsScopes,
			Summary: "The channel-strategy report: what running the channels as silos would lose (all time from the latest refresh, or replayed for from/to)",
			Params:  periodParams, Response: analytics.StrategyReport{},
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				q := r.URL.Query()
				if q.Get("from") == "" && q.Get("to") == "" {
					rep, err := an.StoredStrategy(r.Context())
					if err != nil {
						return err
					}
					return writeReport(w, r, "strategy", analytics.Period{}, rep)
				}
				p, err := analytics.ParsePeriod(q.Get("from"), q.Get("to"), now())
				if err != nil {
					return err
				}
				rep, err := an.Strategy(r.Context(), p, nil)
				if err != nil {
					return err
				}
				return writeReport(w, r, "strategy", p, rep)
			}},
		{Method: "POST", Path: "/api/v1/analytics/refresh", Tag: "analytics", Scopes: []auth.Scope{auth.ScopeMarketer},
			Summary:  "Replay the event log now and replace the attribution, cohort, service and strategy snapshot",
			Response: analytics.RefreshInfo{},
			Handle: JSON(func(r *http.Request) (analytics.RefreshInfo, error) {
				return an.Refresh(r.Context(), nil)
			})},
	}
}

// writeReport writes v as JSON, or one of its tables as CSV with format=csv.
func writeReport(w http.ResponseWriter, r *http.Request, name string, p analytics.Period, v tabler) error {
	q := r.URL.Query()
	switch q.Get("format") {
	case "", "json":
		WriteJSON(w, http.StatusOK, v)
		return nil
	case "csv":
	default:
		return apperr.InvalidField("format", "must be json or csv")
	}
	t, err := analytics.FindTable(v.Tables(), q.Get("table"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+analytics.CSVName(name, t.Name, p)+`"`)
	w.WriteHeader(http.StatusOK)
	_ = t.WriteCSV(w)
	return nil
}
