package dashboard

import (
	"net/http"

	"github.com/omni-hq/omni/internal/auth"
)

// section is one entry of the navigation. A section with a nil mount is not
// connected: its path shows an honest "not connected yet" page.
//
// To connect a section (the inbox, say): declare the small interface its
// page consumes next to the page (inbox.go: `type InboxSource interface{…}`),
// add a field of that type to Deps, write the page's handlers and templates,
// and set mount below when the field is not nil:
//
//	{key: "inbox", …, mount: connect(h.d.Inbox != nil, h.mountInbox)},
type section struct {
	key, title, path string
	roles            []auth.Scope // roles besides admin that may open it
	about            string       // what it will show, for the not-connected page
	provider         string       // the part of Omni that brings its data
	mount            func(mux *http.ServeMux, s section)
}

// Roles, besides admin, that may open a section.
var (
	agentRoles    = []auth.Scope{auth.ScopeAgent}
	marketerRoles = []auth.Scope{auth.ScopeMarketer}
	figureRoles   = []auth.Scope{auth.ScopeMarketer, auth.ScopeRead}
	adminOnly     = []auth.Scope{}
)

// sections lists the dashboard's navigation in order.
func (h *Handler) sections() []section {
	return []section{
		{key: "overview", title: "Overview", path: "/", roles: figureRoles, mount: func(*http.ServeMux, section) {}},
		{key: "inbox", title: "Inbox", path: "/inbox", roles: agentRoles,
			about: "every conversation from chat, Messenger, email and SMS in one inbox, with the customer's context", provider: "the inbox",
			mount: connect(h.d.Inbox != nil, h.mountInbox)},
		{key: "customers", title: "Customers", path: "/customers", roles: agentRoles, mount: h.mountCustomers},
		{key: "catalog", title: "Catalog", path: "/catalog", roles: adminOnly,
			about: "products and variants sold on every channel", provider: "the catalog",
			mount: connect(h.d.Catalog != nil, h.mountCatalog)},
		{key: "inventory", title: "Inventory", path: "/inventory", roles: adminOnly,
			about: "stock by location, shops and warehouses", provider: "inventory",
			mount: connect(h.d.Catalog != nil && h.d.Stock != nil && h.d.Locations != nil, h.mountInventory)},
		{key: "orders", title: "Orders", path: "/orders", roles: adminOnly,
			about: "orders from every channel, pickups to prepare at a shop, returns", provider: "orders",
			mount: connect(h.d.Orders != nil, h.mountOrders)},
		{key: "promotions", title: "Promotions", path: "/promotions", roles: marketerRoles,
			about: "promotions honoured on every channel", provider: "promotions",
			mount: connect(h.d.Promotions != nil, h.mountPromotions)},
		{key: "segments", title: "Segments", path: "/segments", roles: marketerRoles,
			about: "groups of customers defined by what they did on any channel", provider: "segments",
			mount: connect(h.d.Segments != nil, h.mountSegments)},
		{key: "journeys", title: "Journeys", path: "/journeys", roles: marketerRoles,
			about: "abandoned-cart and browse-abandonment journeys across channels", provider: "marketing",
			mount: connect(h.d.Journeys != nil, h.mountJourneys)},
		{key: "campaigns", title: "Campaigns", path: "/campaigns", roles: marketerRoles,
			about: "campaigns by email, SMS and Messenger with consent and frequency caps", provider: "marketing",
			mount: connect(h.d.Campaigns != nil && h.d.Segments != nil, h.mountCampaigns)},
		{key: "analytics", title: "Analytics", path: "/analytics", roles: figureRoles,
			about: "funnels, attribution, retention and the channel-strategy report", provider: "analytics",
			mount: connect(h.d.Analytics != nil, h.mountAnalytics)},
		{key: "channels", title: "Channels", path: "/channels", roles: adminOnly, mount: h.mountChannels},
	}
}

type notConnectedView struct {
	Title, About, Provider string
}

// notConnected is the page of a section whose data source is absent.
func (h *Handler) notConnected(s section) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, req *request) error {
		v := h.withSession(view{Title: s.title, Active: s.key,
			Data: notConnectedView{Title: s.title, About: s.about, Provider: s.provider}}, req)
		h.render(w, r, http.StatusOK, "notconnected", v)
		return nil
	}
}

// connect returns mount when a section's data source is present, else nil.
func connect(present bool, mount func(*http.ServeMux, section)) func(*http.ServeMux, section) {
	if !present {
		return nil
	}
	return mount
}
