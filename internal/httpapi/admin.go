package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/auth"
)

// Accounts is what the admin routes need from the auth service.
type Accounts interface {
	CreateToken(ctx context.Context, name string, scope auth.Scope) (auth.Token, string, error)
	ListTokens(ctx context.Context) ([]auth.Token, error)
	RevokeToken(ctx context.Context, id string) error
	CreateSource(ctx context.Context, name, channel string) (auth.Source, error)
	ListSources(ctx context.Context) ([]auth.Source, error)
	CreateUser(ctx context.Context, email, password string, role auth.Scope) (auth.User, error)
}

type createTokenRequest struct {
	Name  string     `json:"name"`
	Scope auth.Scope `json:"scope"`
}

type createdToken struct {
	auth.Token
	Secret string `json:"token"`
}

type createSourceRequest struct {
	Name    string `json:"name"`
	Channel string `json:"channel"`
}

type createUserRequest struct {
	Email    string     `json:"email"`
	Password string     `json:"password"`
	Role     auth.Scope `json:"role"`
}

type whoAmI struct {
	TokenID string     `json:"token_id"`
	Name    string     `json:"name"`
	Scope   auth.Scope `json:"scope"`
}

// AdminRoutes are the routes that manage tokens, sources and logins.
func AdminRoutes(acc Accounts) []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/me", Summary: "The token making the request", Tag: "admin",
			Scopes: ReadScopes, Response: whoAmI{},
			Handle: JSON(func(r *http.Request) (whoAmI, error) {
				t, _ := TokenFrom(r.Context())
				return whoAmI{TokenID: t.ID, Name: t.Name, Scope: t.Scope}, nil
			})},
		{Method: "POST", Path: "/api/v1/tokens", Summary: "Create an API token (its value is shown once)", Tag: "admin",
			MaxBody: 4 << 10, Request: createTokenRequest{}, Response: createdToken{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, req createTokenRequest) (createdToken, error) {
				t, secret, err := acc.CreateToken(r.Context(), req.Name, req.Scope)
				return createdToken{Token: t, Secret: secret}, err
			})},
		{Method: "GET", Path: "/api/v1/tokens", Summary: "List API tokens", Tag: "admin", Response: []auth.Token{},
			Handle: JSON(func(r *http.Request) ([]auth.Token, error) { return acc.ListTokens(r.Context()) })},
		{Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token", Tag: "admin", Status: http.StatusNoContent,
			Handle: func(w http.ResponseWriter, r *http.Request) error {
				if err := acc.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}},
		{Method: "POST", Path: "/api/v1/sources", Summary: "Create a tracking source and its write key", Tag: "admin",
			MaxBody: 4 << 10, Request: createSourceRequest{}, Response: auth.Source{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, req createSourceRequest) (auth.Source, error) {
				return acc.CreateSource(r.Context(), req.Name, req.Channel)
			})},
		{Method: "GET", Path: "/api/v1/sources", Summary: "List tracking sources", Tag: "admin", Response: []auth.Source{},
			Handle: JSON(func(r *http.Request) ([]auth.Source, error) { return acc.ListSources(r.Context()) })},
		{Method: "POST", Path: "/api/v1/users", Summary: "Create a dashboard login", Tag: "admin",
			MaxBody: 4 << 10, Request: createUserRequest{}, Response: auth.User{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, req createUserRequest) (auth.User, error) {
				return acc.CreateUser(r.Context(), req.Email, req.Password, req.Role)
			})},
	}
}
