package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

const conversationCols = `id, customer_id, status, assignee, labels, subject, last_channel, created_at,
	updated_at, last_message_at, first_response_at, resolved_at, snoozed_until, merged_into`

const messageCols = `id, conversation_id, customer_id, direction, channel, address, body, attachments,
	external_id, author, kind, state, error, attempts, created_at, sent_at, delivered_at, subject, campaign`

type scanner interface{ Scan(dest ...any) error }

func scanConversation(row scanner) (Conversation, error) {
	var c Conversation
	var labels string
	var created, updated, last int64
	var firstResp, resolved, snoozed *int64
	var merged *string
	err := row.Scan(&c.ID, &c.CustomerID, &c.Status, &c.Assignee, &labels, &c.Subject, &c.LastChannel,
		&created, &updated, &last, &firstResp, &resolved, &snoozed, &merged)
	if err != nil {
		return Conversation{}, err
	}
	if err := json.Unmarshal([]byte(labels), &c.Labels); err != nil {
		return Conversation{}, fmt.Errorf("decode labels of %s: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt, c.LastMessageAt = ms(created), ms(updated), ms(last)
	c.FirstResponseAt, c.ResolvedAt, c.SnoozedUntil = msPtr(firstResp), msPtr(resolved), msPtr(snoozed)
	if merged != nil {
		c.MergedInto = *merged
	}
	return c, nil
}

func scanMessage(row scanner) (Message, error) {
	var m Message
	var atts string
	var ext *string
	var created int64
	var sent, delivered *int64
	err := row.Scan(&m.ID, &m.ConversationID, &m.CustomerID, &m.Direction, &m.Channel, &m.Address, &m.Body,
		&atts, &ext, &m.Author, &m.Kind, &m.State, &m.Error, &m.Attempts, &created, &sent, &delivered, &m.Subject, &m.Campaign)
	if err != nil {
		return Message{}, err
	}
	if err := json.Unmarshal([]byte(atts), &m.Attachments); err != nil {
		return Message{}, fmt.Errorf("decode attachments of %s: %w", m.ID, err)
	}
	if ext != nil {
		m.ExternalID = *ext
	}
	m.CreatedAt, m.SentAt, m.DeliveredAt = ms(created), msPtr(sent), msPtr(delivered)
	return m, nil
}

func ms(v int64) time.Time { return time.UnixMilli(v).UTC() }

func msPtr(v *int64) *time.Time {
	if v == nil {
		return nil
	}
	t := ms(*v)
	return &t
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// conversationTx loads a conversation inside tx.
func conversationTx(ctx context.Context, q store.Querier, id string) (Conversation, error) {
	c, err := scanConversation(q.QueryRowContext(ctx, "SELECT "+conversationCols+" FROM conversations WHERE id = ?", id))
	if store.IsNoRows(err) {
		return Conversation{}, apperr.NotFoundf("no conversation %s", id)
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("load conversation %s: %w", id, err)
	}
	return c, nil
}

// messageTx loads a message.
func messageTx(ctx context.Context, q store.Querier, id string) (Message, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, "SELECT "+messageCols+" FROM messages WHERE id = ?", id))
	if store.IsNoRows(err) {
		return Message{}, apperr.NotFoundf("no message %s", id)
	}
	if err != nil {
		return Message{}, fmt.Errorf("load message %s: %w", id, err)
	}
	return m, nil
}

func queryMessages(ctx context.Context, q store.Querier, query string, args ...any) ([]Message, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func queryConversations(ctx context.Context, q store.Querier, query string, args ...any) ([]Conversation, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("load conversations: %w", err)
	}
	defer rows.Close()
	out := []Conversation{}
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// insertMessageTx stores m.
func insertMessageTx(ctx context.Context, tx *store.Tx, m *Message) error {
	if m.Attachments == nil {
		m.Attachments = []Attachment{}
	}
	atts, err := json.Marshal(m.Attachments)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO messages (`+messageCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		m.ID, m.ConversationID, m.CustomerID, string(m.Direction), m.Channel, m.Address, m.Body, string(atts),
		nullable(m.ExternalID), m.Author, m.Kind, string(m.State), m.Error, m.Attempts, m.CreatedAt.UnixMilli(),
		timePtrMs(m.SentAt), timePtrMs(m.DeliveredAt), m.Subject, m.Campaign)
	if err != nil {
		return fmt.Errorf("store message: %w", err)
	}
	return nil
}

func timePtrMs(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}
