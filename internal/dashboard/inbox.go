package dashboard

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Inbox is what the Inbox pages need from the inbox service.
type Inbox interface {
	List(ctx context.Context, f inbox.Filter) (inbox.Page, error)
	Follow(ctx context.Context, id string) (inbox.Conversation, error)
	Thread(ctx context.Context, convID string) ([]inbox.Message, error)
	Reply(ctx context.Context, req inbox.ReplyRequest) (inbox.Message, error)
	Assign(ctx context.Context, convID, agent string) (inbox.Conversation, error)
	Resolve(ctx context.Context, convID string) (inbox.Conversation, error)
	Reopen(ctx context.Context, convID string) (inbox.Conversation, error)
}

// inboxPage is how many conversations the list shows at once.
const inboxPage = 50

// replyChannels are the channels an agent may answer on.
var replyChannels = []string{inbox.ChannelChat, inbox.ChannelMessenger, inbox.ChannelEmail, inbox.ChannelSMS}

func (h *Handler) mountInbox(mux *http.ServeMux, s section) {
	mux.Handle("GET /inbox", h.guard(s.roles, h.inboxList))
	mux.Handle("GET /inbox/events", h.guard(s.roles, h.inboxEvents))
	mux.Handle("GET /inbox/{id}", h.guard(s.roles, h.conversation))
	mux.Handle("GET /inbox/{id}/thread", h.guard(s.roles, h.thread))
	mux.Handle("POST /inbox/{id}/reply", h.guard(s.roles, h.reply))
	mux.Handle("POST /inbox/{id}/assign", h.guard(s.roles, h.assign))
	mux.Handle("POST /inbox/{id}/resolve", h.guard(s.roles, h.resolve))
	mux.Handle("POST /inbox/{id}/reopen", h.guard(s.roles, h.reopen))
}

type inboxView struct {
	Status, Channel, Who string
	Channels             []string
	Conversations        []inbox.Conversation
	Names                map[string]string // customer id → name or email
	Self                 string            // the signed-in user's id
	Query                string            // the filters, to poll the same list
	Next                 string
}

// inboxList lists conversations by status, channel and owner; htmx polls
// get only the rows.
func (h *Handler) inboxList(w http.ResponseWriter, r *http.Request, req *request) error {
	q := r.URL.Query()
	v := inboxView{Status: q.Get("status"), Channel: q.Get("channel"), Who: q.Get("who"), Channels: replyChannels, Self: req.user.ID}
	if _, ok := r.URL.Query()["status"]; !ok {
		v.Status = string(inbox.Open)
	}
	f := inbox.Filter{Status: inbox.Status(v.Status), Channel: v.Channel, Limit: inboxPage, Cursor: q.Get("cursor")}
	switch v.Who {
	case "", "all":
	case "mine":
		f.Assignee = req.user.ID
	case "unassigned":
		f.Unassigned = true
	default:
		return errInvalid("who", "must be all, mine or unassigned")
	}
	page, err := h.d.Inbox.List(r.Context(), f)
	if err != nil {
		return err
	}
	v.Conversations = page.Conversations
	if v.Names, err = h.customerNames(r.Context(), page.Conversations); err != nil {
		return err
	}
	filters := url.Values{"status": {v.Status}, "channel": {v.Channel}, "who": {v.Who}}
	v.Query = filters.Encode()
	if page.Next != "" {
		filters.Set("cursor", page.Next)
		v.Next = "/inbox?" + filters.Encode()
	}
	w.Header().Set("Vary", "HX-Request")
	if isFragment(r) {
		h.renderBlock(w, r, http.StatusOK, "inbox", "conversation-rows", v)
		return nil
	}
	h.render(w, r, http.StatusOK, "inbox", h.withSession(view{Title: "Inbox", Active: "inbox", Data: v}, req))
	return nil
}

// customerNames names the customers of the conversations listed.
func (h *Handler) customerNames(ctx context.Context, convs []inbox.Conversation) (map[string]string, error) {
	names := map[string]string{}
	for _, c := range convs {
		if _, ok := names[c.CustomerID]; ok {
			continue
		}
		p, err := h.d.Customers.Get(ctx, c.CustomerID)
		if apperr.CodeOf(err) == apperr.NotFound {
			names[c.CustomerID] = c.CustomerID
			continue
		}
		if err != nil {
			return nil, err
		}
		names[c.CustomerID] = first(p.Name, p.Email, p.Phone, p.ID)
	}
	return names, nil
}

type conversationView struct {
	Conv       inbox.Conversation
	Messages   []inbox.Message
	Profile    customer.Profile
	Identities []identity.Identity
	Commerce   commerceView
	Channels   []string // reply channels offered
	Channel    string   // the one chosen by default
	Body       string   // a reply kept after an error
	Error      string
	Self       string
	CSRF       string
}

