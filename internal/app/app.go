// Package app wires Omni together: it opens the store, builds the domain
// services, the background-job queue and the HTTP surfaces, and runs them
// until asked to stop.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/analytics"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/campaign"
	"github.com/omni-hq/omni/internal/config"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/dashboard"
	"github.com/omni-hq/omni/internal/httpapi"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/ingest"
	"github.com/omni-hq/omni/internal/jobs"
	"github.com/omni-hq/omni/internal/journey"
	"github.com/omni-hq/omni/internal/segment"
	"github.com/omni-hq/omni/internal/store"
)

// App is a running Omni node.
type App struct {
	cfg       config.Server
	log       *slog.Logger
	db        *store.DB
	auth      *auth.Service
	ids       *identity.Service
	customers *customer.Service
	ingest    *ingest.Service
	activity  *activity.Service
	analytics *analytics.Service
	segments  *segment.Service
	queue     *jobs.Queue
	commerce  *commerce
	journeys  *journey.Service
	campaigns *campaign.Service
	handler   http.Handler
	mux       *http.ServeMux
	routes    []httpapi.Route
	ch        channels
}

// New opens the database named in cfg, applies migrations and builds every
// service. Close releases what it opened.
func New(ctx context.Context, cfg config.Server, log *slog.Logger) (*App, error) {
	db, err := store.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	n, err := db.Migrate(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	log.Info("database ready", "database", db.String(), "migrations_applied", n)
	a := &App{cfg: cfg, log: log, db: db, auth: auth.NewService(db),
		ids: identity.NewService(db, identity.Options{}), customers: customer.NewService(db), activity: activity.NewService(db)}
	a.ids.OnMerge(a.customers.MergeTx)
	// One reader replays the log for the hourly snapshot, so that the other
	// core keeps answering requests meanwhile (BENCHMARKS.md, profile).
	a.analytics = analytics.NewService(db, analytics.Options{Workers: 1})
	a.segments = segment.NewService(db)
	a.customers.OnAppend(a.analytics.Append)
	a.customers.OnAppend(activity.RecordTx)
	a.ids.OnMerge(a.analytics.MergeTx)
	if err := a.build(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) build(ctx context.Context) error {
	a.commerce = a.newCommerce()
	workers := river.NewWorkers()
	river.AddWorker(workers, jobs.NewCleanupWorker(a.db, a.log, jobs.ExpiredSessions))
	river.AddWorker(workers, analytics.NewRefreshWorker(a.analytics, a.log, 30*time.Minute))
	periodic := append(a.buildInbox(workers), jobs.CleanupEvery(time.Hour), analytics.RefreshEvery(time.Hour))
	periodic = append(periodic, a.buildJourneys(workers))
	a.buildCampaigns(workers)
	q, err := jobs.New(a.db, jobs.Config{
		Workers:      workers,
		PeriodicJobs: append(periodic, a.commerce.workers(a, workers)...),
		Logger:       a.log.With("component", "jobs"),
	})
	if err != nil {
		return err
	}
	a.queue = q
	a.campaigns.UseQueue(q)

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.db.Writer(), "write"),
		jobs.NewCollector(a.db),
	)
	if a.db.Reader() != a.db.Writer() {
		reg.MustRegister(collectors.NewDBStatsCollector(a.db.Reader(), "read"))
	}
	metrics := httpapi.NewMetrics(reg)

	mux := http.NewServeMux()
	a.ingest = ingest.New(a.log.With("component", "ingest"), a.auth, a.ids, a.customers, ingest.Config{})
	a.ingest.Mount(mux)
	reg.MustRegister(a.ingest.Collectors()...)
	api := httpapi.New(a.log, a.auth)
	api.Add(httpapi.AdminRoutes(a.auth)...)
	api.Add(httpapi.CustomerRoutes(a.customers, a.ids)...)
	if err := a.mountChannels(ctx, q, mux, api); err != nil {
		return err
	}
	api.Add(a.commerce.routes(a)...)
	api.Add(httpapi.JourneyRoutes(a.journeys)...)
	api.Add(httpapi.CampaignRoutes(a.campaigns)...)
	api.Add(httpapi.AnalyticsRoutes(a.analytics, time.Now)...)
	api.Add(metrics.Route())
	api.Add(httpapi.SegmentRoutes(a.segments, a.ids)...)
	api.Mount(mux)
	a.routes = api.Routes()
	mux.HandleFunc("GET /healthz", a.health)
	dash, err := dashboard.New(dashboard.Deps{Log: a.log.With("component", "dashboard"), Sessions: a.auth, Sources: a.auth,
		Customers: a.customers, Identities: a.ids, Activity: a.activity, Inbox: a.ch.inbox, InboxEvents: a.ch.inbox.Broker(), Orders: a.commerce.orders,
		Locations: a.commerce.inventory, Promotions: a.commerce.promotions, Carts: a.commerce.carts, Wallets: a.commerce.promotions,
		Overview: newSales(a.commerce.orders, a.analytics), Catalog: a.commerce.catalog, Stock: a.commerce.inventory,
		ChannelSettings: a.ch.settings, ChannelActivity: a.ch.inbox, ChannelChecks: a.checks(),
		Analytics: newRecentFunnels(a.analytics), Journeys: a.journeys, Campaigns: a.campaigns,
		Segments: a.segments},
		dashboard.Options{SecureCookies: a.cfg.SecureCookies})
	if err != nil {
		return err
	}
	dash.Mount(mux)
	a.mux = mux
	a.handler = metrics.Instrument(httpapi.Recover(a.log, mux))
	return nil
}

