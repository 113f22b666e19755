package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/segment"
)

// Segments is what the segment routes need from the segment service.
type Segments interface {
	Create(ctx context.Context, in segment.Input) (segment.Segment, error)
	Update(ctx context.Context, id string, in segment.Input) (segment.Segment, error)
	Delete(ctx context.Context, id string) error
	Get(ctx context.Context, id string) (segment.Segment, error)
	List(ctx context.Context) ([]segment.Segment, error)
	Count(ctx context.Context, d segment.Definition) (int64, error)
	Members(ctx context.Context, d segment.Definition, limit int, cursor string) ([]customer.Summary, string, error)
	Preview(ctx context.Context, d segment.Definition, sample int) (segment.Preview, error)
	Of(ctx context.Context, customerID string) ([]segment.Segment, error)
}

// SegmentView is a segment with its member count now (in lists, only when
// asked for with count=true).
type SegmentView struct {
	segment.Segment
	Count *int64 `json:"count,omitempty"`
}

// SegmentList is every segment.
type SegmentList struct {
	Segments []SegmentView `json:"segments"`
}

// maxSample bounds the members a preview returns.
const maxSample = 50

// SegmentRoutes are the routes that manage segments, list their members and
// give a customer's segments. Marketers and admins may use them.
func SegmentRoutes(segs Segments, ids Survivors) []Route {
	sid := func(r *http.Request) string { return r.PathValue("id") }
	withCount := func(ctx context.Context, s segment.Segment) (SegmentView, error) {
		n, err := segs.Count(ctx, s.Definition)
		return SegmentView{Segment: s, Count: &n}, err
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/segments", Summary: "List segments by name", Tag: "segments", Scopes: marketerScopes,
			Params:   []Param{{Name: "count", In: "query", Description: "true: count each segment's members now (a scan of the customers per segment)"}},
			Response: SegmentList{}, Handle: JSON(func(r *http.Request) (SegmentList, error) {
				return listSegments(r, segs)
			})},
		{Method: "POST", Path: "/api/v1/segments", Summary: "Create a segment: a name and conditions over profiles and cross-channel history, combined with match all or any",
			Tag: "segments", Scopes: marketerScopes, MaxBody: 64 << 10, Request: segment.Input{}, Response: segment.Segment{},
			Status: http.StatusCreated, Handle: JSONBody(http.StatusCreated, func(r *http.Request, in segment.Input) (segment.Segment, error) {
				return segs.Create(r.Context(), in)
			})},
		{Method: "POST", Path: "/api/v1/segments/preview", Summary: "Evaluate an unsaved definition: its member count and first members",
			Tag: "segments", Scopes: marketerScopes, MaxBody: 64 << 10, Request: segment.Definition{}, Response: segment.Preview{},
			Params: []Param{{Name: "sample", In: "query", Description: "members to return, 1–50, default 10"}},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, d segment.Definition) (segment.Preview, error) {
				n, err := intParam(r, "sample")
				if err != nil {
					return segment.Preview{}, err
				}
				if n == 0 {
					n = 10
				}
				return segs.Preview(r.Context(), d, min(n, maxSample))
			})},
		{Method: "GET", Path: "/api/v1/segments/{id}", Summary: "A segment with its member count now", Tag: "segments",
			Scopes: marketerScopes, Response: SegmentView{}, Handle: JSON(func(r *http.Request) (SegmentView, error) {
				s, err := segs.Get(r.Context(), sid(r))
				if err != nil {
					return SegmentView{}, err
				}
				return withCount(r.Context(), s)
			})},
		{Method: "PUT", Path: "/api/v1/segments/{id}", Summary: "Replace a segment's name, description and conditions", Tag: "segments",
			Scopes: marketerScopes, MaxBody: 64 << 10, Request: segment.Input{}, Response: segment.Segment{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in segment.Input) (segment.Segment, error) {
				return segs.Update(r.Context(), sid(r), in)
			})},
		{Method: "DELETE", Path: "/api/v1/segments/{id}", Summary: "Delete a segment", Tag: "segments", Scopes: marketerScopes,
			Status: http.StatusNoContent, Handle: func(w http.ResponseWriter, r *http.Request) error {
				if err := segs.Delete(r.Context(), sid(r)); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/api/v1/segments/{id}/customers", Summary: "The segment's members now, by customer id, a page at a time",
			Tag: "segments", Scopes: marketerScopes, Response: CustomerList{},
			Params: []Param{{Name: "limit", In: "query", Description: "1–200, default 50"}, {Name: "cursor", In: "query", Description: "the previous page's next"}},
			Handle: JSON(func(r *http.Request) (CustomerList, error) {
				limit, err := intParam(r, "limit")
				if err != nil {
					return CustomerList{}, err
				}
				s, err := segs.Get(r.Context(), sid(r))
				if err != nil {
					return CustomerList{}, err
				}
				list, next, err := segs.Members(r.Context(), s.Definition, limit, r.URL.Query().Get("cursor"))
				return CustomerList{Customers: list, Next: next}, err
			})},
		{Method: "GET", Path: "/api/v1/customers/{id}/segments", Summary: "The segments a customer belongs to now (a merged-away id gives the survivor's)",
			Tag: "segments", Scopes: marketerScopes, Response: []segment.Segment{},
			Handle: JSON(func(r *http.Request) ([]segment.Segment, error) {
				live, _, err := ids.Survivor(r.Context(), r.PathValue("id"))
				if err != nil {
					return nil, err
				}
				return segs.Of(r.Context(), live)
			})},
	}
}

func listSegments(r *http.Request, segs Segments) (SegmentList, error) {
	count := false
	if v := r.URL.Query().Get("count"); v != "" {
		var err error
		if count, err = strconv.ParseBool(v); err != nil {
			return SegmentList{}, apperr.InvalidField("count", "must be true or false")
		}
	}
	list, err := segs.List(r.Context())
	if err != nil {
		return SegmentList{}, err
	}
	out := SegmentList{Segments: make([]SegmentView, 0, len(list))}
	for _, s := range list {
		v := SegmentView{Segment: s}
		if count {
			n, err := segs.Count(r.Context(), s.Definition)
			if err != nil {
				return SegmentList{}, err
			}
			v.Count = &n
		}
		out.Segments = append(out.Segments, v)
	}
	return out, nil
}