func (h *Handler) loadConversation(r *http.Request, req *request) (conversationView, error) {
	ctx := r.Context()
	c, err := h.d.Inbox.Follow(ctx, r.PathValue("id"))
	if err != nil {
		return conversationView{}, err
	}
	v := conversationView{Conv: c, Self: req.user.ID, CSRF: req.csrf, Channel: c.LastChannel}
	if v.Messages, err = h.d.Inbox.Thread(ctx, c.ID); err != nil {
		return v, err
	}
	if v.Profile, err = h.d.Customers.Get(ctx, c.CustomerID); err != nil {
		return v, err
	}
	if v.Identities, err = h.d.Identities.Identities(ctx, c.CustomerID); err != nil {
		return v, err
	}
	v.Commerce, err = h.loadCommerce(ctx, c.CustomerID, c.ID)
	v.Channels = offeredChannels(v.Messages, c.LastChannel)
	if !slices.Contains(v.Channels, v.Channel) && len(v.Channels) > 0 {
		v.Channel = v.Channels[0]
	}
	return v, err
}

// offeredChannels are the channels the customer wrote on, the last one first.
func offeredChannels(msgs []inbox.Message, last string) []string {
	var out []string
	if slices.Contains(replyChannels, last) {
		out = append(out, last)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Direction == inbox.In && slices.Contains(replyChannels, m.Channel) && !slices.Contains(out, m.Channel) {
			out = append(out, m.Channel)
		}
	}
	return out
}

// conversation is one conversation: the thread across channels, the reply
// box and the customer panel.
func (h *Handler) conversation(w http.ResponseWriter, r *http.Request, req *request) error {
	v, err := h.loadConversation(r, req)
	if err != nil {
		return err
	}
	if v.Conv.ID != r.PathValue("id") {
		http.Redirect(w, r, "/inbox/"+url.PathEscape(v.Conv.ID), http.StatusSeeOther)
		return nil
	}
	return h.renderConversation(w, r, req, http.StatusOK, v)
}

func (h *Handler) renderConversation(w http.ResponseWriter, r *http.Request, req *request, status int, v conversationView) error {
	title := first(v.Conv.Subject, v.Profile.Name, v.Profile.Email, v.Conv.ID)
	h.render(w, r, status, "conversation", h.withSession(view{Title: title, Active: "inbox", Data: v}, req))
	return nil
}

// thread is the polled fragment of a conversation's messages.
func (h *Handler) thread(w http.ResponseWriter, r *http.Request, req *request) error {
	c, err := h.d.Inbox.Follow(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	msgs, err := h.d.Inbox.Thread(r.Context(), c.ID)
	if err != nil {
		return err
	}
	h.renderBlock(w, r, http.StatusOK, "conversation", "messages", conversationView{Conv: c, Messages: msgs})
	return nil
}

// reply queues an agent's answer on the chosen channel; a refused reply
// shows the conversation again with the problem named and the text kept.
func (h *Handler) reply(w http.ResponseWriter, r *http.Request, req *request) error {
	id := r.PathValue("id")
	body, channel := r.PostFormValue("body"), r.PostFormValue("channel")
	_, err := h.d.Inbox.Reply(r.Context(), inbox.ReplyRequest{ConversationID: id, Body: body, Channel: channel, Author: req.user.ID})
	if e, ok := apperr.As(err); ok && (e.Code == apperr.Invalid || e.Code == apperr.Unprocessable || e.Code == apperr.Conflict) {
		v, lerr := h.loadConversation(r, req)
		if lerr != nil {
			return lerr
		}
		v.Body, v.Channel, v.Error = body, channel, e.Message
		if e.Field != "" {
			v.Error = e.Field + ": " + e.Message
		}
		if isFragment(r) {
			h.renderBlock(w, r, http.StatusOK, "conversation", "conv-main", v)
			return nil
		}
		return h.renderConversation(w, r, req, http.StatusBadRequest, v)
	}
	if err != nil {
		return err
	}
	if isFragment(r) {
		v, err := h.loadConversation(r, req)
		if err != nil {
			return err
		}
		h.renderBlock(w, r, http.StatusOK, "conversation", "conv-main", v)
		return nil
	}
	http.Redirect(w, r, "/inbox/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

// assign gives the conversation to the signed-in agent, or to nobody.
func (h *Handler) assign(w http.ResponseWriter, r *http.Request, req *request) error {
	agent := req.user.ID
	if r.PostFormValue("to") == "nobody" {
		agent = ""
	}
	return h.changeConversation(w, r, func(ctx context.Context, id string) (inbox.Conversation, error) {
		return h.d.Inbox.Assign(ctx, id, agent)
	})
}

func (h *Handler) resolve(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.changeConversation(w, r, h.d.Inbox.Resolve)
}

func (h *Handler) reopen(w http.ResponseWriter, r *http.Request, req *request) error {
	return h.changeConversation(w, r, h.d.Inbox.Reopen)
}

func (h *Handler) changeConversation(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, id string) (inbox.Conversation, error)) error {
	c, err := fn(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox/"+url.PathEscape(c.ID), http.StatusSeeOther)
	return nil
}