// Handle adds a route to the node's HTTP surface before it serves; the demo
// mounts its storefront page with it.
func (a *App) Handle(pattern string, h http.Handler) { a.mux.Handle(pattern, h) }

// Handler is the HTTP handler serving every surface.
func (a *App) Handler() http.Handler { return a.handler }

// Routes lists the REST routes, as documented in the OpenAPI document.
func (a *App) Routes() []httpapi.Route { return a.routes }

// Identity is the identity service.
func (a *App) Identity() *identity.Service { return a.ids }

// Customers is the customer profile and timeline service.
func (a *App) Customers() *customer.Service { return a.customers }

// Analytics is the analytics service: rollups, funnel, attribution, cohorts,
// service figures and the channel-strategy report.
func (a *App) Analytics() *analytics.Service { return a.analytics }

// Segments is the customer segment service.
func (a *App) Segments() *segment.Service { return a.segments }

// DB is the open store.
func (a *App) DB() *store.DB { return a.db }

func (a *App) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.db.Ping(ctx); err != nil {
		a.log.Error("health check failed", "err", err)
		httpapi.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": string(a.db.Dialect())})
}

// Serve listens on cfg.Addr and serves until ctx ends, then shuts down.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener serves on ln until ctx ends. Shutdown lets in-flight requests
// and running jobs finish within the configured timeout.
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// The queue outlives ctx so that shutdown can let running jobs finish.
	if err := a.queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.startChannels(ctx, srv)
	a.log.Info("omni serving", "addr", "http://"+ln.Addr().String())

	select {
	case err := <-errc:
		a.stopJobs()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	err := errors.Join(srv.Shutdown(shutCtx), a.stopChannels(shutCtx))
	a.stopJobs()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func (a *App) stopJobs() {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := a.queue.Stop(ctx); err != nil {
		a.log.Warn("stop jobs", "err", err)
	}
}

// Close stops the tracking API's writer, once it has committed what it
// accepted, and closes the database.
func (a *App) Close() error {
	if a.ingest != nil {
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		defer cancel()
		_ = a.ingest.Close(ctx) // commits the tracking events already accepted
	}
	return errors.Join(a.closeChannels(), a.db.Close())
}
