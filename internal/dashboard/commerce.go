package dashboard

import (
	"context"
	"slices"

	"github.com/omni-hq/omni/internal/cart"
	"github.com/omni-hq/omni/internal/inbox"
	"github.com/omni-hq/omni/internal/money"
	"github.com/omni-hq/omni/internal/order"
	"github.com/omni-hq/omni/internal/promotion"
	"github.com/omni-hq/omni/internal/store"
)

// Carts is what the customer panels need from the cart service.
type Carts interface {
	View(ctx context.Context, customerID, channel string) (cart.View, error)
}

// Wallets is what the customer panels need from the promotion service: a
// customer's promotion wallet (q nil reads the database).
type Wallets interface {
	Wallet(ctx context.Context, q store.Querier, customerID string) ([]promotion.WalletEntry, error)
}

// panelOrders bounds the orders and conversations a customer panel lists.
const panelOrders = 10

// commerceView is a customer's cart, orders, promotion wallet and
// conversations; a nil part is not connected.
type commerceView struct {
	Cart          *cart.View
	Orders        []order.Order
	Wallet        []promotion.WalletEntry
	Conversations []inbox.Conversation
	HasOrders     bool
	HasWallet     bool
	HasInbox      bool
	Exclude       string // the conversation shown beside the panel
}

// loadCommerce gathers the panels of one customer from whatever is connected.
func (h *Handler) loadCommerce(ctx context.Context, customerID, exclude string) (commerceView, error) {
	v := commerceView{Exclude: exclude}
	if h.d.Carts != nil {
		c, err := h.d.Carts.View(ctx, customerID, "web")
		if err != nil {
			return v, err
		}
		v.Cart = &c
	}
	if h.d.Orders != nil {
		v.HasOrders = true
		list, err := h.d.Orders.List(ctx, order.ListOptions{CustomerID: customerID, Limit: panelOrders})
		if err != nil {
			return v, err
		}
		v.Orders = list
	}
	if h.d.Wallets != nil {
		v.HasWallet = true
		w, err := h.d.Wallets.Wallet(ctx, nil, customerID)
		if err != nil {
			return v, err
		}
		v.Wallet = w
	}
	if h.d.Inbox != nil {
		v.HasInbox = true
		p, err := h.d.Inbox.List(ctx, inbox.Filter{CustomerID: customerID, Limit: panelOrders + 1})
		if err != nil {
			return v, err
		}
		v.Conversations = slices.DeleteFunc(p.Conversations, func(c inbox.Conversation) bool { return c.ID == exclude })
	}
	return v, nil
}

// formatMoney shows minor units of a currency as "12.34 EUR".
func formatMoney(minor int64, currency string) string {
	return money.New(minor, money.Currency(currency)).String()
}
