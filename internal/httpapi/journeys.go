package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/journey"
)

// Journeys is what the journey routes need from the journey service.
type Journeys interface {
	List(ctx context.Context) ([]journey.Journey, error)
	Create(ctx context.Context, in journey.Input) (journey.Journey, error)
	Get(ctx context.Context, id string) (journey.Journey, error)
	Update(ctx context.Context, id string, in journey.Input) (journey.Journey, error)
	Delete(ctx context.Context, id string) error
	Enrolments(ctx context.Context, id, state string, limit int, cursor string) (journey.EnrolmentPage, error)
}

// JourneyRoutes manage abandoned-cart and browse-abandonment journeys and
// list who went through them, for marketers.
func JourneyRoutes(js Journeys) []Route {
	jid := func(r *http.Request) string { return r.PathValue("id") }
	return []Route{
		{Method: "GET", Path: "/api/v1/journeys", Summary: "List journeys with their results (enrolled, sent, skipped, converted, revenue)",
			Tag: "journeys", Scopes: marketerScopes, Response: []journey.Journey{},
			Handle: JSON(func(r *http.Request) ([]journey.Journey, error) { return js.List(r.Context()) })},
		{Method: "POST", Path: "/api/v1/journeys", Summary: "Create a journey (abandoned_cart or browse_abandonment)",
			Tag: "journeys", Scopes: marketerScopes, MaxBody: 32 << 10, Request: journey.Input{}, Response: journey.Journey{},
			Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in journey.Input) (journey.Journey, error) {
				return js.Create(r.Context(), in)
			})},
		{Method: "GET", Path: "/api/v1/journeys/{id}", Summary: "A journey with its results", Tag: "journeys",
			Scopes: marketerScopes, Response: journey.Journey{},
			Handle: JSON(func(r *http.Request) (journey.Journey, error) { return js.Get(r.Context(), jid(r)) })},
		{Method: "PUT", Path: "/api/v1/journeys/{id}", Summary: "Replace a journey's settings (turning it off ends its waits)",
			Tag: "journeys", Scopes: marketerScopes, MaxBody: 32 << 10, Request: journey.Input{}, Response: journey.Journey{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in journey.Input) (journey.Journey, error) {
				return js.Update(r.Context(), jid(r), in)
			})},
		{Method: "DELETE", Path: "/api/v1/journeys/{id}", Summary: "Delete a journey (its messages still count towards frequency caps)",
			Tag: "journeys", Scopes: marketerScopes, Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				if err := js.Delete(r.Context(), jid(r)); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "GET", Path: "/api/v1/journeys/{id}/enrolments", Summary: "Who entered a journey and the outcome, newest first",
			Tag: "journeys", Scopes: marketerScopes, Response: journey.EnrolmentPage{},
			Params: []Param{{Name: "state", In: "query", Description: "waiting, sent, skipped or failed"},
				{Name: "limit", In: "query", Description: "1–200, default 50"}, {Name: "cursor", In: "query", Description: "next from the previous page"}},
			Handle: JSON(func(r *http.Request) (journey.EnrolmentPage, error) {
				limit, err := intParam(r, "limit")
				if err != nil {
					return journey.EnrolmentPage{}, err
				}
				q := r.URL.Query()
				return js.Enrolments(r.Context(), jid(r), q.Get("state"), limit, q.Get("cursor"))
			})},
	}
}
