package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/segment"
)

// Segments is what the Segments pages and the customers' segment panel need
// from the segment service.
type Segments interface {
	List(ctx context.Context) ([]segment.Segment, error)
	Get(ctx context.Context, id string) (segment.Segment, error)
	Create(ctx context.Context, in segment.Input) (segment.Segment, error)
	Update(ctx context.Context, id string, in segment.Input) (segment.Segment, error)
	Delete(ctx context.Context, id string) error
	RecentCount(ctx context.Context, d segment.Definition) (segment.Counted, error)
	PrimeCount(ctx context.Context, d segment.Definition) error
	Members(ctx context.Context, d segment.Definition, limit int, cursor string) ([]customer.Summary, string, error)
	Preview(ctx context.Context, d segment.Definition, sample int) (segment.Preview, error)
	Of(ctx context.Context, customerID string) ([]segment.Segment, error)
}

// memberPage is how many members a segment page lists at a time.
const memberPage = 25

func (h *Handler) mountSegments(mux *http.ServeMux, s section) {
	mux.Handle("GET /segments", h.guard(s.roles, h.segments))
	mux.Handle("GET /segments/new", h.guard(s.roles, h.newSegment))
	mux.Handle("POST /segments", h.guard(s.roles, h.saveSegment))
	mux.Handle("POST /segments/rows", h.guard(s.roles, h.segmentRows))
	mux.Handle("POST /segments/preview", h.guard(s.roles, h.segmentPreview))
	mux.Handle("GET /segments/{id}", h.guard(s.roles, h.segmentPage))
	mux.Handle("GET /segments/{id}/count", h.guard(s.roles, h.segmentCount))
	mux.Handle("GET /segments/{id}/members", h.guard(s.roles, h.segmentMembers))
	mux.Handle("GET /segments/{id}/edit", h.guard(s.roles, h.editSegment))
	mux.Handle("POST /segments/{id}", h.guard(s.roles, h.saveSegment))
	mux.Handle("POST /segments/{id}/delete", h.guard(s.roles, h.deleteSegment))
}

// segmentRow is a segment as listed, with its conditions in words.
type segmentRow struct {
	segment.Segment
	Conditions []string
}

type segmentsView struct {
	Segments []segmentRow
	Deleted  string
}

// segments lists every segment; each row loads its member count by itself,
// so the page shows at once however large the customer base.
func (h *Handler) segments(w http.ResponseWriter, r *http.Request, req *request) error {
	list, err := h.d.Segments.List(r.Context())
	if err != nil {
		return err
	}
	v := segmentsView{Deleted: r.URL.Query().Get("deleted")}
	for _, s := range list {
		v.Segments = append(v.Segments, segmentRow{Segment: s, Conditions: describeAll(s.Definition)})
	}
	h.render(w, r, http.StatusOK, "segments", h.withSession(view{Title: "Segments", Active: "segments", Data: v}, req))
	return nil
}

// segmentCount is the fragment holding a segment's recent member count
// (segment.CountFresh) and when it was taken.
func (h *Handler) segmentCount(w http.ResponseWriter, r *http.Request, req *request) error {
	s, err := h.d.Segments.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := h.d.Segments.RecentCount(r.Context(), s.Definition)
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "segments", "member-count", memberCount{Counted: c, Now: h.o.Now()})
	return nil
}

// memberCount is a count as the member-count fragment shows it.
type memberCount struct {
	segment.Counted
	Now time.Time
}

type segmentView struct {
	segmentRow
	Members      []customer.Summary
	Next         string // URL of the next page of members
	LinkCustomer bool   // the viewer may open the customer 360° view
	Saved        bool
}

// segmentPage shows a segment: its conditions, with its member count and
// first members loaded by the page as fragments, so that it shows at once
// however long a count over every customer takes.
func (h *Handler) segmentPage(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx := r.Context()
	s, err := h.d.Segments.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.d.Segments.PrimeCount(ctx, s.Definition); err != nil {
		return err
	}
	v := segmentView{segmentRow: segmentRow{Segment: s, Conditions: describeAll(s.Definition)},
		Saved: r.URL.Query().Get("saved") != ""}
	h.render(w, r, http.StatusOK, "segment", h.withSession(view{Title: s.Name, Active: "segments", Data: v}, req))
	return nil
}

// segmentMembers is the fragment of a page of a segment's members now,
// after the cursor of the previous page.
func (h *Handler) segmentMembers(w http.ResponseWriter, r *http.Request, req *request) error {
	ctx := r.Context()
	s, err := h.d.Segments.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	cursor := r.URL.Query().Get("cursor")
	v := segmentView{segmentRow: segmentRow{Segment: s}, LinkCustomer: req.user.Role.Allows(agentRoles...)}
	if v.Members, v.Next, err = h.d.Segments.Members(ctx, s.Definition, memberPage, cursor); err != nil {
		return err
	}
	if v.Next != "" {
		v.Next = "/segments/" + url.PathEscape(s.ID) + "/members?" + url.Values{"cursor": {v.Next}}.Encode()
	}
	h.renderBlock(w, r, http.StatusOK, "segment", "member-rows", v)
	return nil
}

// deleteSegment removes a segment and goes back to the list.
func (h *Handler) deleteSegment(w http.ResponseWriter, r *http.Request, req *request) error {
	s, err := h.d.Segments.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.d.Segments.Delete(r.Context(), s.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/segments?"+url.Values{"deleted": {s.Name}}.Encode(), http.StatusSeeOther)
	return nil
}

// customerSegments is the 360° view's segment panel: nil when segments are
// not connected.
func (h *Handler) customerSegments(ctx context.Context, customerID string, req *request) (*segmentPanel, error) {
	if h.d.Segments == nil {
		return nil, nil
	}
	list, err := h.d.Segments.Of(ctx, customerID)
	if err != nil {
		return nil, err
	}
	return &segmentPanel{Segments: list, Link: req.user.Role.Allows(marketerRoles...)}, nil
}

// segmentPanel lists the segments a customer is in.
type segmentPanel struct {
	Segments []segment.Segment
	Link     bool // the viewer may open segment pages
}

// describeAll puts a definition's conditions in words.
func describeAll(d segment.Definition) []string {
	out := make([]string, len(d.Conditions))
	for i, c := range d.Conditions {
		out[i] = describe(c)
	}
	return out
}

// describe puts one condition in words: "Event done “Product Viewed” on web
// in the last 7 days".
func describe(c segment.Condition) string {
	f, ok := segment.FieldNamed(c.Field)
	if !ok {
		return c.Field + " " + c.Op
	}
	op, _ := f.OpNamed(c.Op)
	parts := []string{f.Label}
	if c.Key != "" {
		parts = append(parts, c.Key)
	}
	parts = append(parts, op.Label)
	switch v := string(c.Value); {
	case v != "" && (c.Field == "event" || c.Field == "trait"):
		parts = append(parts, "“"+v+"”")
	case v != "":
		parts = append(parts, v)
	case c.Field == "promotion":
		parts = append(parts, "any")
	}
	if c.Channel != "" {
		parts = append(parts, "on "+c.Channel)
	}
	if c.Field == "consent" && c.Value == "" {
		parts = append(parts, "("+segment.DefaultPurpose+")")
	}
	switch {
	case c.Days > 0 && c.Field == "last_seen":
		parts = append(parts, fmt.Sprintf("%d days", c.Days))
	case c.Days > 0:
		parts = append(parts, fmt.Sprintf("in the last %d days", c.Days))
	}
	return strings.Join(parts, " ")
}
