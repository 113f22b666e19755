package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Inbox is what the conversation routes need from the inbox service.
type Inbox interface {
	List(ctx context.Context, f inbox.Filter) (inbox.Page, error)
	Follow(ctx context.Context, id string) (inbox.Conversation, error)
	Thread(ctx context.Context, convID string) ([]inbox.Message, error)
	Reply(ctx context.Context, req inbox.ReplyRequest) (inbox.Message, error)
	AddNote(ctx context.Context, convID string, n inbox.NoteRequest) (inbox.Message, error)
	AddCustomerNote(ctx context.Context, customerID string, n inbox.NoteRequest) (inbox.Message, error)
	Assign(ctx context.Context, convID, agent string) (inbox.Conversation, error)
	SetLabels(ctx context.Context, convID string, labels []string) (inbox.Conversation, error)
	Snooze(ctx context.Context, convID string, until time.Time) (inbox.Conversation, error)
	Resolve(ctx context.Context, convID string) (inbox.Conversation, error)
	Reopen(ctx context.Context, convID string) (inbox.Conversation, error)
	Agents(ctx context.Context) ([]inbox.Agent, error)
	SetAvailable(ctx context.Context, agentID, name string, available bool) (inbox.Agent, error)
}

// CustomerCommerce is the seam through which the customer panel shows a
// customer's cart, orders and promotions. The commerce packages implement
// it; until they are wired in, the panel's commerce is null.
type CustomerCommerce interface {
	CustomerCommerce(ctx context.Context, customerID string) (CommercePanel, error)
}

// CommercePanel is what the agent sees of a customer's commerce.
type CommercePanel struct {
	Cart       any   `json:"cart"`
	Orders     []any `json:"orders"`
	Promotions []any `json:"promotions"`
}

// CustomerPanel is the customer beside a conversation.
type CustomerPanel struct {
	Profile              customer.Profile     `json:"profile"`
	Identities           []identity.Identity  `json:"identities"`
	EarlierConversations []inbox.Conversation `json:"earlier_conversations"`
	Commerce             *CommercePanel       `json:"commerce"`
}

// ConversationView is a conversation with its thread, every message marked
// with its channel, and the customer panel.
type ConversationView struct {
	inbox.Conversation
	RedirectedFrom string          `json:"redirected_from,omitempty"`
	Messages       []inbox.Message `json:"messages"`
	Customer       CustomerPanel   `json:"customer"`
}

type replyRequest struct {
	Body    string `json:"body"`
	Channel string `json:"channel,omitempty"`
}

type noteRequest struct {
	Body    string `json:"body"`
	Channel string `json:"channel,omitempty"`
}

type assignRequest struct {
	Assignee string `json:"assignee"`
}

type labelsRequest struct {
	Labels []string `json:"labels"`
}

type snoozeRequest struct {
	Until time.Time `json:"until"`
}

type availabilityRequest struct {
	Available bool `json:"available"`
}

// ConversationDeps are the services behind the conversation routes.
type ConversationDeps struct {
	Inbox      Inbox
	Customers  Customers
	Identities Identities
	Commerce   CustomerCommerce // optional
}

// agentScopes may change conversations: agents (and admins).
var agentScopes = []auth.Scope{auth.ScopeAgent}

