package inbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// MergeTx moves the conversations and messages of profile from onto profile
// into, inside the identity merge's transaction; it is registered as an
// identity merge hook. When both profiles have an open conversation, the
// two become one: the younger one's messages move into the older one, which
// takes the union of labels, and the younger one is left resolved with
// merged_into naming the survivor.
func (s *Service) MergeTx(ctx context.Context, tx *store.Tx, from, into string) error {
	a, okA, err := openConversationTx(ctx, tx, from)
	if err != nil {
		return err
	}
	b, okB, err := openConversationTx(ctx, tx, into)
	if err != nil {
		return err
	}
	if okA && okB {
		if err := s.foldTx(ctx, tx, a, b); err != nil {
			return err
		}
	}
	for _, q := range []string{
		"UPDATE conversations SET customer_id = ? WHERE customer_id = ?",
		"UPDATE messages SET customer_id = ? WHERE customer_id = ?",
	} {
		if _, err := tx.ExecContext(ctx, q, into, from); err != nil {
			return fmt.Errorf("move conversations of %s to %s: %w", from, into, err)
		}
	}
	return nil
}

// foldTx makes two open conversations one, keeping the older.
func (s *Service) foldTx(ctx context.Context, tx *store.Tx, a, b Conversation) error {
	keep, gone := b, a
	if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
		keep, gone = a, b
	}
	labels := append(slices.Clone(keep.Labels), gone.Labels...)
	slices.Sort(labels)
	labels = slices.Compact(labels)
	rawLabels, _ := json.Marshal(labels)
	assignee := keep.Assignee
	if assignee == "" {
		assignee = gone.Assignee
	}
	latest := keep
	if gone.LastMessageAt.After(keep.LastMessageAt) {
		latest = gone
	}
	subject := keep.Subject
	if subject == "" {
		subject = gone.Subject
	}
	now := s.nowMs()
	stmts := []struct {
		q    string
		args []any
	}{
		{`UPDATE conversations SET status = 'resolved', resolved_at = ?, snoozed_until = NULL, merged_into = ?, updated_at = ?
			WHERE id = ?`, []any{now, keep.ID, now, gone.ID}},
		{"UPDATE messages SET conversation_id = ? WHERE conversation_id = ?", []any{keep.ID, gone.ID}},
		{`UPDATE conversations SET status = 'open', snoozed_until = NULL, labels = ?, assignee = ?, subject = ?,
			last_channel = ?, last_message_at = ?, updated_at = ?, first_response_at = ?
			WHERE id = ?`, []any{string(rawLabels), assignee, subject, latest.LastChannel, latest.LastMessageAt.UnixMilli(), now,
			timePtrMs(earliest(keep.FirstResponseAt, gone.FirstResponseAt)), keep.ID}},
	}
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st.q, st.args...); err != nil {
			return fmt.Errorf("fold conversation %s into %s: %w", gone.ID, keep.ID, err)
		}
	}
	return nil
}

func earliest(a, b *time.Time) *time.Time {
	if a == nil || (b != nil && b.Before(*a)) {
		return b
	}
	return a
}

// publishMerged tells agents about conversations folded into c.
func (s *Service) publishMerged(ctx context.Context, c Conversation) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM conversations WHERE merged_into = ?", c.ID)
	if err != nil {
		s.log.Warn("inbox: list merged conversations", "conversation", c.ID, "err", err)
		return
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		s.publish(Event{Type: EventConversationMerged, ConversationID: id, Conversation: &c})
	}
}
