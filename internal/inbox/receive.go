package inbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/customer"
	"github.com/omni-hq/omni/internal/id"
	"github.com/omni-hq/omni/internal/identity"
	"github.com/omni-hq/omni/internal/store"
)

// MaxBody bounds a message body in bytes.
const MaxBody = 64 << 10

// maxThreadKeys bounds the Message-IDs an inbound email is threaded by.
const maxThreadKeys = 50

// Inbound is a message a channel adapter received from a customer.
type Inbound struct {
	Channel string
	// SourceID is the tracking source the message came through, when known.
	SourceID string
	// Identifiers say who sent the message; they resolve to one customer.
	Identifiers []identity.Identifier
	// Address is where a reply on this channel goes (PSID, phone number,
	// email address, the widget's anonymous id).
	Address string
	// ExternalID is the platform's id of the message; a second message with
	// the same id on the same channel is a replay and is not stored again.
	ExternalID  string
	Body        string
	Attachments []Attachment
	// ThreadKeys are ids of earlier messages on the channel this one answers
	// (email In-Reply-To and References), most specific first.
	ThreadKeys []string
	Subject    string
	// Traits are what the message says about its sender, e.g. a name.
	Traits map[string]json.RawMessage
	// At is when the platform says the message was sent; default now.
	At time.Time
}

func (in *Inbound) validate() error {
	switch {
	case in.Channel == "":
		return apperr.InvalidField("channel", "is required")
	case len(in.Identifiers) == 0:
		return apperr.InvalidField("identifiers", "at least one identifier of the sender is required")
	case len(in.Body) > MaxBody:
		return apperr.New(apperr.TooLarge, "message body is larger than %d bytes", MaxBody)
	case !utf8.ValidString(in.Body):
		return apperr.InvalidField("body", "is not valid UTF-8")
	case strings.TrimSpace(in.Body) == "" && len(in.Attachments) == 0:
		return apperr.InvalidField("body", "is empty and there are no attachments")
	}
	if len(in.ThreadKeys) > maxThreadKeys {
		in.ThreadKeys = in.ThreadKeys[:maxThreadKeys]
	}
	return nil
}

// Received is the outcome of Receive.
type Received struct {
	Message      Message
	Conversation Conversation
	// Duplicate reports a replay: the message was stored before and nothing
	// changed.
	Duplicate bool
	// Merged lists profile merges the sender's identifiers caused.
	Merged []identity.Merge
}

// Receive stores an inbound message: it resolves the sender to a customer,
// threads the message into the conversation it answers or the customer's
// open conversation (opening one when there is none), appends it to the
// customer's timeline and tells agents. A replayed message (same channel and
// external id) is recognised and stored once. On SQLite, which writes one
// transaction at a time, messages arriving together are stored in one
// transaction (see batcher); PostgreSQL stores them side by side.
func (s *Service) Receive(ctx context.Context, in Inbound) (Received, error) {
	if err := in.validate(); err != nil {
		return Received{}, err
	}
	if s.db.Dialect() != store.SQLite {
		res, err := s.receiveAlone(ctx, in)
		if err == nil {
			s.published(ctx, res)
		}
		return res, err
	}
	r := s.batcher.submit(ctx, s, in)
	return r.res, r.err
}

// receiveAlone stores one message in its own transaction, retrying when a
// concurrent copy of the same webhook, or the customer's other first
// message, committed first (PostgreSQL): the retry joins what it stored.
func (s *Service) receiveAlone(ctx context.Context, in Inbound) (Received, error) {
	for attempt := 1; ; attempt++ {
		var res Received
		err := s.ids.Run(ctx, func(tx *store.Tx, b *identity.Batch) error {
			var err error
			res, err = s.receiveTx(ctx, tx, b, in)
			return err
		})
		if err == nil || !(store.IsUniqueViolation(err) || errors.Is(err, errRaced)) || attempt == 3 {
			return res, err
		}
	}
}

// published tells agents about a stored message.
func (s *Service) published(ctx context.Context, res Received) {
	if res.Duplicate {
		return
	}
	c, m := res.Conversation, res.Message
	s.publish(Event{Type: EventMessageCreated, ConversationID: c.ID, Message: &m},
		Event{Type: EventConversationUpdated, ConversationID: c.ID, Conversation: &c})
	if len(res.Merged) > 0 {
		s.publishMerged(ctx, c)
	}
}

