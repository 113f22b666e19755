// Package web is the website chat channel: the chat widget that a site
// embeds with one script tag (/chat/widget.js, plain JavaScript served from
// the binary) and the WebSocket it talks over (/chat/ws). It translates
// widget frames into inbox and identity calls and pushes agents' replies to
// the browsers that are connected; it owns no customer or conversation
// state.
//
// The protocol, JSON text frames:
//
//	client → server
//	  {"type":"message","client_id":"c1","body":"…"}      a visitor's message
//	  {"type":"identify","email":"…","phone":"…","name":"…"} the widget's contact form
//	  {"type":"received","id":"msg_…"}                     a message was shown
//	  {"type":"handoff","channel":"messenger"}              "Continue on Messenger"
//	server → client
//	  {"type":"message","message":{…}}     history, and agents' replies as they are sent
//	  {"type":"ack","client_id":"c1","message":{…}}  the visitor's message is stored
//	  {"type":"ready"}                      history sent; live from here
//	  {"type":"identified"} / {"type":"handoff","channel":"…","url":"…"}
//	  {"type":"error","client_id":"…","error":"…"}
//
// The socket is opened as /chat/ws?key=WRITE_KEY&anonymous_id=ID&after=MSG_ID:
// the write key of a source of channel "chat", the visitor's anonymous id
// (the one the tracking API gets, so the chat joins the visitor's profile)
// and the last message id the widget has seen. The server answers with the
// messages since then (or the latest 50), so a reconnect loses nothing; the
// widget resends messages not yet acknowledged with their client ids and
// the server stores each client id once.
//
// Linking rule: an email address or phone number is linked to the visitor's
// profile only from an explicit "identify" frame (the widget's contact
// form), never guessed from message text.
package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/coder/websocket"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

//go:embed widget.js
var widgetJS []byte

// Inbox is what the chat needs from the inbox service.
type Inbox interface {
	Receive(ctx context.Context, in inbox.Inbound) (inbox.Received, error)
	Identify(ctx context.Context, channel, sourceID string, ids []identity.Identifier, traits map[string]json.RawMessage) (string, error)
	History(ctx context.Context, channel, address, after string, limit int) ([]inbox.Message, error)
	MarkDeliveredByID(ctx context.Context, msgID, address string, at time.Time) error
}

// Sources checks write keys.
type Sources interface {
	SourceByWriteKey(ctx context.Context, key string) (auth.Source, error)
}

// Events is the inbox's event stream on this node.
type Events interface {
	Subscribe(buffer int) *inbox.Subscription
	Closed() bool
}

// Issuer signs hand-off tokens.
type Issuer interface {
	Issue(customerID string, ttl time.Duration) string
}

// Config configures the chat.
type Config struct {
	Inbox   Inbox
	Sources Sources
	// Issuer and Links enable "Continue on …": Links maps a channel name to
	// a function building the link that carries a signed hand-off token
	// (e.g. an m.me link with the token as its ref).
	Issuer     Issuer
	Links      map[string]func(token string) string
	HandoffTTL time.Duration // default 24 hours
	Logger     *slog.Logger
}

// Chat serves the widget and its WebSocket, and sends agents' chat replies.
type Chat struct {
	cfg Config
	hub *hub
	log *slog.Logger
}

// New returns a Chat.
func New(cfg Config) *Chat {
	if cfg.HandoffTTL == 0 {
		cfg.HandoffTTL = 24 * time.Hour
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Chat{cfg: cfg, hub: newHub(), log: log}
}

// Mount registers GET /chat/widget.js and GET /chat/ws on mux.
func (c *Chat) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /chat/widget.js", c.serveWidget)
	mux.HandleFunc("GET /chat/ws", c.serveSocket)
}

func (c *Chat) serveWidget(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(widgetJS)
}

// maxAnonymousID bounds the anonymous id a widget sends.
const maxAnonymousID = 128

func (c *Chat) serveSocket(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	src, err := c.cfg.Sources.SourceByWriteKey(r.Context(), q.Get("key"))
	if err == nil && src.Channel != "chat" {
		err = apperr.New(apperr.Forbidden, "write key of source %q is for channel %q, not chat", src.Name, src.Channel)
	}
	if err != nil {
		httpError(w, err)
		return
	}
	anon := q.Get("anonymous_id")
	if anon == "" || len(anon) > maxAnonymousID {
		httpError(w, apperr.InvalidField("anonymous_id", "is required, at most %d characters", maxAnonymousID))
		return
	}
	// The write key is the credential, as for the tracking API: the widget
	// runs on the merchant's sites, whatever their origin.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: []string{"*"}})
	if err != nil {
		return // Accept has answered
	}
	s := &session{chat: c, ws: ws, source: src, anon: anon}
	s.run(r.Context(), q.Get("after"))
}

func httpError(w http.ResponseWriter, err error) {
	status := map[apperr.Code]int{apperr.Unauthorized: 401, apperr.Forbidden: 403, apperr.Invalid: 400}[apperr.CodeOf(err)]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	msg := "internal error"
	if e, ok := apperr.As(err); ok && status != 500 {
		msg = e.Error()
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": string(apperr.CodeOf(err)), "message": msg}})
}

// Send accepts an agent's reply for the visitor's widgets. The reply is
// stored already; once the inbox records it sent, Follow pushes it to the
// widgets connected to any node, and a widget that is not connected gets it
// with the history when it reconnects. The widget confirms delivery.
func (c *Chat) Send(_ context.Context, o inbox.Outbound) (inbox.Receipt, error) {
	return inbox.Receipt{}, nil
}

// Follow pushes agents' chat replies to the widgets connected to this node
// as the inbox reports them sent, whichever node sent them. It returns when
// events closes (the server is shutting down).
func (c *Chat) Follow(events Events) {
	for !events.Closed() {
		sub := events.Subscribe(4096)
		for e := range sub.C {
			m := e.Message
			if e.Type == inbox.EventMessageUpdated && m != nil && m.Channel == inbox.ChannelChat &&
				m.Direction == inbox.Out && m.State == inbox.StateSent {
				c.hub.push(m.Address, frame{Type: "message", Message: wireOf(*m)})
			}
		}
		sub.Close() // dropped for falling behind: subscribe again
	}
}

// Idempotent reports that widgets recognise a message sent twice (by id).
func (c *Chat) Idempotent() bool { return true }

// Close disconnects every widget (they reconnect, to another node if there
// is one) and refuses new connections.
func (c *Chat) Close() { c.hub.close() }

// Connections reports how many widgets are connected.
func (c *Chat) Connections() int { return c.hub.count() }

func (c *Chat) handoffChannels() []string {
	if c.cfg.Issuer == nil {
		return nil
	}
	out := make([]string, 0, len(c.cfg.Links))
	for ch := range c.cfg.Links {
		out = append(out, ch)
	}
	slices.Sort(out)
	return out
}
