package dashboard

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
)

// AnalyticsSource is what the Analytics pages read from the analytics
// service. Funnel comes from the rollups kept on ingest; attribution,
// cohorts, service figures and the stored strategy report come from the
// latest refresh (a replay of the whole event log), which LatestRefresh
// describes and Refresh runs again.
type AnalyticsSource interface {
	Funnel(ctx context.Context, p analytics.Period) (analytics.Funnel, error)
	Attribution(ctx context.Context, p analytics.Period) (analytics.Attribution, error)
	Cohorts(ctx context.Context, p analytics.Period) (analytics.Cohorts, error)
	Support(ctx context.Context, p analytics.Period) (analytics.ServiceReport, error)
	StoredStrategy(ctx context.Context) (analytics.StrategyReport, error)
	LatestRefresh(ctx context.Context) (analytics.RefreshInfo, bool, error)
	Refresh(ctx context.Context, progress func(events int64)) (analytics.RefreshInfo, error)
}

// refreshRoles may recompute the figures, as POST /api/v1/analytics/refresh allows.
var refreshRoles = []auth.Scope{auth.ScopeMarketer}

// analyticsTab is one page of the Analytics section.
type analyticsTab struct {
	Key, Title, Path string
	Report           string // the report's name in CSV exports and the API
	Snapshot         bool   // read from the latest refresh
}

var analyticsTabs = []analyticsTab{
	{Key: "funnel", Title: "Funnel", Path: "/analytics", Report: "funnel"},
	{Key: "attribution", Title: "Attribution", Path: "/analytics/attribution", Report: "attribution", Snapshot: true},
	{Key: "retention", Title: "Retention", Path: "/analytics/retention", Report: "cohorts", Snapshot: true},
	{Key: "service", Title: "Service", Path: "/analytics/service", Report: "service", Snapshot: true},
	{Key: "strategy", Title: "Channel strategy", Path: "/analytics/strategy", Report: "strategy", Snapshot: true},
}

func (h *Handler) mountAnalytics(mux *http.ServeMux, s section) {
	pages := map[string]func(context.Context, *analyticsPage, url.Values) error{
		"funnel": h.funnelPage, "attribution": h.attributionPage, "retention": h.retentionPage,
		"service": h.servicePage, "strategy": h.strategyPage,
	}
	for _, tab := range analyticsTabs {
		mux.Handle("GET "+tab.Path, h.guard(s.roles, h.analyticsPage(tab, pages[tab.Key])))
	}
	mux.Handle("GET /analytics/export/{report}", h.guard(s.roles, h.exportAnalytics))
	mux.Handle("POST /analytics/refresh", h.guard(refreshRoles, h.refreshAnalytics))
}

// analyticsPage is what every Analytics page shows around its figures.
type analyticsPage struct {
	Tab        analyticsTab
	Tabs       []analyticsTab
	Period     periodView
	Refresh    analytics.RefreshInfo // the snapshot the figures come from
	Computed   bool                  // there is a snapshot
	CanRefresh bool
	Customers  bool // the user may open customer profiles (examples link to them)
	Refreshed  bool // the page follows a recompute
	Figures    any  // the tab's own view
}

// CSV is the export URL of one of the page's tables, over the page's period.
func (p *analyticsPage) CSV(table string) string {
	u := "/analytics/export/" + p.Tab.Report + "?table=" + url.QueryEscape(table)
	if p.Tab.Key != "strategy" {
		u += "&" + url.Values{"from": {p.Period.From}, "to": {p.Period.To}}.Encode()
	}
	return u
}

// Link is the URL of path over the page's period, with extra query pairs.
func (p *analyticsPage) Link(path string, kv ...string) string {
	q := p.Period.query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return path + "?" + q.Encode()
}

// analyticsPage renders one tab: the period, the snapshot it reads (when it
// reads one) and the tab's figures; htmx requests get only the figures.
func (h *Handler) analyticsPage(tab analyticsTab, fill func(context.Context, *analyticsPage, url.Values) error) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, req *request) error {
		q := r.URL.Query()
		per, err := parsePeriodView(q, h.o.Now())
		if err != nil {
			return err
		}
		v := &analyticsPage{Tab: tab, Tabs: analyticsTabs, Period: per, Refreshed: q.Get("refreshed") != "",
			CanRefresh: req.user.Role.Allows(refreshRoles...), Customers: req.user.Role.Allows(agentRoles...)}
		ctx := r.Context()
		if tab.Snapshot {
			if v.Refresh, v.Computed, err = h.d.Analytics.LatestRefresh(ctx); err != nil {
				return err
			}
		}
		if !tab.Snapshot || v.Computed {
			if err := fill(ctx, v, q); err != nil {
				return err
			}
		}
		page := "analytics-" + tab.Key
		w.Header().Set("Vary", "HX-Request")
		if isFragment(r) {
			h.renderBlock(w, r, http.StatusOK, page, "figures", view{Data: v})
			return nil
		}
		h.render(w, r, http.StatusOK, page, h.withSession(view{Title: "Analytics · " + tab.Title, Active: "analytics", Data: v}, req))
		return nil
	}
}

