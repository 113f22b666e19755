package inbox

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// Outbound is a message on its way to a customer, as a Sender sees it.
type Outbound struct {
	MessageID      string
	ConversationID string
	CustomerID     string
	Channel        string
	// Address is the customer's address on the channel (PSID, phone
	// number, email address, the widget's anonymous id).
	Address string
	Body    string
	Subject string
	// Kind says why an automatic message is sent (see Notify); empty for an
	// agent's reply.
	Kind string
	// LastInboundAt is when the customer last wrote on this channel from
	// Address; zero when never.
	LastInboundAt time.Time
	// ExternalID is the id a Threader gave the message when it was queued.
	ExternalID string
	// References are the external ids of the conversation's earlier
	// messages on the channel, oldest first (email threading).
	References []string
	// Attempt counts delivery attempts, from 1.
	Attempt int
}

// Receipt is a platform's answer to a successful send.
type Receipt struct {
	// ExternalID is the platform's id of the sent message.
	ExternalID string
	// Delivered reports that the platform already confirmed delivery.
	Delivered bool
}

// Sender delivers outbound messages on one channel. An error wrapped with
// Temporary is retried later; any other error fails the message for good.
type Sender interface {
	Send(ctx context.Context, o Outbound) (Receipt, error)
}

// Gate is implemented by Senders whose channel restricts when a business may
// write, like Messenger's 24-hour window. Allow is asked before a message is
// queued and again before each attempt.
type Gate interface {
	Allow(o Outbound, now time.Time) error
}

// Ready is implemented by Senders whose settings change while Omni runs
// (an admin connects or switches off the channel): Ready says why the
// channel cannot send now. It is asked before a message is queued.
type Ready interface {
	Ready(ctx context.Context) error
}

// Threader is implemented by Senders that give a message its platform id up
// front (an email's Message-ID), so that the customer's answer threads into
// the conversation.
type Threader interface {
	ExternalID(messageID string) string
}

// Idempotent is implemented by Senders whose platform recognises a message
// sent twice (email by Message-ID, the web chat by message id). Only such a
// channel's message is sent again after an attempt that was cut off midway;
// on other channels it fails with a clear error instead of risking a
// duplicate.
type Idempotent interface {
	Idempotent() bool
}

// TemporaryError marks a send failure after which trying again may succeed
// without sending twice: the platform did not take the message.
type TemporaryError struct{ Err error }

// Error returns the cause's message.
func (e *TemporaryError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *TemporaryError) Unwrap() error { return e.Err }

// Temporary wraps err so that the delivery is retried.
func Temporary(err error) error { return &TemporaryError{Err: err} }

// IsTemporary reports whether err was wrapped with Temporary.
func IsTemporary(err error) bool {
	var t *TemporaryError
	return errors.As(err, &t)
}

// ReplyRequest is an agent's answer in a conversation.
type ReplyRequest struct {
	ConversationID string
	Body           string
	// Channel to answer on; empty for the channel the customer wrote on last.
	Channel string
	// Author is the agent (token or login id).
	Author string
}

