// Package dashboard is Omni's web dashboard: server-rendered pages
// (html/template, embedded), htmx for live search and "load more", charts
// drawn as SVG on the server. Logins use the users of package auth; each
// role sees only its sections. Sessions live in the database (hashed), every
// state-changing request carries a per-session CSRF token and passes an
// Origin check, and login attempts are rate limited per IP.
//
// Sections whose data belongs to other domains (inbox, catalog, orders,
// promotions…) are navigation entries that show "not connected yet" until
// their data source is set in Deps; see sections.go for how to connect one.
package dashboard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/omni-hq/omni/internal/activity"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
)

// Sessions is what the dashboard needs from the auth service for logins.
type Sessions interface {
	Login(ctx context.Context, email, password string) (auth.User, error)
	CreateSession(ctx context.Context, userID string, ttl time.Duration) (string, auth.Session, error)
	SessionUser(ctx context.Context, secret string) (auth.Session, error)
	DeleteSession(ctx context.Context, secret string) error
}

// Sources is what the Channels page needs from the auth service.
type Sources interface {
	ListSources(ctx context.Context) ([]auth.Source, error)
	CreateSource(ctx context.Context, name, channel string) (auth.Source, error)
}

// Customers is what the customer pages need from the customer service.
type Customers interface {
	Get(ctx context.Context, id string) (customer.Profile, error)
	Timeline(ctx context.Context, id string, limit int, before string) (customer.Page, error)
	Search(ctx context.Context, query string, limit int, cursor string) ([]customer.Summary, string, error)
}

// Identities is what the customer pages need from the identity service.
type Identities interface {
	Survivor(ctx context.Context, customerID string) (string, bool, error)
	Identities(ctx context.Context, customerID string) ([]identity.Identity, error)
	Merges(ctx context.Context, customerID string) ([]identity.Merge, error)
}

// Activity is what the Overview and Channels pages read from the event log.
type Activity interface {
	EventsByDay(ctx context.Context, from, to time.Time) (activity.Series, error)
	Customers(ctx context.Context, cur, prev activity.Period) (activity.CustomerCounts, error)
	LastByChannel(ctx context.Context) (map[string]time.Time, error)
	LastBySource(ctx context.Context, sourceIDs []string) (map[string]time.Time, error)
}

// Deps are the services behind the pages. Overview may be nil: the commerce
// panels then say "no data yet". Inbox, Orders, Promotions, Carts, Wallets,
// Segments, Journeys, Campaigns and Analytics may be nil too: their sections and panels then say
// "not connected yet". Without ChannelSettings the Channels page lists
// sources only.
type Deps struct {
	Log         *slog.Logger
	Sessions    Sessions
	Sources     Sources
	Customers   Customers
	Identities  Identities
	Activity    Activity
	Overview    OverviewSource
	Inbox       Inbox       // the Inbox section and the conversations panels
	InboxEvents InboxEvents // live updates of the Inbox; without it the pages poll
	Orders      Orders      // the Orders section and the customers' orders
	Locations   Locations   // shop names on the Orders page; optional
	Promotions  Promotions  // the Promotions section
	Carts       Carts       // the customers' carts
	Wallets     Wallets     // the customers' promotion wallets
	Catalog     Catalog     // the Catalog section
	Stock       Stock       // the Inventory section, with Catalog and Locations
	// ChannelSettings lets admins connect and configure the messaging
	// channels and marketplaces on the Channels page; ChannelActivity
	// (their latest message and failure) and ChannelChecks (connection
	// tests) are optional beside it.
	ChannelSettings ChannelSettings
	ChannelActivity ChannelActivity
	ChannelChecks   ChannelChecks
	Analytics       AnalyticsSource // the Analytics section
	Journeys        Journeys        // the Journeys section
	Campaigns       Campaigns       // the Campaigns section, with Segments
	Segments        Segments        // the Segments section and the customers' segments
}

// Options tune the dashboard; the zero value is usable.
type Options struct {
	SessionTTL     time.Duration // how long a login lasts; default 12 hours
	SecureCookies  bool          // mark cookies Secure even on plain HTTP (behind a TLS proxy)
	LoginAttempts  int           // login attempts per IP before waiting; default 10
	LoginRefill    time.Duration // one more attempt per this interval; default 90 s
	TrustedOrigins []string      // other origins allowed to post, e.g. "https://admin.example.com"
	Now            func() time.Time
}

// Handler serves the dashboard.
type Handler struct {
	d      Deps
	o      Options
	pages  *pages
	assets *assets
	limits *limiter
	cop    *http.CrossOriginProtection
}

// New builds the dashboard: it parses the templates and checks that every
// required service is there.
func New(d Deps, o Options) (*Handler, error) {
	if d.Sessions == nil || d.Sources == nil || d.Customers == nil || d.Identities == nil || d.Activity == nil {
		return nil, errors.New("dashboard: Sessions, Sources, Customers, Identities and Activity are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 12 * time.Hour
	}
	if o.LoginAttempts <= 0 {
		o.LoginAttempts = 10
	}
	if o.LoginRefill <= 0 {
		o.LoginRefill = 90 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{d: d, o: o, limits: newLimiter(o.LoginAttempts, o.LoginRefill, o.Now),
		cop: http.NewCrossOriginProtection()}
	for _, origin := range o.TrustedOrigins {
		if err := h.cop.AddTrustedOrigin(origin); err != nil {
			return nil, err
		}
	}
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = parsePages(h.assets); err != nil {
		return nil, err
	}
	return h, nil
}

// Mount registers the dashboard's routes on mux. They stay clear of the API
// (/api/, /v1/), webhooks (/hooks/), the storefront (/store/), the chat
// widget (/chat/), /healthz and /metrics.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.Handle("GET /static/", h.assets.handler())
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.Handle("POST /logout", h.guard(nil, h.logout))
	mux.Handle("GET /{$}", h.guard(nil, h.home))
	for _, s := range h.sections() {
		if s.mount == nil {
			mux.Handle("GET "+s.path, h.guard(s.roles, h.notConnected(s)))
			continue
		}
		s.mount(mux, s)
	}
}

// home shows the Overview to those who may see it and sends everyone else to
// the first section of their role.
func (h *Handler) home(w http.ResponseWriter, r *http.Request, req *request) error {
	for _, s := range h.sections() {
		if req.user.Role.Allows(s.roles...) {
			if s.key == "overview" {
				return h.overview(w, r, req)
			}
			http.Redirect(w, r, s.path, http.StatusSeeOther)
			return nil
		}
	}
	return errForbidden
}