// periodView is the period picker: 7, 30 or 90 days to today, or chosen days.
type periodView struct {
	Days     int // the preset in use; 0 for chosen days
	Presets  []int
	From, To string // first and last day, YYYY-MM-DD
	p        analytics.Period
}

func (v periodView) query() url.Values {
	if v.Days != 0 {
		return url.Values{"days": {strconv.Itoa(v.Days)}}
	}
	return url.Values{"from": {v.From}, "to": {v.To}}
}

// parsePeriodView reads from/to (inclusive days) or days (7, 30 or 90,
// ending today; 30 by default).
func parsePeriodView(q url.Values, now time.Time) (periodView, error) {
	v := periodView{Presets: periods}
	var err error
	if q.Get("from") != "" || q.Get("to") != "" {
		v.p, err = analytics.ParsePeriod(q.Get("from"), q.Get("to"), now)
	} else {
		v.Days = 30
		if d := q.Get("days"); d != "" {
			n, err := strconv.Atoi(d)
			if err != nil || !slices.Contains(periods, n) {
				return v, errInvalid("days", "choose 7, 30 or 90 days")
			}
			v.Days = n
		}
		v.p = analytics.Period{To: analytics.DayOf(now.UnixMilli()) + 1}
		v.p.From = v.p.To - analytics.Day(v.Days)
	}
	rg := v.p.Range()
	v.From, v.To = rg.From, rg.To
	return v, err
}

// refreshAnalytics replays the event log into a new snapshot, as
// POST /api/v1/analytics/refresh does, and goes back to the tab (and
// period) the form names.
func (h *Handler) refreshAnalytics(w http.ResponseWriter, r *http.Request, req *request) error {
	_ = r.ParseForm()
	tab := analyticsTabs[len(analyticsTabs)-1] // the strategy report, unless the form names another tab
	if i := slices.IndexFunc(analyticsTabs, func(t analyticsTab) bool { return t.Key == r.PostForm.Get("tab") }); i >= 0 {
		tab = analyticsTabs[i]
	}
	per, err := parsePeriodView(r.PostForm, h.o.Now())
	if err != nil {
		per, _ = parsePeriodView(url.Values{}, h.o.Now())
	}
	if _, err := h.d.Analytics.Refresh(r.Context(), nil); err != nil {
		return err
	}
	q := per.query()
	q.Set("refreshed", "1")
	http.Redirect(w, r, tab.Path+"?"+q.Encode(), http.StatusSeeOther)
	return nil
}

// errNotComputed refuses exports of snapshot figures before the first refresh.
var errNotComputed error = apperr.New(apperr.Conflict, "these figures have not been computed yet; recompute them on the Channel strategy page")

// exportAnalytics sends one table of a report as CSV, over the period of
// the page that links to it.
func (h *Handler) exportAnalytics(w http.ResponseWriter, r *http.Request, req *request) error {
	report := r.PathValue("report")
	i := slices.IndexFunc(analyticsTabs, func(t analyticsTab) bool { return t.Report == report })
	if i < 0 {
		return apperr.New(apperr.NotFound, "no such report")
	}
	q := r.URL.Query()
	per, err := parsePeriodView(q, h.o.Now())
	if err != nil {
		return err
	}
	ctx := r.Context()
	if analyticsTabs[i].Snapshot {
		if _, ok, err := h.d.Analytics.LatestRefresh(ctx); err != nil || !ok {
			return cmp.Or(err, errNotComputed)
		}
	}
	tables, p, err := h.reportTables(ctx, report, per.p)
	if err != nil {
		return err
	}
	t, err := analytics.FindTable(tables, q.Get("table"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+analytics.CSVName(report, t.Name, p)+`"`)
	_ = t.WriteCSV(w) // it fails only when the client has gone
	return nil
}

// reportTables loads a report's tables for p, and the period they cover
// (the zero period for the all-time strategy report).
func (h *Handler) reportTables(ctx context.Context, report string, p analytics.Period) ([]analytics.Table, analytics.Period, error) {
	src := h.d.Analytics
	var t interface{ Tables() []analytics.Table }
	var err error
	switch report {
	case "funnel":
		t, err = src.Funnel(ctx, p)
	case "attribution":
		t, err = src.Attribution(ctx, p)
	case "cohorts":
		t, err = src.Cohorts(ctx, p)
	case "service":
		t, err = src.Support(ctx, p)
	default:
		t, err = src.StoredStrategy(ctx)
		p = analytics.Period{}
	}
	if err != nil {
		return nil, p, err
	}
	return t.Tables(), p, nil
}
