package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/auth"
	"github.com/omni-hq/omni/internal/inbox"
)

// Presence is what the live stream needs to keep agents' online state.
type Presence interface {
	Seen(ctx context.Context, agentID, name string) error
	Gone(ctx context.Context, agentID string) error
}

// StreamHeartbeat is how often the stream sends a keep-alive comment and
// renews the agent's presence.
const StreamHeartbeat = 20 * time.Second

// ConversationStreamRoute is GET /api/v1/conversations/stream: inbox events
// as Server-Sent Events. Each event's id is its sequence number; a client
// reconnecting with Last-Event-ID gets what it missed, or a "reset" event
// when too much was missed and it must reload. An agent (or admin) with the
// stream open counts as online for round-robin assignment.
//
// Events come from this node's broker: with several nodes, an agent sees
// the changes made on the node serving their stream (see ARCHITECTURE.md).
func ConversationStreamRoute(broker *inbox.Broker, presence Presence, log *slog.Logger) Route {
	p := &presenceCount{n: map[string]int{}, presence: presence, log: log}
	return Route{Method: "GET", Path: "/api/v1/conversations/stream", Summary: "Live inbox events (text/event-stream)",
		Tag: "conversations", Scopes: ReadScopes,
		Params: []Param{{Name: "Last-Event-ID", In: "header", Description: "resume after this event"}},
		Handle: func(w http.ResponseWriter, r *http.Request) error {
			fl, ok := w.(http.Flusher)
			if !ok {
				return apperr.New(apperr.Internal, "streaming unsupported")
			}
			since, err := lastEventID(r)
			if err != nil {
				return err
			}
			sub, missed, complete := broker.SubscribeSince(since, 1024)
			defer sub.Close()
			tok, _ := TokenFrom(r.Context())
			if tok.Scope.Allows(auth.ScopeAgent) {
				p.join(r.Context(), tok)
				defer p.leave(tok)
			}
			h := w.Header()
			h.Set("Content-Type", "text/event-stream")
			h.Set("Cache-Control", "no-cache")
			h.Set("X-Accel-Buffering", "no")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "retry: 2000\n\n")
			if !complete {
				fmt.Fprint(w, "event: reset\ndata: {}\n\n")
			}
			for _, e := range missed {
				writeEvent(w, e)
			}
			fl.Flush()
			return streamEvents(r, w, fl, sub, p, tok)
		}}
}

func streamEvents(r *http.Request, w http.ResponseWriter, fl http.Flusher, sub *inbox.Subscription, p *presenceCount, tok auth.Token) error {
	tick := time.NewTicker(StreamHeartbeat)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-sub.C:
			if !ok {
				return nil // fell behind: the client reconnects and resumes
			}
			writeEvent(w, e)
			for more := len(sub.C); more > 0; more-- { // flush once per burst
				writeEvent(w, <-sub.C)
			}
			fl.Flush()
		case <-tick.C:
			fmt.Fprint(w, ": ping\n\n")
			fl.Flush()
			if tok.Scope.Allows(auth.ScopeAgent) {
				p.renew(r.Context(), tok)
			}
		case <-r.Context().Done():
			return nil
		}
	}
}

func writeEvent(w http.ResponseWriter, e inbox.Event) {
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Type, data)
}

func lastEventID(r *http.Request) (uint64, error) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, apperr.InvalidField("Last-Event-ID", "must be an event id this stream sent")
	}
	return n, nil
}

// presenceCount keeps an agent online while any of their streams is open.
type presenceCount struct {
	mu       sync.Mutex
	n        map[string]int
	presence Presence
	log      *slog.Logger
}

func (p *presenceCount) join(ctx context.Context, tok auth.Token) {
	p.mu.Lock()
	p.n[tok.ID]++
	p.mu.Unlock()
	p.renew(ctx, tok)
}

func (p *presenceCount) renew(ctx context.Context, tok auth.Token) {
	if err := p.presence.Seen(ctx, tok.ID, tok.Name); err != nil {
		p.log.Warn("record agent presence", "agent", tok.ID, "err", err)
	}
}

func (p *presenceCount) leave(tok auth.Token) {
	p.mu.Lock()
	p.n[tok.ID]--
	last := p.n[tok.ID] == 0
	if last {
		delete(p.n, tok.ID)
	}
	p.mu.Unlock()
	if last {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.presence.Gone(ctx, tok.ID); err != nil {
			p.log.Warn("record agent offline", "agent", tok.ID, "err", err)
		}
	}
}