// Reply queues an agent's answer for delivery on the chosen channel, or the
// one the customer used last, within that channel's rules. It records the
// conversation's first response time.
func (s *Service) Reply(ctx context.Context, req ReplyRequest) (Message, error) {
	if err := checkBody(req.Body); err != nil {
		return Message{}, err
	}
	var m Message
	var conv Conversation
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := followTx(ctx, tx, req.ConversationID)
		if err != nil {
			return err
		}
		channel := req.Channel
		if channel == "" {
			channel = c.LastChannel
		}
		if channel == "" {
			return apperr.InvalidField("channel", "the customer has not written on any channel yet; choose one")
		}
		o, err := s.prepare(ctx, tx, c, channel, req.Body, "")
		if err != nil {
			return err
		}
		m = Message{ID: o.MessageID, ConversationID: c.ID, CustomerID: c.CustomerID, Direction: Out, Channel: channel,
			Address: o.Address, Body: req.Body, ExternalID: o.ExternalID, Author: req.Author, State: StateQueued,
			CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
		if err := s.queueTx(ctx, tx, &m); err != nil {
			return err
		}
		now := m.CreatedAt.UnixMilli()
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET first_response_at = COALESCE(first_response_at, ?),
			last_message_at = ?, updated_at = ? WHERE id = ?`, now, now, now, c.ID)
		if err != nil {
			return fmt.Errorf("update conversation %s: %w", c.ID, err)
		}
		conv, err = conversationTx(ctx, tx, c.ID)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	s.publish(Event{Type: EventMessageCreated, ConversationID: conv.ID, Message: &m},
		Event{Type: EventConversationUpdated, ConversationID: conv.ID, Conversation: &conv})
	return m, nil
}

func checkBody(body string) error {
	switch {
	case strings.TrimSpace(body) == "":
		return apperr.InvalidField("body", "is required")
	case len(body) > MaxBody:
		return apperr.New(apperr.TooLarge, "message body is larger than %d bytes", MaxBody)
	case !utf8.ValidString(body):
		return apperr.InvalidField("body", "is not valid UTF-8")
	}
	return nil
}

// prepare finds where a message on channel goes and checks the channel's
// rules; the Outbound it returns carries a new message id.
func (s *Service) prepare(ctx context.Context, tx *store.Tx, c Conversation, channel, body, kind string) (Outbound, error) {
	sender, err := s.readySender(ctx, channel)
	if err != nil {
		return Outbound{}, err
	}
	addr, last, err := s.addressTx(ctx, tx, c.CustomerID, channel)
	if err != nil {
		return Outbound{}, err
	}
	o := Outbound{MessageID: id.New("msg"), ConversationID: c.ID, CustomerID: c.CustomerID, Channel: channel,
		Address: addr, Body: body, Subject: c.Subject, Kind: kind, LastInboundAt: last}
	if g, ok := sender.(Gate); ok {
		if err := g.Allow(o, s.now()); err != nil {
			return Outbound{}, &apperr.Error{Code: apperr.Unprocessable, Message: err.Error(), Err: err}
		}
	}
	if t, ok := sender.(Threader); ok {
		o.ExternalID = t.ExternalID(o.MessageID)
	}
	return o, nil
}

// readySender returns the Sender of a channel that can send now.
func (s *Service) readySender(ctx context.Context, channel string) (Sender, error) {
	sender := s.sender(channel)
	if sender == nil {
		return nil, apperr.New(apperr.Unprocessable, "channel %q is not connected: no way to send on it", channel)
	}
	if r, ok := sender.(Ready); ok {
		if err := r.Ready(ctx); err != nil {
			return nil, &apperr.Error{Code: apperr.Unprocessable,
				Message: fmt.Sprintf("channel %q is not connected: %v", channel, err), Err: err}
		}
	}
	return sender, nil
}

// CanSend says why automatic messages (Notify) cannot go out on a channel
// now: it is not one they use — email, SMS, Messenger — or it is not
// connected. Nil means they can.
func (s *Service) CanSend(ctx context.Context, channel string) error {
	if !slices.Contains(notifyChannels, channel) {
		return apperr.InvalidField("channel", "automatic messages go out on %s, not %q", strings.Join(notifyChannels, ", "), channel)
	}
	_, err := s.readySender(ctx, channel)
	if e, ok := apperr.As(err); ok {
		e.Field = "channel"
	}
	return err
}

// addressTx finds the customer's address on a channel: where they last wrote
// from on it, else an identifier of theirs that the channel can reach.
func (s *Service) addressTx(ctx context.Context, tx *store.Tx, customerID, channel string) (string, time.Time, error) {
	var addr string
	var at int64
	err := tx.QueryRowContext(ctx, `SELECT address, created_at FROM messages WHERE customer_id = ? AND channel = ?
		AND direction = 'in' AND address <> '' ORDER BY created_at DESC LIMIT 1`, customerID, channel).Scan(&addr, &at)
	if err == nil {
		return addr, ms(at), nil
	}
	if !store.IsNoRows(err) {
		return "", time.Time{}, fmt.Errorf("find %s address of %s: %w", channel, customerID, err)
	}
	want := map[string]identity.Type{ChannelEmail: identity.Email, ChannelSMS: identity.Phone, ChannelMessenger: identity.MessengerPSID}[channel]
	if want != "" {
		ids, err := s.ids.Identities(ctx, customerID)
		if err != nil {
			return "", time.Time{}, err
		}
		for _, i := range ids {
			if i.Type == want {
				return i.Value, time.Time{}, nil
			}
		}
	}
	return "", time.Time{}, &apperr.Error{Code: apperr.Unprocessable, Err: ErrNoAddress,
		Message: fmt.Sprintf("customer %s has no %s address to send to", customerID, channel)}
}

// queueTx stores an outbound message and enqueues its delivery in the same
// transaction, and puts it on the customer's timeline.
func (s *Service) queueTx(ctx context.Context, tx *store.Tx, m *Message) error {
	s.mu.RLock()
	q := s.queue
	s.mu.RUnlock()
	if q == nil {
		return errors.New("inbox: no job queue to deliver with")
	}
	if err := insertMessageTx(ctx, tx, m); err != nil {
		return err
	}
	if _, err := q.InsertTx(ctx, tx, DeliverArgs{MessageID: m.ID}, &river.InsertOpts{MaxAttempts: s.opts.MaxAttempts}); err != nil {
		return fmt.Errorf("queue delivery of %s: %w", m.ID, err)
	}
	_, err := s.customers.AppendTx(ctx, tx, []customer.Event{messageEvent(*m, "inbox:"+m.Channel, m.CreatedAt)})
	return err
}
