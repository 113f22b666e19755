package inbox

import (
	"sync"
	"time"
)

// Event types published by the inbox.
const (
	EventMessageCreated      = "message.created"
	EventMessageUpdated      = "message.updated"
	EventConversationUpdated = "conversation.updated"
	EventConversationMerged  = "conversation.merged"
)

// Event is a change agents' screens follow live.
type Event struct {
	// Seq orders the events of one node; a reconnecting stream resumes after it.
	Seq            uint64        `json:"seq"`
	Type           string        `json:"type"`
	ConversationID string        `json:"conversation_id"`
	Conversation   *Conversation `json:"conversation,omitempty"`
	Message        *Message      `json:"message,omitempty"`
	At             time.Time     `json:"at"`
}

// Broker fans inbox events out to subscribers in this process. It keeps the
// most recent events so that a stream reconnecting shortly after a drop
// misses nothing. A subscriber that falls behind by more than its buffer is
// dropped (its channel closed) rather than slowing everyone down; it
// reconnects and resumes from the last sequence number it saw.
type Broker struct {
	mu     sync.Mutex
	seq    uint64
	subs   map[*Subscription]struct{}
	ring   []Event
	next   int // ring write position
	full   bool
	closed bool
}

// NewBroker returns a Broker remembering the last keep events (default 4096).
// Sequence numbers start at the current time in microseconds, so that after
// a restart they keep growing and a stale resume point is recognised.
func NewBroker(keep int) *Broker {
	if keep <= 0 {
		keep = 4096
	}
	return &Broker{seq: uint64(time.Now().UnixMicro()), subs: map[*Subscription]struct{}{}, ring: make([]Event, keep)}
}

// Subscription receives events on C until Close, or until it falls behind
// and C is closed.
type Subscription struct {
	C <-chan Event
	c chan Event
	b *Broker
}

// Subscribe returns a subscription with the given buffer (default 256).
func (b *Broker) Subscribe(buffer int) *Subscription {
	sub, _, _ := b.SubscribeSince(0, buffer)
	return sub
}

// SubscribeSince subscribes and returns the remembered events after seq.
// complete is false when seq is older than what the broker remembers (or
// from another run), so the subscriber must reload its view. seq 0 asks for
// no replay.
func (b *Broker) SubscribeSince(seq uint64, buffer int) (sub *Subscription, missed []Event, complete bool) {
	if buffer <= 0 {
		buffer = 256
	}
	c := make(chan Event, buffer)
	sub = &Subscription{C: c, c: c, b: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(c)
		return sub, nil, true
	}
	b.subs[sub] = struct{}{}
	if seq == 0 {
		return sub, nil, true
	}
	events := b.remembered()
	complete = seq >= b.seq || (len(events) > 0 && seq >= events[0].Seq-1)
	for _, e := range events {
		if e.Seq > seq {
			missed = append(missed, e)
		}
	}
	return sub, missed, complete
}

// remembered returns the ring's events, oldest first. b.mu is held.
func (b *Broker) remembered() []Event {
	if !b.full {
		return append([]Event(nil), b.ring[:b.next]...)
	}
	return append(append([]Event(nil), b.ring[b.next:]...), b.ring[:b.next]...)
}

// Close ends the subscription.
func (s *Subscription) Close() {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if _, ok := s.b.subs[s]; ok {
		delete(s.b.subs, s)
		close(s.c)
	}
}

// Publish numbers the events and hands them to every subscriber.
func (b *Broker) Publish(events ...Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range events {
		b.seq++
		e.Seq = b.seq
		if e.At.IsZero() {
			e.At = time.Now().UTC()
		}
		b.ring[b.next] = e
		b.next = (b.next + 1) % len(b.ring)
		if b.next == 0 {
			b.full = true
		}
		for sub := range b.subs {
			select {
			case sub.c <- e:
			default: // too slow: drop it; it resumes from its last seq
				delete(b.subs, sub)
				close(sub.c)
			}
		}
	}
}

// Close ends every subscription, and any made later at once: a server
// shutting down lets its live streams go.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for sub := range b.subs {
		delete(b.subs, sub)
		close(sub.c)
	}
}

// Closed reports whether Close was called.
func (b *Broker) Closed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Subscribers reports how many subscriptions are live.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
