package httpapi

import (
	"context"
	"net/http"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/catalog"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

// Carts is what the cart routes need from the cart service.
type Carts interface {
	View(ctx context.Context, customerID, channel string) (cart.View, error)
	AddItem(ctx context.Context, customerID, channel string, it cart.Item) (cart.View, error)
	SetQuantity(ctx context.Context, customerID, channel string, it cart.Item) (cart.View, error)
	Clear(ctx context.Context, customerID, channel string) (cart.View, error)
	AddCode(ctx context.Context, customerID, channel, code string) (cart.View, error)
	RemoveCode(ctx context.Context, customerID, channel, code string) (cart.View, error)
}

// Wallets is what the wallet routes need from the promotion service.
type Wallets interface {
	AttachPromotion(ctx context.Context, customerID, codeOrID, channel, source string) (promotion.WalletEntry, error)
	Wallet(ctx context.Context, q store.Querier, customerID string) ([]promotion.WalletEntry, error)
}

// CartItemRequest adds or sets a quantity of a variant (by sku, variant_id
// or barcode), recording the channel the change comes from.
type CartItemRequest struct {
	catalog.VariantRef
	Quantity int64  `json:"quantity"`
	Channel  string `json:"channel"`
}

// CartCodeRequest enters a promotion code on a cart.
type CartCodeRequest struct {
	Code    string `json:"code"`
	Channel string `json:"channel"`
}

// WalletRequest attaches a promotion (by code or id) to a customer: a code
// typed at the counter (source pos), given by an agent (agent)…
type WalletRequest struct {
	Code    string `json:"code"`
	Channel string `json:"channel"`
	Source  string `json:"source,omitempty"`
}

var cartScopes = []auth.Scope{auth.ScopeAgent}

func needChannel(ch string) error {
	if ch == "" {
		return apperr.InvalidField("channel", "is required: the channel the change comes from (web, app, chat, pos…)")
	}
	return nil
}

// Survivors follows merged-away customer ids to the live profile.
type Survivors interface {
	Survivor(ctx context.Context, customerID string) (string, bool, error)
}

// CartRoutes are the routes of the customer's one cart and promotion wallet,
// used by agents (chat), the POS and back-office integrations.
func CartRoutes(carts Carts, wallets Wallets, ids Survivors) []Route {
	cid := func(r *http.Request) string { return r.PathValue("id") }
	live := func(r *http.Request) (string, error) {
		id, _, err := ids.Survivor(r.Context(), cid(r))
		return id, err
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/customers/{id}/cart", Summary: "The customer's cart, priced for a channel with their promotions",
			Tag: "cart", Scopes: ReadScopes, Response: cart.View{},
			Params: []Param{{Name: "channel", In: "query", Description: "prices and promotions of this channel; default web"}},
			Handle: JSON(func(r *http.Request) (cart.View, error) {
				ch := r.URL.Query().Get("channel")
				if ch == "" {
					ch = "web"
				}
				return carts.View(r.Context(), cid(r), ch)
			})},
		{Method: "POST", Path: "/api/v1/customers/{id}/cart/items", Summary: "Add units of a variant to the cart",
			Tag: "cart", Scopes: cartScopes, MaxBody: 4 << 10, Request: CartItemRequest{}, Response: cart.View{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in CartItemRequest) (cart.View, error) {
				if err := needChannel(in.Channel); err != nil {
					return cart.View{}, err
				}
				return carts.AddItem(r.Context(), cid(r), in.Channel, cart.Item{VariantRef: in.VariantRef, Quantity: in.Quantity})
			})},
		{Method: "PATCH", Path: "/api/v1/customers/{id}/cart/items", Summary: "Set the quantity of a variant in the cart (0 removes it)",
			Tag: "cart", Scopes: cartScopes, MaxBody: 4 << 10, Request: CartItemRequest{}, Response: cart.View{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in CartItemRequest) (cart.View, error) {
				if err := needChannel(in.Channel); err != nil {
					return cart.View{}, err
				}
				return carts.SetQuantity(r.Context(), cid(r), in.Channel, cart.Item{VariantRef: in.VariantRef, Quantity: in.Quantity})
			})},
		{Method: "DELETE", Path: "/api/v1/customers/{id}/cart/items", Summary: "Empty the cart",
			Tag: "cart", Scopes: cartScopes, Response: cart.View{},
			Params: []Param{{Name: "channel", In: "query", Required: true}},
			Handle: JSON(func(r *http.Request) (cart.View, error) {
				ch := r.URL.Query().Get("channel")
				if err := needChannel(ch); err != nil {
					return cart.View{}, err
				}
				return carts.Clear(r.Context(), cid(r), ch)
			})},
		{Method: "POST", Path: "/api/v1/customers/{id}/cart/codes", Summary: "Enter a promotion code on the cart",
			Tag: "cart", Scopes: cartScopes, MaxBody: 1 << 10, Request: CartCodeRequest{}, Response: cart.View{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, in CartCodeRequest) (cart.View, error) {
				if err := needChannel(in.Channel); err != nil {
					return cart.View{}, err
				}
				return carts.AddCode(r.Context(), cid(r), in.Channel, in.Code)
			})},
		{Method: "DELETE", Path: "/api/v1/customers/{id}/cart/codes/{code}", Summary: "Take a code off the cart",
			Tag: "cart", Scopes: cartScopes, Response: cart.View{},
			Params: []Param{{Name: "channel", In: "query", Required: true}},
			Handle: JSON(func(r *http.Request) (cart.View, error) {
				ch := r.URL.Query().Get("channel")
				if err := needChannel(ch); err != nil {
					return cart.View{}, err
				}
				return carts.RemoveCode(r.Context(), cid(r), ch, r.PathValue("code"))
			})},
		{Method: "GET", Path: "/api/v1/customers/{id}/promotions", Summary: "The customer's promotion wallet",
			Tag: "promotions", Scopes: ReadScopes, Response: []promotion.WalletEntry{},
			Handle: JSON(func(r *http.Request) ([]promotion.WalletEntry, error) {
				id, err := live(r)
				if err != nil {
					return nil, err
				}
				return wallets.Wallet(r.Context(), nil, id)
			})},
		{Method: "POST", Path: "/api/v1/customers/{id}/promotions", Summary: "Attach a promotion to the customer on every channel",
			Tag: "promotions", Scopes: []auth.Scope{auth.ScopeAgent, auth.ScopeMarketer}, MaxBody: 1 << 10,
			Request: WalletRequest{}, Response: promotion.WalletEntry{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, in WalletRequest) (promotion.WalletEntry, error) {
				if err := needChannel(in.Channel); err != nil {
					return promotion.WalletEntry{}, err
				}
				if in.Source == "" {
					in.Source = "api"
				}
				id, err := live(r)
				if err != nil {
					return promotion.WalletEntry{}, err
				}
				return wallets.AttachPromotion(r.Context(), id, in.Code, in.Channel, in.Source)
			})},
	}
}