func (s *Service) receiveTx(ctx context.Context, tx *store.Tx, b *identity.Batch, in Inbound) (Received, error) {
	var res Received
	now := s.now().UTC().Truncate(time.Millisecond)
	if in.ExternalID != "" {
		m, found, err := byExternalTx(ctx, tx, in.Channel, in.ExternalID)
		if err != nil || found {
			if found {
				res.Message, res.Duplicate = m, true
				res.Conversation, err = conversationTx(ctx, tx, m.ConversationID)
			}
			return res, err
		}
	}
	r, err := b.Resolve(ctx, identity.Request{Identifiers: in.Identifiers, Channel: in.Channel, At: now})
	if err != nil {
		return res, fmt.Errorf("resolve sender: %w", err)
	}
	if r.Created {
		if err := checkOwnerTx(ctx, tx, r.CustomerID, in.Identifiers); err != nil {
			return res, err
		}
	}
	res.Merged = r.Merged
	if len(in.Traits) > 0 {
		if err := s.customers.SetTraitsTx(ctx, tx, r.CustomerID, in.Traits, sourceOf(in.SourceID, in.Channel), in.Channel, now); err != nil {
			return res, err
		}
	}
	conv, err := s.conversationForTx(ctx, tx, r.CustomerID, in, now)
	if err != nil {
		return res, err
	}
	m := Message{ID: id.New("msg"), ConversationID: conv.ID, CustomerID: r.CustomerID, Direction: In,
		Channel: in.Channel, Address: in.Address, Body: in.Body, Attachments: in.Attachments,
		ExternalID: in.ExternalID, State: StateReceived, CreatedAt: now}
	if err := insertMessageTx(ctx, tx, &m); err != nil {
		return res, err
	}
	if conv, err = s.touchInboundTx(ctx, tx, conv, in, now); err != nil {
		return res, err
	}
	at := in.At
	if at.IsZero() || at.After(now) {
		at = now
	}
	if _, err := s.customers.AppendTx(ctx, tx, []customer.Event{messageEvent(m, sourceOf(in.SourceID, in.Channel), at)}); err != nil {
		return res, err
	}
	res.Message, res.Conversation = m, conv
	return res, nil
}

// errRaced says a concurrent transaction claimed the sender's identifier
// first (PostgreSQL); storing again finds its customer.
var errRaced = errors.New("sender's identifier was claimed concurrently")

// checkOwnerTx makes sure the customer just created for a sender really
// holds its identifiers: when two first messages of one sender are stored
// at once, the identifier goes to one customer, and the other message must
// be stored again to join it rather than open a second conversation.
func checkOwnerTx(ctx context.Context, tx *store.Tx, customerID string, ids []identity.Identifier) error {
	for _, ident := range ids {
		var owner string
		err := tx.QueryRowContext(ctx, "SELECT customer_id FROM identities WHERE type = ? AND value = ?",
			string(ident.Type), ident.Value).Scan(&owner)
		if err != nil && !store.IsNoRows(err) {
			return fmt.Errorf("check owner of %s: %w", ident, err)
		}
		if owner != "" && owner != customerID {
			return errRaced
		}
	}
	return nil
}

func sourceOf(sourceID, channel string) string {
	if sourceID != "" {
		return sourceID
	}
	return "inbox:" + channel
}

func byExternalTx(ctx context.Context, q store.Querier, channel, ext string) (Message, bool, error) {
	m, err := scanMessage(q.QueryRowContext(ctx, "SELECT "+messageCols+" FROM messages WHERE channel = ? AND external_id = ?", channel, ext))
	if store.IsNoRows(err) {
		return Message{}, false, nil
	}
	if err != nil {
		return Message{}, false, fmt.Errorf("look up %s message %q: %w", channel, ext, err)
	}
	return m, true, nil
}

// conversationForTx picks the conversation an inbound message joins: the
// conversation of the message it answers (email threading), else the
// customer's open or snoozed conversation, else a new one. A threaded answer
// to a resolved conversation reopens it, unless its customer has another
// conversation open; then it joins that one, as a customer has one open
// conversation at a time.
func (s *Service) conversationForTx(ctx context.Context, tx *store.Tx, customerID string, in Inbound, now time.Time) (Conversation, error) {
	if len(in.ThreadKeys) > 0 {
		c, found, err := s.threadTx(ctx, tx, in.Channel, in.ThreadKeys)
		if err != nil {
			return Conversation{}, err
		}
		if found {
			if c.Status != Resolved {
				return c, nil
			}
			open, ok, err := openConversationTx(ctx, tx, c.CustomerID)
			if err != nil || ok {
				return open, err
			}
			return c, nil
		}
	}
	c, ok, err := openConversationTx(ctx, tx, customerID)
	if err != nil || ok {
		return c, err
	}
	return s.createConversationTx(ctx, tx, customerID, in.Subject, Open, now)
}

