package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/store"
)

// NotifyPurpose is the consent purpose Notify requires on a channel.
const NotifyPurpose = "transactional"

// Notification kinds Notify understands; channels with rules on automatic
// messages (Messenger message tags) decide by them.
const (
	KindOrderUpdate   = "order_update"   // an order, pickup, shipping or payment update
	KindAccountUpdate = "account_update" // a change to the customer's account
)

// notifyChannels are the channels a notification may go out on, in the
// order tried when the customer states no preference.
var notifyChannels = []string{ChannelEmail, ChannelSMS, ChannelMessenger}

// Notify sends an automatic message (e.g. "your order is ready for pickup")
// to a customer on their preferred channel among those they consented to
// for NotifyPurpose: the channel in their preferred_channel trait, else the
// one they wrote on last, else email, SMS, Messenger. It goes through the
// same durable delivery as agents' replies and shows in their conversation.
func (s *Service) Notify(ctx context.Context, customerID, text, kind string) (Message, error) {
	if err := checkBody(text); err != nil {
		return Message{}, err
	}
	live, _, err := s.ids.Survivor(ctx, customerID)
	if err != nil {
		return Message{}, err
	}
	order, err := s.notifyOrder(ctx, live)
	if err != nil {
		return Message{}, err
	}
	var m Message
	var conv Conversation
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := s.recordConversationTx(ctx, tx, live)
		if err != nil {
			return err
		}
		var reasons []string
		for _, ch := range order {
			o, err := s.prepare(ctx, tx, c, ch, text, kind)
			if err != nil {
				reasons = append(reasons, err.Error())
				continue
			}
			m = Message{ID: o.MessageID, ConversationID: c.ID, CustomerID: live, Direction: Out, Channel: ch,
				Address: o.Address, Body: text, ExternalID: o.ExternalID, Author: "system", Kind: kind, State: StateQueued,
				CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
			if err := s.queueTx(ctx, tx, &m); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, "UPDATE conversations SET last_message_at = ?, updated_at = ? WHERE id = ?",
				m.CreatedAt.UnixMilli(), m.CreatedAt.UnixMilli(), c.ID)
			if err != nil {
				return err
			}
			conv, err = conversationTx(ctx, tx, c.ID)
			return err
		}
		if len(reasons) == 0 {
			reasons = []string{"no channel with " + NotifyPurpose + " consent"}
		}
		return apperr.New(apperr.Unprocessable, "cannot notify customer %s: %s", live, strings.Join(reasons, "; "))
	})
	if err != nil {
		return Message{}, err
	}
	s.publish(Event{Type: EventMessageCreated, ConversationID: conv.ID, Message: &m},
		Event{Type: EventConversationUpdated, ConversationID: conv.ID, Conversation: &conv})
	return m, nil
}

// notifyOrder lists the consented channels to try, preferred first.
func (s *Service) notifyOrder(ctx context.Context, customerID string) ([]string, error) {
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
		if slices.Contains(notifyChannels, ch) && !slices.Contains(out, ch) && consented(p.Consent, ch) {
			out = append(out, ch)
		}
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.Unprocessable, "customer %s has not consented to %s messages on any channel", customerID, NotifyPurpose)
	}
	return out, nil
}

func consented(cs []customer.Consent, channel string) bool {
	for _, c := range cs {
		if c.Channel == channel && c.Purpose == NotifyPurpose {
			return c.Granted
		}
	}
	return false
}

// recordConversationTx returns the conversation an automatic message or a
// note about a customer goes on: the open one, else the latest, else a new
// resolved one (it needs no agent's attention).
func (s *Service) recordConversationTx(ctx context.Context, tx *store.Tx, customerID string) (Conversation, error) {
	c, err := scanConversation(tx.QueryRowContext(ctx, "SELECT "+conversationCols+` FROM conversations
		WHERE customer_id = ? AND merged_into IS NULL ORDER BY CASE WHEN status = 'resolved' THEN 1 ELSE 0 END,
		last_message_at DESC, id DESC LIMIT 1`, customerID))
	if err == nil {
		return c, nil
	}
	if !store.IsNoRows(err) {
		return Conversation{}, fmt.Errorf("load conversations of %s: %w", customerID, err)
	}
	return s.createConversationTx(ctx, tx, customerID, "", Resolved, s.now().UTC().Truncate(time.Millisecond))
}
