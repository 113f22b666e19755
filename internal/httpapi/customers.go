package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
)

// Customers is what the customer routes need from the customer service.
type Customers interface {
	Get(ctx context.Context, id string) (customer.Profile, error)
	Timeline(ctx context.Context, id string, limit int, before string) (customer.Page, error)
	Search(ctx context.Context, query string, limit int, cursor string) ([]customer.Summary, string, error)
}

// Identities is what the customer routes need from the identity service.
type Identities interface {
	Lookup(ctx context.Context, ident identity.Identifier) (string, error)
	Survivor(ctx context.Context, customerID string) (string, bool, error)
	Identities(ctx context.Context, customerID string) ([]identity.Identity, error)
	Merges(ctx context.Context, customerID string) ([]identity.Merge, error)
}

// ProfileView is a customer's profile with identities and merge history.
type ProfileView struct {
	customer.Profile
	Identities     []identity.Identity `json:"identities"`
	MergedFrom     []string            `json:"merged_from"`
	RedirectedFrom string              `json:"redirected_from,omitempty"`
}

// CustomerList is a page of search results.
type CustomerList struct {
	Customers []customer.Summary `json:"customers"`
	Next      string             `json:"next,omitempty"`
}

// CustomerRoutes are the profile, lookup, timeline and search routes.
func CustomerRoutes(cs Customers, ids Identities) []Route {
	profile := func(r *http.Request, id string) (ProfileView, error) {
		live, redirected, err := ids.Survivor(r.Context(), id)
		if err != nil {
			return ProfileView{}, err
		}
		v := ProfileView{MergedFrom: []string{}}
		if redirected {
			v.RedirectedFrom = id
		}
		if v.Profile, err = cs.Get(r.Context(), live); err != nil {
			return ProfileView{}, err
		}
		if v.Identities, err = ids.Identities(r.Context(), live); err != nil {
			return ProfileView{}, err
		}
		merges, err := ids.Merges(r.Context(), live)
		if err != nil {
			return ProfileView{}, err
		}
		for _, m := range merges {
			if m.SurvivorID == live {
				v.MergedFrom = append(v.MergedFrom, m.MergedID)
			}
		}
		return v, nil
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/customers/{id}", Summary: "A customer's unified profile (a merged-away id gives the survivor)",
			Tag: "customers", Scopes: ReadScopes, Response: ProfileView{},
			Handle: JSON(func(r *http.Request) (ProfileView, error) { return profile(r, r.PathValue("id")) })},
		{Method: "GET", Path: "/api/v1/customers/lookup", Summary: "Find a customer by any identifier",
			Tag: "customers", Scopes: ReadScopes, Response: ProfileView{},
			Params: []Param{{Name: "type", In: "query", Required: true, Description: "identifier type: user_id, email, phone, anonymous_id, messenger_psid, device_id, loyalty_card, marketplace_buyer_id"},
				{Name: "value", In: "query", Required: true}},
			Handle: JSON(func(r *http.Request) (ProfileView, error) {
				t, err := identity.ParseType(r.URL.Query().Get("type"))
				if err != nil {
					return ProfileView{}, err
				}
				ident, err := identity.New(t, r.URL.Query().Get("value"))
				if err != nil {
					return ProfileView{}, err
				}
				id, err := ids.Lookup(r.Context(), ident)
				if err != nil {
					return ProfileView{}, err
				}
				return profile(r, id)
			})},
		{Method: "GET", Path: "/api/v1/customers/{id}/timeline", Summary: "Events from every channel, newest first",
			Tag: "customers", Scopes: ReadScopes, Response: customer.Page{},
			Params: []Param{{Name: "limit", In: "query", Description: "1–200, default 50"}, {Name: "before", In: "query", Description: "cursor from the previous page's next"}},
			Handle: JSON(func(r *http.Request) (customer.Page, error) {
				limit, err := intParam(r, "limit")
				if err != nil {
					return customer.Page{}, err
				}
				live, _, err := ids.Survivor(r.Context(), r.PathValue("id"))
				if err != nil {
					return customer.Page{}, err
				}
				return cs.Timeline(r.Context(), live, limit, r.URL.Query().Get("before"))
			})},
		{Method: "GET", Path: "/api/v1/customers/{id}/merges", Summary: "The merge history of a customer",
			Tag: "customers", Scopes: ReadScopes, Response: []identity.Merge{},
			Handle: JSON(func(r *http.Request) ([]identity.Merge, error) {
				live, _, err := ids.Survivor(r.Context(), r.PathValue("id"))
				if err != nil {
					return nil, err
				}
				return ids.Merges(r.Context(), live)
			})},
		{Method: "GET", Path: "/api/v1/customers", Summary: "Search customers by name, email or phone prefix",
			Tag: "customers", Scopes: ReadScopes, Response: CustomerList{},
			Params: []Param{{Name: "query", In: "query"}, {Name: "limit", In: "query"}, {Name: "cursor", In: "query"}},
			Handle: JSON(func(r *http.Request) (CustomerList, error) {
				limit, err := intParam(r, "limit")
				if err != nil {
					return CustomerList{}, err
				}
				q := r.URL.Query()
				list, next, err := cs.Search(r.Context(), q.Get("query"), limit, q.Get("cursor"))
				return CustomerList{Customers: list, Next: next}, err
			})},
	}
}

// intParam reads an optional positive integer query parameter (0 when absent).
func intParam(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apperr.InvalidField(name, "must be a positive whole number")
	}
	return n, nil
}
