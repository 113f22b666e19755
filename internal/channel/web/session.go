package web

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/inbox"
)

// Limits of the protocol.
const (
	maxFrame    = inbox.MaxBody + 4<<10
	maxClientID = 64
	sendBuffer  = 16 // frames queued for a slow widget before it is disconnected
	historySize = 50
	writeWait   = 10 * time.Second
)

// frame is one protocol message, either way.
type frame struct {
	Type     string       `json:"type"`
	ClientID string       `json:"client_id,omitempty"`
	Body     string       `json:"body,omitempty"`
	ID       string       `json:"id,omitempty"`
	Email    string       `json:"email,omitempty"`
	Phone    string       `json:"phone,omitempty"`
	Name     string       `json:"name,omitempty"`
	Channel  string       `json:"channel,omitempty"`
	URL      string       `json:"url,omitempty"`
	Error    string       `json:"error,omitempty"`
	Message  *wireMessage `json:"message,omitempty"`
	Channels []string     `json:"channels,omitempty"` // ready: where the chat can continue
}

// wireMessage is what the widget sees of a message.
type wireMessage struct {
	ID        string    `json:"id"`
	Direction string    `json:"direction"`
	Body      string    `json:"body"`
	At        time.Time `json:"at"`
}

func wireOf(m inbox.Message) *wireMessage {
	return &wireMessage{ID: m.ID, Direction: string(m.Direction), Body: m.Body, At: m.CreatedAt}
}

// session is one connected widget. It holds no goroutine of its own while
// idle: frames to send are queued and written by a goroutine that lives
// only while the queue is not empty.
type session struct {
	chat   *Chat
	ws     *websocket.Conn
	source auth.Source
	anon   string
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	queue   [][]byte // encoded frames waiting to be written
	writing bool
	closed  bool
}

func (s *session) run(ctx context.Context, after string) {
	s.ctx, s.cancel = context.WithCancel(ctx)
	defer s.cancel()
	defer s.ws.Close(websocket.StatusGoingAway, "")
	s.ws.SetReadLimit(maxFrame)
	var history []inbox.Message
	var err error
	shallow(func() { history, err = s.chat.cfg.Inbox.History(s.ctx, inbox.ChannelChat, s.anon, after, historySize) })
	if err != nil {
		s.chat.log.Warn("chat: load history", "err", err)
		s.ws.Close(websocket.StatusInternalError, "history unavailable")
		return
	}
	if !s.chat.hub.add(s.anon, s) {
		return
	}
	defer s.chat.hub.remove(s.anon, s)
	for _, m := range history {
		s.send(frame{Type: "message", Message: wireOf(m)})
	}
	s.send(frame{Type: "ready", Channels: s.chat.handoffChannels()})
	for {
		_, data, err := s.ws.Read(s.ctx)
		if err != nil {
			return
		}
		var f frame
		if err := json.Unmarshal(data, &f); err != nil {
			s.send(frame{Type: "error", Error: "frame is not a JSON object: " + err.Error()})
			continue
		}
		shallow(func() { s.handle(s.ctx, f) })
	}
}

// goAway closes the session with "going away" (the widget reconnects,
// to another node if there is one).
func (s *session) goAway() { s.ws.Close(websocket.StatusGoingAway, "server shutting down") }

// shallow runs fn on a goroutine of its own and waits for it. The database
// driver needs a deep stack; run there, it is freed when fn returns instead
// of staying with the connection's goroutine for as long as the widget is
// connected.
func shallow(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// send queues a frame without blocking. A widget too slow to take
// sendBuffer frames is disconnected; it reconnects and catches up.
func (s *session) send(f frame) {
	data, err := json.Marshal(f)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.closed || len(s.queue) >= sendBuffer {
		s.closed = true
		s.mu.Unlock()
		s.ws.CloseNow()
		return
	}
	s.queue = append(s.queue, data)
	start := !s.writing
	s.writing = true
	s.mu.Unlock()
	if start {
		go s.flush()
	}
}

// flush writes the queue in order, then ends.
func (s *session) flush() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 || s.closed {
			s.writing, s.queue = false, nil
			s.mu.Unlock()
			return
		}
		data := s.queue[0]
		s.queue = s.queue[1:]
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(s.ctx, writeWait)
		err := s.ws.Write(ctx, websocket.MessageText, data)
		cancel()
		if err != nil {
			s.mu.Lock()
			s.closed = true
			s.mu.Unlock()
			s.ws.CloseNow()
		}
	}
}

