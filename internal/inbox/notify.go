package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// Consent purposes an automatic message may require on its channel.
const (
	PurposeTransactional = "transactional" // order, pickup and account notices
	PurposeMarketing     = "marketing"     // journeys and campaigns
)

// NotifyPurpose is the consent purpose Notify requires when the request
// names none.
const NotifyPurpose = PurposeTransactional

// Notification kinds Notify understands; channels with rules on automatic
// messages (Messenger message tags) decide by them.
const (
	KindOrderUpdate   = "order_update"   // an order, pickup, shipping or payment update
	KindAccountUpdate = "account_update" // a change to the customer's account
	// KindMarketing is a promotional message (a journey, a campaign): no
	// channel grants it an exception to its rules, so on Messenger it goes
	// out only within 24 hours of the customer's last message.
	KindMarketing = "marketing"
)

// Errors wrapped by Notify's refusals, so that callers can tell why.
var (
	// ErrNoConsent: the customer consented to the request's purpose on none
	// of the channels it may use.
	ErrNoConsent = errors.New("no consent")
	// ErrNoAddress: the customer has no address on any of the channels
	// they consented to.
	ErrNoAddress = errors.New("no address")
	// ErrCapped: the customer received the request's Limit of messages of
	// its kind already.
	ErrCapped = errors.New("over the frequency cap")
)

// notifyChannels are the channels a notification may go out on, in the
// order tried when the customer states no preference.
var notifyChannels = []string{ChannelEmail, ChannelSMS, ChannelMessenger}

// NotifyRequest is an automatic message to a customer.
type NotifyRequest struct {
	CustomerID string
	Text       string
	// Subject is the message's own subject (the email subject); empty for
	// the conversation's.
	Subject string
	// Kind says why the message is sent (KindOrderUpdate, KindMarketing…).
	Kind string
	// Purpose is the consent the channel needs; default NotifyPurpose.
	Purpose string
	// Channels limits the channels the message may go out on; empty
	// allows email, SMS and Messenger.
	Channels []string
	// Limit, when its Messages is not zero, refuses the message (ErrCapped)
	// once the customer has that many messages of the request's Kind since
	// Limit.Since, on any channel; messages that failed do not count.
	Limit Limit
	// Campaign names the campaign the message belongs to (its slug); the
	// message and its timeline event carry it.
	Campaign string
}

// Limit bounds the messages of one kind a customer receives.
type Limit struct {
	Messages int
	Since    time.Time
}

// Notify sends an automatic message (e.g. "your order is ready for pickup")
// to a customer on their preferred channel among those they consented to
// for the request's purpose: the channel in their preferred_channel trait,
// else the one they wrote on last, else email, SMS, Messenger. It goes
// through the same durable delivery as agents' replies and shows in their
// conversation.
func (s *Service) Notify(ctx context.Context, req NotifyRequest) (Message, error) {
	var m Message
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		m, err = s.NotifyTx(ctx, tx, req)
		return err
	})
	if err != nil {
		return Message{}, err
	}
	s.Announce(ctx, m)
	return m, nil
}

