package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
)

// Page sizes of the customer pages.
const (
	searchPage   = 25
	timelinePage = 30
)

func (h *Handler) mountCustomers(mux *http.ServeMux, s section) {
	mux.Handle("GET /customers", h.guard(s.roles, h.customers))
	mux.Handle("GET /customers/{id}", h.guard(s.roles, h.customer360))
	mux.Handle("GET /customers/{id}/timeline", h.guard(s.roles, h.timeline))
}

type searchView struct {
	Query   string
	Results []customer.Summary
	Next    string // URL of the next page, when there is one
	Now     time.Time
}

// isFragment reports whether htmx asked for a part of a page (and is not
// restoring a whole page from history).
func isFragment(r *http.Request) bool {
	return r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-History-Restore-Request") != "true"
}

// customers is the search page; htmx requests get only the results.
func (h *Handler) customers(w http.ResponseWriter, r *http.Request, req *request) error {
	q := r.URL.Query()
	query := strings.TrimSpace(q.Get("q"))
	if len(query) > 200 {
		return errInvalid("q", "search for at most 200 characters")
	}
	list, next, err := h.d.Customers.Search(r.Context(), query, searchPage, q.Get("cursor"))
	if err != nil {
		return err
	}
	v := searchView{Query: query, Results: list, Now: h.o.Now()}
	if next != "" {
		v.Next = "/customers?" + url.Values{"q": {query}, "cursor": {next}}.Encode()
	}
	w.Header().Set("Vary", "HX-Request")
	if isFragment(r) {
		h.renderBlock(w, r, http.StatusOK, "customers", "results", view{Data: v})
		return nil
	}
	h.render(w, r, http.StatusOK, "customers", h.withSession(view{Title: "Customers", Active: "customers", Data: v}, req))
	return nil
}

type customerView struct {
	Profile        customer.Profile
	Traits         []traitRow
	Identities     []identity.Identity
	Merges         []mergeRow
	RedirectedFrom string
	Timeline       timelineView
	Commerce       commerceView
	Segments       *segmentPanel // nil when segments are not connected
	Slots          []string
	Now            time.Time
}

type traitRow struct {
	Key string
	customer.Trait
}

type mergeRow struct {
	Other    string // the other profile
	Survived bool   // this profile absorbed Other
	identity.Merge
}

type timelineView struct {
	CustomerID string
	Entries    []timelineEntry
	More       string // URL of the next page
}

type timelineEntry struct {
	At      time.Time
	Channel string
	Type    string
	Name    string
	Summary string
}

// slots are the 360° panels whose data other parts of Omni bring and that
// are not connected.
func (h *Handler) slots() []string {
	var out []string
	for _, s := range []struct {
		name      string
		connected bool
	}{{"Cart", h.d.Carts != nil}, {"Orders", h.d.Orders != nil}, {"Conversations", h.d.Inbox != nil},
		{"Segments", h.d.Segments != nil}, {"Promotion wallet", h.d.Wallets != nil}} {
		if !s.connected {
			out = append(out, s.name)
		}
	}
	return out
}

// customer360 is one customer's unified profile. A merged-away id leads to
// the profile that absorbed it.
func (h *Handler) customer360(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx, id := r.Context(), r.PathValue("id")
	live, redirected, err := h.d.Identities.Survivor(ctx, id)
	if err != nil {
		return err
	}
	if redirected {
		http.Redirect(w, r, "/customers/"+url.PathEscape(live)+"?from="+url.QueryEscape(id), http.StatusSeeOther)
		return nil
	}
	v := customerView{RedirectedFrom: r.URL.Query().Get("from"), Slots: h.slots(), Now: h.o.Now()}
	if v.Profile, err = h.d.Customers.Get(ctx, live); err != nil {
		return err
	}
	for k, t := range v.Profile.Traits {
		v.Traits = append(v.Traits, traitRow{Key: k, Trait: t})
	}
	slices.SortFunc(v.Traits, func(a, b traitRow) int { return strings.Compare(a.Key, b.Key) })
	if v.Identities, err = h.d.Identities.Identities(ctx, live); err != nil {
		return err
	}
	merges, err := h.d.Identities.Merges(ctx, live)
	if err != nil {
		return err
	}
	for _, m := range merges {
		row := mergeRow{Merge: m, Survived: m.SurvivorID == live, Other: m.SurvivorID}
		if row.Survived {
			row.Other = m.MergedID
		}
		v.Merges = append(v.Merges, row)
	}
	if v.Timeline, err = h.loadTimeline(r, live, ""); err != nil {
		return err
	}
	if v.Commerce, err = h.loadCommerce(ctx, live, ""); err != nil {
		return err
	}
	if v.Segments, err = h.customerSegments(ctx, live, req); err != nil {
		return err
	}
	title := v.Profile.Name
	if title == "" {
		title = first(v.Profile.Email, v.Profile.Phone, v.Profile.ID)
	}
	h.render(w, r, http.StatusOK, "customer", h.withSession(view{Title: title, Active: "customers", Data: v}, req))
	return nil
}

// timeline is the "load more" fragment of a customer's timeline.
func (h *Handler) timeline(w http.ResponseWriter, r *http.Request, req *request) error {
	live, _, err := h.d.Identities.Survivor(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	tv, err := h.loadTimeline(r, live, r.URL.Query().Get("before"))
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "customer", "timeline-rows", tv)
	return nil
}

func (h *Handler) loadTimeline(r *http.Request, id, before string) (timelineView, error) {
	page, err := h.d.Customers.Timeline(r.Context(), id, timelinePage, before)
	if err != nil {
		return timelineView{}, err
	}
	tv := timelineView{CustomerID: id}
	for _, e := range page.Events {
		te := timelineEntry{At: e.Timestamp, Channel: e.Channel, Type: e.Type, Name: e.Name, Summary: summarize(e.Payload)}
		if te.Summary == te.Name {
			te.Summary = ""
		}
		tv.Entries = append(tv.Entries, te)
	}
	if page.Next != "" {
		tv.More = "/customers/" + url.PathEscape(id) + "/timeline?before=" + url.QueryEscape(page.Next)
	}
	return tv, nil
}

// summarize picks a few telling fields of an event for the timeline: the
// message text, or the first properties or traits.
func summarize(payload json.RawMessage) string {
	var p struct {
		Text       string                     `json:"text"`
		Properties map[string]json.RawMessage `json:"properties"`
		Traits     map[string]json.RawMessage `json:"traits"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return ""
	}
	if p.Text != "" {
		return jsonValue(mustJSON(p.Text))
	}
	fields := p.Properties
	if len(fields) == 0 {
		fields = p.Traits
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys[:min(len(keys), 4)] {
		parts = append(parts, fmt.Sprintf("%s: %s", k, jsonValue(fields[k])))
	}
	out := strings.Join(parts, " · ")
	if r := []rune(out); len(r) > 160 {
		out = string(r[:159]) + "…"
	}
	return out
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
