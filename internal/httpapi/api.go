package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
)

// HandlerFunc handles a route and returns an error instead of writing one, so
// that errors are rendered in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Param documents a path or query parameter.
type Param struct {
	Name        string
	In          string // "path" or "query"
	Description string
	Required    bool
}

// Route is one REST endpoint with what the OpenAPI document says about it.
type Route struct {
	Method   string
	Path     string // a net/http pattern path, e.g. /api/v1/tokens/{id}
	Summary  string
	Tag      string
	Scopes   []auth.Scope // scopes allowed besides admin; empty means admin only
	Public   bool         // no token required
	MaxBody  int64        // request body limit in bytes; default DefaultMaxBody
	Params   []Param
	Request  any // a value of the request body type, for the document
	Response any // a value of the success response type, for the document
	Status   int // success status, default 200
	Handle   HandlerFunc
}

// DefaultMaxBody is the request body limit of routes that set none.
const DefaultMaxBody = 1 << 20

// TokenVerifier finds the API token behind a bearer secret.
type TokenVerifier interface {
	TokenBySecret(ctx context.Context, secret string) (auth.Token, error)
}

// API collects the REST routes and serves them with authentication.
type API struct {
	log    *slog.Logger
	tokens TokenVerifier
	routes []Route
}

// New returns an API that checks bearer tokens with tokens.
func New(log *slog.Logger, tokens TokenVerifier) *API {
	return &API{log: log, tokens: tokens}
}

// Add registers routes.
func (a *API) Add(routes ...Route) { a.routes = append(a.routes, routes...) }

// Routes returns the registered routes.
func (a *API) Routes() []Route { return a.routes }

// Mount registers every route, and the OpenAPI document at
// /api/v1/openapi.json, on mux.
func (a *API) Mount(mux *http.ServeMux) {
	for _, rt := range a.routes {
		mux.Handle(rt.Method+" "+rt.Path, a.handler(rt))
	}
	doc := a.OpenAPI()
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, doc)
	})
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, a.log, apperr.NotFoundf("no route %s %s", r.Method, r.URL.Path))
	})
}

func (a *API) handler(rt Route) http.Handler {
	limit := rt.MaxBody
	if limit == 0 {
		limit = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !rt.Public {
			tok, err := a.authenticate(r)
			if err != nil {
				WriteError(w, r, a.log, err)
				return
			}
			if !tok.Scope.Allows(rt.Scopes...) {
				WriteError(w, r, a.log, apperr.New(apperr.Forbidden,
					"token scope %q may not use %s %s", tok.Scope, rt.Method, rt.Path))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), tokenKey{}, tok))
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := rt.Handle(w, r); err != nil {
			WriteError(w, r, a.log, err)
		}
	})
}

func (a *API) authenticate(r *http.Request) (auth.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(secret) == "" {
		return auth.Token{}, apperr.New(apperr.Unauthorized, "missing bearer token: send Authorization: Bearer <token>")
	}
	return a.tokens.TokenBySecret(r.Context(), strings.TrimSpace(secret))
}

type tokenKey struct{}

// TokenFrom returns the API token that authenticated the request.
func TokenFrom(ctx context.Context) (auth.Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(auth.Token)
	return t, ok
}

// ReadScopes lets every scope read; use it on GET routes any token may call.
var ReadScopes = []auth.Scope{auth.ScopeAgent, auth.ScopeMarketer, auth.ScopeRead}

// JSONBody adapts fn into a HandlerFunc that decodes the request body into a
// Req, calls fn, and writes its result as JSON with the given status.
func JSONBody[Req, Resp any](status int, fn func(r *http.Request, req Req) (Resp, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		var req Req
		if err := DecodeJSON(r, &req); err != nil {
			return err
		}
		resp, err := fn(r, req)
		if err != nil {
			return err
		}
		WriteJSON(w, status, resp)
		return nil
	}
}

// JSON adapts fn into a HandlerFunc that writes fn's result as JSON with 200.
func JSON[Resp any](fn func(r *http.Request) (Resp, error)) HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		resp, err := fn(r)
		if err != nil {
			return err
		}
		WriteJSON(w, http.StatusOK, resp)
		return nil
	}
}
