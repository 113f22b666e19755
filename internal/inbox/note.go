package inbox

import (
	"context"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/store"
)

// NoteRequest is an internal note: an agent's remark or a clerk's note from
// the shop. Customers never see notes.
type NoteRequest struct {
	Body   string
	Author string
	// Channel is where the note was taken: "pos" for the shop, "inbox"
	// (the default) for the inbox itself.
	Channel string
}

func (n *NoteRequest) check() error {
	if err := checkBody(n.Body); err != nil {
		return err
	}
	switch n.Channel {
	case "":
		n.Channel = ChannelInbox
	case ChannelInbox, ChannelPOS:
	default:
		return apperr.InvalidField("channel", "must be %q or %q, not %q", ChannelInbox, ChannelPOS, n.Channel)
	}
	return nil
}

// AddNote adds a note to a conversation.
func (s *Service) AddNote(ctx context.Context, convID string, n NoteRequest) (Message, error) {
	if err := n.check(); err != nil {
		return Message{}, err
	}
	return s.note(ctx, n, func(ctx context.Context, tx *store.Tx) (Conversation, error) { return followTx(ctx, tx, convID) })
}

// AddCustomerNote adds a note about a customer to their service record: the
// open conversation, else the latest one, else a new resolved one. The shop
// uses it when the clerk knows the customer but not a conversation.
func (s *Service) AddCustomerNote(ctx context.Context, customerID string, n NoteRequest) (Message, error) {
	if err := n.check(); err != nil {
		return Message{}, err
	}
	live, _, err := s.ids.Survivor(ctx, customerID)
	if err != nil {
		return Message{}, err
	}
	return s.note(ctx, n, func(ctx context.Context, tx *store.Tx) (Conversation, error) {
		return s.recordConversationTx(ctx, tx, live)
	})
}

func (s *Service) note(ctx context.Context, n NoteRequest, pick func(context.Context, *store.Tx) (Conversation, error)) (Message, error) {
	var m Message
	var conv Conversation
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := pick(ctx, tx)
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Millisecond)
		m = Message{ID: id.New("msg"), ConversationID: c.ID, CustomerID: c.CustomerID, Direction: Note,
			Channel: n.Channel, Body: n.Body, Author: n.Author, State: StateReceived, CreatedAt: now}
		if err := insertMessageTx(ctx, tx, &m); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE conversations SET updated_at = ? WHERE id = ?", now.UnixMilli(), c.ID); err != nil {
			return err
		}
		if _, err := s.customers.AppendTx(ctx, tx, []customer.Event{messageEvent(m, "inbox:"+n.Channel, now)}); err != nil {
			return err
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
