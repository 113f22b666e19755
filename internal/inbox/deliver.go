package inbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/omni-hq/omni/internal/store"
)

// DeliverArgs is the durable job that sends one outbound message.
type DeliverArgs struct {
	MessageID string `json:"message_id"`
}

// Kind names the job in the queue.
func (DeliverArgs) Kind() string { return "inbox.deliver" }

// DeliverWorker works DeliverArgs jobs.
type DeliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// NewDeliverWorker returns the worker that delivers the Service's messages.
func NewDeliverWorker(s *Service) *DeliverWorker { return &DeliverWorker{s: s} }

// Work delivers the message unless it is delivered, failed, or was cut off
// midway on a channel that cannot recognise a second copy.
func (w *DeliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.s.deliver(ctx, job.Args.MessageID, job.Attempt, job.MaxAttempts)
}

// NextRetry backs off 2, 4, 8… seconds, up to ten minutes.
func (w *DeliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	d := time.Duration(1<<min(job.Attempt, 10)) * time.Second
	return time.Now().Add(min(d, 10*time.Minute))
}

// sendTimeout bounds one attempt.
const sendTimeout = 30 * time.Second

func (s *Service) deliver(ctx context.Context, msgID string, attempt, maxAttempts int) error {
	m, err := messageTx(ctx, s.db, msgID)
	if err != nil {
		return err
	}
	sender := s.sender(m.Channel)
	go_, err := s.claim(ctx, m, sender)
	if err != nil || !go_ {
		return err
	}
	o, err := s.outboundFor(ctx, m, attempt)
	if err != nil {
		return err
	}
	if sender == nil {
		return s.finish(ctx, m.ID, fmt.Errorf("channel %q is not connected", m.Channel), true)
	}
	if g, ok := sender.(Gate); ok {
		if err := g.Allow(o, s.now()); err != nil {
			return s.finish(ctx, m.ID, err, true)
		}
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	rcpt, err := sender.Send(sendCtx, o)
	if err != nil {
		final := !IsTemporary(err) || attempt >= maxAttempts
		return s.finish(ctx, m.ID, err, final)
	}
	return s.sent(ctx, m, rcpt)
}

// claim moves a queued message to sending before the platform is called,
// so that a later attempt knows an earlier one may have reached it. It
// reports whether to send.
func (s *Service) claim(ctx context.Context, m Message, sender Sender) (bool, error) {
	res, err := s.db.ExecContext(ctx, "UPDATE messages SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state = 'queued'", m.ID)
	if err != nil {
		return false, fmt.Errorf("claim %s: %w", m.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	if m.State != StateSending {
		return false, nil // sent, delivered or failed already: never send twice
	}
	if idem, ok := sender.(Idempotent); ok && idem.Idempotent() {
		_, err := s.db.ExecContext(ctx, "UPDATE messages SET attempts = attempts + 1 WHERE id = ?", m.ID)
		return err == nil, err
	}
	err = errors.New("an earlier delivery attempt was cut off and may have reached the customer; not sent again to avoid a duplicate")
	return false, s.finish(ctx, m.ID, err, true)
}

func (s *Service) outboundFor(ctx context.Context, m Message, attempt int) (Outbound, error) {
	c, err := conversationTx(ctx, s.db, m.ConversationID)
	if err != nil {
		return Outbound{}, err
	}
	o := Outbound{MessageID: m.ID, ConversationID: m.ConversationID, CustomerID: m.CustomerID, Channel: m.Channel,
		Address: m.Address, Body: m.Body, Subject: c.Subject, Kind: m.Kind, ExternalID: m.ExternalID, Attempt: attempt}
	if m.Subject != "" {
		o.Subject = m.Subject
	}
	var last *int64
	err = s.db.QueryRowContext(ctx, `SELECT MAX(created_at) FROM messages WHERE channel = ? AND address = ? AND direction = 'in'`,
		m.Channel, m.Address).Scan(&last)
	if err != nil {
		return Outbound{}, fmt.Errorf("last inbound of %s: %w", m.ID, err)
	}
	if last != nil {
		o.LastInboundAt = ms(*last)
	}
	if m.Subject != "" {
		return o, nil // a message with a subject of its own starts a thread of its own
	}
	rows, err := s.db.QueryContext(ctx, `SELECT external_id FROM messages WHERE conversation_id = ? AND channel = ?
		AND external_id IS NOT NULL AND id <> ? ORDER BY created_at DESC, id DESC LIMIT 20`, m.ConversationID, m.Channel, m.ID)
	if err != nil {
		return Outbound{}, fmt.Errorf("references of %s: %w", m.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return Outbound{}, err
		}
		o.References = append([]string{ref}, o.References...)
	}
	return o, rows.Err()
}

// finish records a failed attempt. A final failure marks the message failed
// and ends the job; otherwise the message waits for the retry.
func (s *Service) finish(ctx context.Context, msgID string, cause error, final bool) error {
	state := StateQueued
	if final {
		state = StateFailed
	}
	msg := truncate(cause.Error(), 1000)
	if _, err := s.db.ExecContext(ctx, "UPDATE messages SET state = ?, error = ?, error_at = ? WHERE id = ? AND state IN ('queued', 'sending')",
		string(state), msg, s.nowMs(), msgID); err != nil {
		return fmt.Errorf("record failure of %s: %w", msgID, err)
	}
	s.publishMessage(ctx, msgID)
	if final {
		s.log.Warn("inbox: delivery failed", "message", msgID, "err", msg)
		return river.JobCancel(cause)
	}
	return cause
}

func (s *Service) sent(ctx context.Context, m Message, r Receipt) error {
	now := s.nowMs()
	state, delivered := StateSent, any(nil)
	if r.Delivered {
		state, delivered = StateDelivered, now
	}
	q := `UPDATE messages SET state = ?, error = '', sent_at = ?, delivered_at = ?,
		external_id = COALESCE(external_id, ?) WHERE id = ?`
	_, err := s.db.ExecContext(ctx, q, string(state), now, delivered, nullable(r.ExternalID), m.ID)
	if store.IsUniqueViolation(err) {
		// The platform reused an id another message holds; the message is
		// sent all the same, so record that without the id.
		s.log.Warn("inbox: platform message id already taken", "message", m.ID, "external_id", r.ExternalID)
		_, err = s.db.ExecContext(ctx, q, string(state), now, delivered, nil, m.ID)
	}
	if err != nil {
		return fmt.Errorf("record delivery of %s: %w", m.ID, err)
	}
	s.publishMessage(ctx, m.ID)
	return nil
}

func (s *Service) publishMessage(ctx context.Context, msgID string) {
	m, err := messageTx(ctx, s.db, msgID)
	if err != nil {
		s.log.Warn("inbox: reload message", "message", msgID, "err", err)
		return
	}
	s.publish(Event{Type: EventMessageUpdated, ConversationID: m.ConversationID, Message: &m})
}

// MarkDelivered records a platform's delivery receipt for the message it
// knows by externalID (a Messenger delivery, a Twilio status callback). It
// reports whether a message was found.
func (s *Service) MarkDelivered(ctx context.Context, channel, externalID string, at time.Time) (bool, error) {
	var msgID string
	err := s.db.QueryRowContext(ctx, "SELECT id FROM messages WHERE channel = ? AND external_id = ? AND direction = 'out'",
		channel, externalID).Scan(&msgID)
	if store.IsNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find %s message %s: %w", channel, externalID, err)
	}
	return true, s.markDelivered(ctx, msgID, at)
}

// MarkDeliveredByID records that the customer's device received a message
// (the web chat widget acknowledges each message it shows).
func (s *Service) MarkDeliveredByID(ctx context.Context, msgID, address string, at time.Time) error {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM messages WHERE id = ? AND address = ? AND direction = 'out'", msgID, address).Scan(&n)
	if err != nil || n == 0 {
		return err
	}
	return s.markDelivered(ctx, msgID, at)
}

func (s *Service) markDelivered(ctx context.Context, msgID string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE messages SET state = 'delivered', delivered_at = ?, error = '',
		sent_at = COALESCE(sent_at, ?) WHERE id = ? AND state IN ('sending', 'sent')`, at.UnixMilli(), at.UnixMilli(), msgID)
	if err != nil {
		return fmt.Errorf("record delivery of %s: %w", msgID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		s.publishMessage(ctx, msgID)
	}
	return nil
}

// MarkUndelivered records a platform's report that a sent message did not
// reach the customer (a Twilio "undelivered" or "failed" status).
func (s *Service) MarkUndelivered(ctx context.Context, channel, externalID, reason string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE messages SET state = 'failed', error = ?, error_at = ? WHERE channel = ? AND external_id = ?
		AND direction = 'out' AND state IN ('sending', 'sent', 'delivered')`, truncate(reason, 1000), s.nowMs(), channel, externalID)
	if err != nil {
		return false, fmt.Errorf("record failure of %s message %s: %w", channel, externalID, err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		if m, found, err := byExternalTx(ctx, s.db, channel, externalID); err == nil && found {
			s.publish(Event{Type: EventMessageUpdated, ConversationID: m.ConversationID, Message: &m})
		}
	}
	return n == 1, nil
}
