package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/promo"
	"github.com/omni-hq/omni/internal/promotion"
)

// Promotions is what the promotion routes need from the promotion service.
type Promotions interface {
	Create(ctx context.Context, p promo.Promotion) (promotion.Stored, error)
	Update(ctx context.Context, id string, p promo.Promotion) (promotion.Stored, error)
	SetActive(ctx context.Context, id string, active bool) (promotion.Stored, error)
	Get(ctx context.Context, id string) (promotion.Stored, error)
	List(ctx context.Context) ([]promotion.Stored, error)
}

var marketerScopes = []auth.Scope{auth.ScopeMarketer}

// PromotionRoutes are the routes that manage promotions and their codes.
func PromotionRoutes(promos Promotions) []Route {
	pid := func(r *http.Request) string { return r.PathValue("id") }
	setActive := func(active bool) HandlerFunc {
		return JSON(func(r *http.Request) (promotion.Stored, error) { return promos.SetActive(r.Context(), pid(r), active) })
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/promotions", Summary: "List promotions with their usage counts", Tag: "promotions",
			Scopes: ReadScopes, Response: []promotion.Stored{},
			Handle: JSON(func(r *http.Request) ([]promotion.Stored, error) { return promos.List(r.Context()) })},
		{Method: "POST", Path: "/api/v1/promotions", Summary: "Create a promotion (automatic, or with a code); valid on every channel unless conditions.channels limits it",
			Tag: "promotions", Scopes: marketerScopes, MaxBody: 64 << 10, Request: promo.Promotion{}, Response: promotion.Stored{},
			Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, p promo.Promotion) (promotion.Stored, error) {
				return promos.Create(r.Context(), p)
			})},
		{Method: "GET", Path: "/api/v1/promotions/{id}", Summary: "A promotion", Tag: "promotions", Scopes: ReadScopes,
			Response: promotion.Stored{},
			Handle:   JSON(func(r *http.Request) (promotion.Stored, error) { return promos.Get(r.Context(), pid(r)) })},
		{Method: "PUT", Path: "/api/v1/promotions/{id}", Summary: "Replace a promotion's definition (its usage count stays)",
			Tag: "promotions", Scopes: marketerScopes, MaxBody: 64 << 10, Request: promo.Promotion{}, Response: promotion.Stored{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, p promo.Promotion) (promotion.Stored, error) {
				return promos.Update(r.Context(), pid(r), p)
			})},
		{Method: "POST", Path: "/api/v1/promotions/{id}/activate", Summary: "Turn a promotion on", Tag: "promotions",
			Scopes: marketerScopes, Response: promotion.Stored{}, Handle: setActive(true)},
		{Method: "POST", Path: "/api/v1/promotions/{id}/deactivate", Summary: "Turn a promotion off", Tag: "promotions",
			Scopes: marketerScopes, Response: promotion.Stored{}, Handle: setActive(false)},
	}
}