// ConversationRoutes are the inbox routes under /api/v1/conversations, the
// customer-level note and the agents' availability.
func ConversationRoutes(d ConversationDeps) []Route {
	in := d.Inbox
	id := func(r *http.Request) string { return r.PathValue("id") }
	change := func(summary, path string, req any, fn func(r *http.Request) (inbox.Conversation, error)) Route {
		return Route{Method: "POST", Path: "/api/v1/conversations/{id}/" + path, Summary: summary, Tag: "conversations",
			Scopes: agentScopes, MaxBody: 16 << 10, Request: req, Response: inbox.Conversation{}, Handle: JSON(fn)}
	}
	return []Route{
		{Method: "GET", Path: "/api/v1/conversations", Summary: "List conversations, most recent activity first",
			Tag: "conversations", Scopes: ReadScopes, Response: inbox.Page{}, Params: listParams,
			Handle: JSON(func(r *http.Request) (inbox.Page, error) {
				f, err := listFilter(r)
				if err != nil {
					return inbox.Page{}, err
				}
				return in.List(r.Context(), f)
			})},
		{Method: "GET", Path: "/api/v1/conversations/{id}", Summary: "A conversation: its thread across channels and the customer panel",
			Tag: "conversations", Scopes: ReadScopes, Response: ConversationView{},
			Handle: JSON(func(r *http.Request) (ConversationView, error) { return d.view(r.Context(), id(r)) })},
		{Method: "POST", Path: "/api/v1/conversations/{id}/messages", Summary: "Reply: queue a message on the customer's last channel or the one given",
			Tag: "conversations", Scopes: agentScopes, MaxBody: 2 * inbox.MaxBody, Request: replyRequest{},
			Response: inbox.Message{}, Status: http.StatusAccepted,
			Handle: JSONBody(http.StatusAccepted, func(r *http.Request, req replyRequest) (inbox.Message, error) {
				return in.Reply(r.Context(), inbox.ReplyRequest{ConversationID: id(r), Body: req.Body, Channel: req.Channel, Author: agentOf(r)})
			})},
		{Method: "POST", Path: "/api/v1/conversations/{id}/notes", Summary: "Add an internal note (channel pos for the shop, inbox by default)",
			Tag: "conversations", Scopes: agentScopes, MaxBody: 2 * inbox.MaxBody, Request: noteRequest{},
			Response: inbox.Message{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, req noteRequest) (inbox.Message, error) {
				return in.AddNote(r.Context(), id(r), inbox.NoteRequest{Body: req.Body, Channel: req.Channel, Author: agentOf(r)})
			})},
		{Method: "POST", Path: "/api/v1/customers/{id}/notes", Summary: "Add a note to a customer's service record (channel pos by default)",
			Tag: "conversations", Scopes: agentScopes, MaxBody: 2 * inbox.MaxBody, Request: noteRequest{},
			Response: inbox.Message{}, Status: http.StatusCreated,
			Handle: JSONBody(http.StatusCreated, func(r *http.Request, req noteRequest) (inbox.Message, error) {
				if req.Channel == "" {
					req.Channel = inbox.ChannelPOS
				}
				return in.AddCustomerNote(r.Context(), id(r), inbox.NoteRequest{Body: req.Body, Channel: req.Channel, Author: agentOf(r)})
			})},
		change("Assign to an agent (\"me\" for yourself, \"\" to unassign)", "assign", assignRequest{}, func(r *http.Request) (inbox.Conversation, error) {
			var req assignRequest
			if err := DecodeJSON(r, &req); err != nil {
				return inbox.Conversation{}, err
			}
			if req.Assignee == "me" {
				req.Assignee = agentOf(r)
			}
			return in.Assign(r.Context(), id(r), req.Assignee)
		}),
		change("Replace the labels", "labels", labelsRequest{}, func(r *http.Request) (inbox.Conversation, error) {
			var req labelsRequest
			if err := DecodeJSON(r, &req); err != nil {
				return inbox.Conversation{}, err
			}
			return in.SetLabels(r.Context(), id(r), req.Labels)
		}),
		change("Snooze until a time or the customer's next message", "snooze", snoozeRequest{}, func(r *http.Request) (inbox.Conversation, error) {
			var req snoozeRequest
			if err := DecodeJSON(r, &req); err != nil {
				return inbox.Conversation{}, err
			}
			return in.Snooze(r.Context(), id(r), req.Until)
		}),
		change("Resolve", "resolve", nil, func(r *http.Request) (inbox.Conversation, error) { return in.Resolve(r.Context(), id(r)) }),
		change("Reopen", "reopen", nil, func(r *http.Request) (inbox.Conversation, error) { return in.Reopen(r.Context(), id(r)) }),
		{Method: "GET", Path: "/api/v1/agents", Summary: "Agents and who is online", Tag: "conversations",
			Scopes: ReadScopes, Response: []inbox.Agent{},
			Handle: JSON(func(r *http.Request) ([]inbox.Agent, error) { return in.Agents(r.Context()) })},
		{Method: "PUT", Path: "/api/v1/agents/me", Summary: "Say whether you take new conversations", Tag: "conversations",
			Scopes: agentScopes, MaxBody: 1 << 10, Request: availabilityRequest{}, Response: inbox.Agent{},
			Handle: JSONBody(http.StatusOK, func(r *http.Request, req availabilityRequest) (inbox.Agent, error) {
				t, _ := TokenFrom(r.Context())
				return in.SetAvailable(r.Context(), t.ID, t.Name, req.Available)
			})},
	}
}