// threadTx finds the conversation holding one of the given external ids,
// following merges.
func (s *Service) threadTx(ctx context.Context, tx *store.Tx, channel string, keys []string) (Conversation, bool, error) {
	args := []any{channel}
	for _, k := range keys {
		args = append(args, k)
	}
	var convID string
	err := tx.QueryRowContext(ctx, "SELECT conversation_id FROM messages WHERE channel = ? AND external_id IN ("+
		store.Placeholders(len(keys))+") ORDER BY created_at DESC LIMIT 1", args...).Scan(&convID)
	if store.IsNoRows(err) {
		return Conversation{}, false, nil
	}
	if err != nil {
		return Conversation{}, false, fmt.Errorf("thread message: %w", err)
	}
	c, err := followTx(ctx, tx, convID)
	return c, err == nil, err
}

// followTx loads a conversation, following merged_into to the survivor.
func followTx(ctx context.Context, q store.Querier, convID string) (Conversation, error) {
	for range 16 {
		c, err := conversationTx(ctx, q, convID)
		if err != nil || c.MergedInto == "" {
			return c, err
		}
		convID = c.MergedInto
	}
	return Conversation{}, fmt.Errorf("conversation %s: merge chain too long", convID)
}

func openConversationTx(ctx context.Context, q store.Querier, customerID string) (Conversation, bool, error) {
	c, err := scanConversation(q.QueryRowContext(ctx, "SELECT "+conversationCols+
		" FROM conversations WHERE customer_id = ? AND status IN ('open', 'snoozed')", customerID))
	if store.IsNoRows(err) {
		return Conversation{}, false, nil
	}
	if err != nil {
		return Conversation{}, false, fmt.Errorf("load open conversation of %s: %w", customerID, err)
	}
	return c, true, nil
}

func (s *Service) createConversationTx(ctx context.Context, tx *store.Tx, customerID, subject string, status Status, now time.Time) (Conversation, error) {
	c := Conversation{ID: id.New("cnv"), CustomerID: customerID, Status: status, Labels: []string{},
		Subject: truncate(strings.TrimSpace(subject), 200), CreatedAt: now, UpdatedAt: now, LastMessageAt: now}
	var resolved any
	if status == Resolved {
		resolved, c.ResolvedAt = now.UnixMilli(), &now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO conversations (id, customer_id, status, subject, created_at, updated_at,
		last_message_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.CustomerID, string(status), c.Subject, now.UnixMilli(), now.UnixMilli(), now.UnixMilli(), resolved)
	if err != nil {
		return Conversation{}, fmt.Errorf("open conversation: %w", err)
	}
	if status == Open && s.opts.AutoAssign {
		if c.Assignee, err = s.autoAssignTx(ctx, tx, c.ID); err != nil {
			return Conversation{}, err
		}
	}
	return c, nil
}

// touchInboundTx records an inbound message on its conversation: the
// conversation is open again, and its last channel is the message's. It
// returns the conversation as updated.
func (s *Service) touchInboundTx(ctx context.Context, tx *store.Tx, c Conversation, in Inbound, now time.Time) (Conversation, error) {
	subject := truncate(strings.TrimSpace(in.Subject), 200)
	_, err := tx.ExecContext(ctx, `UPDATE conversations SET status = 'open', snoozed_until = NULL, resolved_at = NULL,
		last_channel = ?, last_message_at = ?, updated_at = ?,
		subject = CASE WHEN subject = '' THEN ? ELSE subject END WHERE id = ?`,
		in.Channel, now.UnixMilli(), now.UnixMilli(), subject, c.ID)
	if err != nil {
		return c, fmt.Errorf("update conversation %s: %w", c.ID, err)
	}
	if c.Status == Resolved && c.Assignee == "" && s.opts.AutoAssign {
		if c.Assignee, err = s.autoAssignTx(ctx, tx, c.ID); err != nil {
			return c, err
		}
	}
	c.Status, c.SnoozedUntil, c.ResolvedAt = Open, nil, nil
	c.LastChannel, c.LastMessageAt, c.UpdatedAt = in.Channel, now, now
	if c.Subject == "" {
		c.Subject = subject
	}
	return c, nil
}

// messageEvent is the timeline entry of a message.
func messageEvent(m Message, sourceID string, at time.Time) customer.Event {
	name := map[Direction]string{In: "Message received", Out: "Message sent", Note: "Note added"}[m.Direction]
	props := map[string]any{
		"conversation_id": m.ConversationID, "message_id": m.ID, "direction": m.Direction,
		"channel": m.Channel, "body": truncate(m.Body, 1000), "attachments": len(m.Attachments),
	}
	if m.Campaign != "" {
		props["campaign"] = m.Campaign
	}
	payload, _ := json.Marshal(props)
	return customer.Event{ID: customer.EventID(sourceID, m.ID, m.CreatedAt), CustomerID: m.CustomerID, SourceID: sourceID,
		Channel: m.Channel, Type: "message", Name: name, MessageID: m.ID, Timestamp: at,
		ReceivedAt: m.CreatedAt, Payload: payload}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