func (s *session) handle(ctx context.Context, f frame) {
	var err error
	switch f.Type {
	case "message":
		err = s.message(ctx, f)
	case "identify":
		err = s.identify(ctx, f)
	case "received":
		err = s.chat.cfg.Inbox.MarkDeliveredByID(ctx, f.ID, s.anon, time.Now())
	case "handoff":
		err = s.handoff(ctx, f)
	default:
		err = apperr.InvalidField("type", "unknown frame type %q", f.Type)
	}
	if err != nil {
		msg := "internal error"
		if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
			msg = e.Error()
		} else {
			s.chat.log.Warn("chat: frame failed", "type", f.Type, "err", err)
		}
		s.send(frame{Type: "error", ClientID: f.ClientID, Error: msg})
	}
}

func (s *session) message(ctx context.Context, f frame) error {
	if f.ClientID == "" || len(f.ClientID) > maxClientID {
		return apperr.InvalidField("client_id", "is required, at most %d characters", maxClientID)
	}
	anon, err := identity.New(identity.AnonymousID, s.anon)
	if err != nil {
		return err
	}
	res, err := s.chat.cfg.Inbox.Receive(ctx, inbox.Inbound{Channel: inbox.ChannelChat, SourceID: s.source.ID,
		Identifiers: []identity.Identifier{anon}, Address: s.anon, ExternalID: s.anon + ":" + f.ClientID, Body: f.Body})
	if err != nil {
		return err
	}
	s.send(frame{Type: "ack", ClientID: f.ClientID, Message: wireOf(res.Message)})
	return nil
}

func (s *session) identify(ctx context.Context, f frame) error {
	anon, err := identity.New(identity.AnonymousID, s.anon)
	if err != nil {
		return err
	}
	ids := []identity.Identifier{anon}
	traits := map[string]json.RawMessage{}
	for _, v := range []struct {
		t     identity.Type
		value string
	}{{identity.Email, f.Email}, {identity.Phone, f.Phone}} {
		if v.value == "" {
			continue
		}
		i, err := identity.New(v.t, v.value)
		if err != nil {
			return err
		}
		ids = append(ids, i)
		traits[string(v.t)], _ = json.Marshal(i.Value)
	}
	if f.Name != "" {
		traits["name"], _ = json.Marshal(truncateRunes(f.Name, 100))
	}
	if len(ids) == 1 && len(traits) == 0 {
		return apperr.InvalidField("identify", "give an email, a phone number or a name")
	}
	if _, err := s.chat.cfg.Inbox.Identify(ctx, inbox.ChannelChat, s.source.ID, ids, traits); err != nil {
		return err
	}
	s.send(frame{Type: "identified"})
	return nil
}

func (s *session) handoff(ctx context.Context, f frame) error {
	link := s.chat.cfg.Links[f.Channel]
	if link == nil || s.chat.cfg.Issuer == nil {
		return apperr.InvalidField("channel", "cannot continue on %q here", f.Channel)
	}
	anon, err := identity.New(identity.AnonymousID, s.anon)
	if err != nil {
		return err
	}
	cid, err := s.chat.cfg.Inbox.Identify(ctx, inbox.ChannelChat, s.source.ID, []identity.Identifier{anon}, nil)
	if err != nil {
		return fmt.Errorf("resolve visitor: %w", err)
	}
	s.send(frame{Type: "handoff", Channel: f.Channel, URL: link(s.chat.cfg.Issuer.Issue(cid, s.chat.cfg.HandoffTTL))})
	return nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r)
}