var listParams = []Param{
	{Name: "status", In: "query", Description: "open, snoozed or resolved"},
	{Name: "channel", In: "query", Description: "the channel the customer wrote on last"},
	{Name: "assignee", In: "query", Description: "an agent id, or me"},
	{Name: "unassigned", In: "query", Description: "true for conversations nobody has"},
	{Name: "customer_id", In: "query"}, {Name: "label", In: "query"},
	{Name: "limit", In: "query", Description: "1–200, default 50"},
	{Name: "cursor", In: "query", Description: "next from the previous page"},
}

func listFilter(r *http.Request) (inbox.Filter, error) {
	q := r.URL.Query()
	limit, err := intParam(r, "limit")
	if err != nil {
		return inbox.Filter{}, err
	}
	f := inbox.Filter{Status: inbox.Status(q.Get("status")), Channel: q.Get("channel"), Assignee: q.Get("assignee"),
		CustomerID: q.Get("customer_id"), Label: q.Get("label"), Limit: limit, Cursor: q.Get("cursor")}
	if f.Assignee == "me" {
		f.Assignee = agentOf(r)
	}
	switch q.Get("unassigned") {
	case "", "false":
	case "true":
		f.Unassigned = true
	default:
		return inbox.Filter{}, apperr.InvalidField("unassigned", "must be true or false")
	}
	return f, nil
}

// agentOf names the agent making the request: their token's id.
func agentOf(r *http.Request) string {
	t, _ := TokenFrom(r.Context())
	return t.ID
}

func (d ConversationDeps) view(ctx context.Context, id string) (ConversationView, error) {
	c, err := d.Inbox.Follow(ctx, id)
	if err != nil {
		return ConversationView{}, err
	}
	v := ConversationView{Conversation: c}
	if c.ID != id {
		v.RedirectedFrom = id
	}
	if v.Messages, err = d.Inbox.Thread(ctx, c.ID); err != nil {
		return ConversationView{}, err
	}
	if v.Customer.Profile, err = d.Customers.Get(ctx, c.CustomerID); err != nil {
		return ConversationView{}, err
	}
	if v.Customer.Identities, err = d.Identities.Identities(ctx, c.CustomerID); err != nil {
		return ConversationView{}, err
	}
	earlier, err := d.Inbox.List(ctx, inbox.Filter{CustomerID: c.CustomerID, Limit: 20})
	if err != nil {
		return ConversationView{}, err
	}
	v.Customer.EarlierConversations = []inbox.Conversation{}
	for _, e := range earlier.Conversations {
		if e.ID != c.ID {
			v.Customer.EarlierConversations = append(v.Customer.EarlierConversations, e)
		}
	}
	if d.Commerce != nil {
		p, err := d.Commerce.CustomerCommerce(ctx, c.CustomerID)
		if err != nil {
			return ConversationView{}, err
		}
		v.Customer.Commerce = &p
	}
	return v, nil
}
