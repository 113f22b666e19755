package inbox

import (
	"context"
	"encoding/json"
	"time"

	"github.com/omni-hq/omni/internal/id"
)

// EventReset tells live views that events may have been missed (a node lost
// its link to the others for a while) and they should reload.
const EventReset = "reset"

// Notifier carries notifications between the nodes sharing one database:
// PostgreSQL's NOTIFY and LISTEN (store.DB implements it).
type Notifier interface {
	Notify(ctx context.Context, channel, payload string) error
	Listen(ctx context.Context, channel string, fn func(payload string), lost func(error)) error
}

// clusterChannel is the notification channel inbox events travel on.
const clusterChannel = "omni_inbox"

// maxRelayBatch bounds the events of one notification (payloads stay far
// under PostgreSQL's 8,000 bytes).
const maxRelayBatch = 40

// wireEvent is an event between nodes: ids only; the receiving node loads
// the rest from the shared database.
type wireEvent struct {
	Node     string `json:"n"`
	Type     string `json:"t"`
	Conv     string `json:"c"`
	Message  string `json:"m,omitempty"`
	Survivor string `json:"s,omitempty"`
}

// cluster is the relay to other nodes; nil on a single node.
type cluster struct {
	node string
	out  chan wireEvent
}

// publish hands events to this node's broker and, with a cluster, to the
// other nodes.
func (s *Service) publish(events ...Event) {
	s.broker.Publish(events...)
	s.mu.RLock()
	c := s.cluster
	s.mu.RUnlock()
	if c == nil {
		return
	}
	for _, e := range events {
		w := wireEvent{Node: c.node, Type: e.Type, Conv: e.ConversationID}
		if e.Message != nil {
			w.Message = e.Message.ID
		}
		if e.Type == EventConversationMerged && e.Conversation != nil {
			w.Survivor = e.Conversation.ID
		}
		select {
		case c.out <- w:
		default:
			s.log.Warn("inbox: cluster relay backlog full; other nodes miss an event", "type", e.Type)
		}
	}
}

// Cluster relays this node's events to the other nodes on the same
// PostgreSQL database, and theirs to this node's broker, so that every
// agent's live stream and every connected widget sees every change,
// whichever node made it. It runs until ctx ends.
func (s *Service) Cluster(ctx context.Context, n Notifier) error {
	c := &cluster{node: id.New("node"), out: make(chan wireEvent, 8192)}
	s.mu.Lock()
	s.cluster = c
	s.mu.Unlock()
	go s.relayOut(ctx, n, c)
	return n.Listen(ctx, clusterChannel, func(payload string) { s.relayIn(ctx, c.node, payload) }, func(err error) {
		s.log.Warn("inbox: lost the link to other nodes; live views reload", "err", err)
		s.broker.Publish(Event{Type: EventReset})
	})
}

// relayOut sends queued events, a batch per notification.
func (s *Service) relayOut(ctx context.Context, n Notifier, c *cluster) {
	for {
		var batch []wireEvent
		select {
		case <-ctx.Done():
			return
		case w := <-c.out:
			batch = append(batch, w)
		}
		for len(batch) < maxRelayBatch && len(c.out) > 0 {
			batch = append(batch, <-c.out)
		}
		payload, _ := json.Marshal(batch)
		nctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := n.Notify(nctx, clusterChannel, string(payload)); err != nil && ctx.Err() == nil {
			s.log.Warn("inbox: notify other nodes", "err", err)
		}
		cancel()
	}
}

// relayIn publishes another node's events on this node's broker.
func (s *Service) relayIn(ctx context.Context, self, payload string) {
	var batch []wireEvent
	if err := json.Unmarshal([]byte(payload), &batch); err != nil {
		s.log.Warn("inbox: malformed cluster notification", "err", err)
		return
	}
	for _, w := range batch {
		if w.Node == self {
			continue
		}
		e := Event{Type: w.Type, ConversationID: w.Conv}
		var err error
		switch {
		case w.Message != "":
			var m Message
			if m, err = messageTx(ctx, s.db, w.Message); err == nil {
				e.Message = &m
			}
		default:
			conv := w.Conv
			if w.Survivor != "" {
				conv = w.Survivor
			}
			var c Conversation
			if c, err = conversationTx(ctx, s.db, conv); err == nil {
				e.Conversation = &c
			}
		}
		if err != nil {
			s.log.Warn("inbox: load relayed event", "type", w.Type, "err", err)
			continue
		}
		s.broker.Publish(e)
	}
}