// NotifyTx is Notify inside the caller's transaction: the message and its
// delivery job exist only if tx commits. Once it has, Announce tells the
// agents watching.
func (s *Service) NotifyTx(ctx context.Context, tx *store.Tx, req NotifyRequest) (Message, error) {
	if err := checkBody(req.Text); err != nil {
		return Message{}, err
	}
	if req.Purpose == "" {
		req.Purpose = NotifyPurpose
	}
	live, _, err := s.ids.Survivor(ctx, req.CustomerID)
	if err != nil {
		return Message{}, err
	}
	order, err := s.notifyOrder(ctx, live, req)
	if err != nil {
		return Message{}, err
	}
	if err := s.checkLimitTx(ctx, tx, live, req); err != nil {
		return Message{}, err
	}
	// A refusal writes nothing: the conversation is created only once a
	// channel takes the message.
	c, found, err := s.findRecordConversationTx(ctx, tx, live)
	if err != nil {
		return Message{}, err
	}
	if !found {
		c = Conversation{CustomerID: live}
	}
	var reasons []string
	noAddress := true
	for _, ch := range order {
		o, err := s.prepare(ctx, tx, c, ch, req.Text, req.Kind)
		if err != nil {
			reasons = append(reasons, refusal(err))
			noAddress = noAddress && errors.Is(err, ErrNoAddress)
			continue
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		if !found {
			if c, err = s.createConversationTx(ctx, tx, live, "", Resolved, now); err != nil {
				return Message{}, err
			}
		}
		m := Message{ID: o.MessageID, ConversationID: c.ID, CustomerID: live, Direction: Out, Channel: ch,
			Address: o.Address, Body: req.Text, Subject: req.Subject, ExternalID: o.ExternalID, Author: "system",
			Kind: req.Kind, Campaign: req.Campaign, State: StateQueued, CreatedAt: now}
		if err := s.queueTx(ctx, tx, &m); err != nil {
			return Message{}, err
		}
		_, err = tx.ExecContext(ctx, "UPDATE conversations SET last_message_at = ?, updated_at = ? WHERE id = ?",
			m.CreatedAt.UnixMilli(), m.CreatedAt.UnixMilli(), c.ID)
		if err != nil {
			return Message{}, fmt.Errorf("update conversation %s: %w", c.ID, err)
		}
		return m, nil
	}
	e := apperr.New(apperr.Unprocessable, "cannot notify customer %s: %s", live, strings.Join(reasons, "; "))
	if noAddress {
		e.Err = ErrNoAddress
	}
	return Message{}, e
}

// refusal is a channel's reason not to take a message, without the causes
// it wraps.
func refusal(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// checkLimitTx refuses a message over the request's Limit.
func (s *Service) checkLimitTx(ctx context.Context, tx *store.Tx, customerID string, req NotifyRequest) error {
	if req.Limit.Messages <= 0 {
		return nil
	}
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE customer_id = ? AND direction = 'out' AND kind = ?
		AND created_at > ? AND state <> 'failed'`, customerID, req.Kind, req.Limit.Since.UnixMilli()).Scan(&n)
	if err != nil {
		return fmt.Errorf("count recent %s messages of %s: %w", req.Kind, customerID, err)
	}
	if n >= req.Limit.Messages {
		return &apperr.Error{Code: apperr.Unprocessable, Err: ErrCapped,
			Message: fmt.Sprintf("customer %s has had %d %s messages since %s", customerID, n, req.Kind, req.Limit.Since.UTC().Format(time.RFC3339))}
	}
	return nil
}

// Announce publishes a committed notification to the agents watching its
// conversation.
func (s *Service) Announce(ctx context.Context, m Message) {
	conv, err := conversationTx(ctx, s.db, m.ConversationID)
	if err != nil {
		s.log.Warn("inbox: announce notification", "message", m.ID, "err", err)
		return
	}
	s.publish(Event{Type: EventMessageCreated, ConversationID: conv.ID, Message: &m},
		Event{Type: EventConversationUpdated, ConversationID: conv.ID, Conversation: &conv})
}

// notifyOrder lists the allowed channels the customer consented to for the
// request's purpose, preferred first.
func (s *Service) notifyOrder(ctx context.Context, customerID string, req NotifyRequest) ([]string, error) {
	p, err := s.customers.Get(ctx, customerID)
	if err != nil {
		return nil, err
	}
	var order []string
	if t, ok := p.Traits["preferred_channel"]; ok {
		var pref string
		if err := json.Unmarshal(t.Value, &pref); err == nil {
			order = append(order, pref)
		}
	}
	var last string
	err = s.db.QueryRowContext(ctx, `SELECT channel FROM messages WHERE customer_id = ? AND direction = 'in'
		ORDER BY created_at DESC LIMIT 1`, customerID).Scan(&last)
	if err != nil && !store.IsNoRows(err) {
		return nil, fmt.Errorf("find last channel of %s: %w", customerID, err)
	}
	order = append(order, last)
	order = append(order, notifyChannels...)
	var out []string
	for _, ch := range order {
		allowed := len(req.Channels) == 0 || slices.Contains(req.Channels, ch)
		if allowed && slices.Contains(notifyChannels, ch) && !slices.Contains(out, ch) && consented(p.Consent, ch, req.Purpose) {
			out = append(out, ch)
		}
	}
	if len(out) == 0 {
		return nil, &apperr.Error{Code: apperr.Unprocessable, Err: ErrNoConsent,
			Message: fmt.Sprintf("customer %s has not consented to %s messages on any allowed channel", customerID, req.Purpose)}
	}
	return out, nil
}

func consented(cs []customer.Consent, channel, purpose string) bool {
	for _, c := range cs {
		if c.Channel == channel && c.Purpose == purpose {
			return c.Granted
		}
	}
	return false
}

// recordConversationTx returns the conversation an automatic message or a
// note about a customer goes on: the open one, else the latest, else a new
// resolved one (it needs no agent's attention).
func (s *Service) recordConversationTx(ctx context.Context, tx *store.Tx, customerID string) (Conversation, error) {
	c, found, err := s.findRecordConversationTx(ctx, tx, customerID)
	if err != nil || found {
		return c, err
	}
	return s.createConversationTx(ctx, tx, customerID, "", Resolved, s.now().UTC().Truncate(time.Millisecond))
}

// findRecordConversationTx is recordConversationTx without creating one:
// found is false when the customer has no conversation yet.
func (s *Service) findRecordConversationTx(ctx context.Context, tx *store.Tx, customerID string) (Conversation, bool, error) {
	c, err := scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationCols+` FROM conversations
		WHERE customer_id = ? AND merged_into IS NULL ORDER BY CASE WHEN status = 'resolved' THEN 1 ELSE 0 END,
		last_message_at DESC, id DESC LIMIT 1`, customerID))
	if store.IsNoRows(err) {
		return Conversation{}, false, nil
	}
	if err != nil {
		return Conversation{}, false, fmt.Errorf("load conversations of %s: %w", customerID, err)
	}
	return c, true, nil
}
