package inbox

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/apperr"
	"github.com/omni-hq/omni/internal/store"
)

// Get returns a conversation. A conversation folded into another by a
// profile merge is returned as is, with MergedInto naming the survivor.
func (s *Service) Get(ctx context.Context, id string) (Conversation, error) {
	return conversationTx(ctx, s.db, id)
}

// Follow returns the live conversation an id leads to, following merges.
func (s *Service) Follow(ctx context.Context, id string) (Conversation, error) {
	return followTx(ctx, s.db, id)
}

// maxThread bounds the messages Thread returns.
const maxThread = 1000

// Thread returns a conversation's messages, oldest first (the latest 1,000).
func (s *Service) Thread(ctx context.Context, convID string) ([]Message, error) {
	msgs, err := queryMessages(ctx, s.db, "SELECT "+messageCols+
		" FROM messages WHERE conversation_id = ? ORDER BY created_at DESC, id DESC LIMIT ?", convID, maxThread)
	slices.Reverse(msgs)
	return msgs, err
}

// Message returns one message.
func (s *Service) Message(ctx context.Context, id string) (Message, error) {
	return messageTx(ctx, s.db, id)
}

// Filter selects conversations for List. Zero fields do not filter.
type Filter struct {
	Status     Status
	Channel    string // the channel the customer wrote on last
	Assignee   string
	Unassigned bool
	CustomerID string
	Label      string
	Limit      int    // 1–200, default 50
	Cursor     string // Next of the previous page
}

// Page is one page of conversations, most recent activity first.
type Page struct {
	Conversations []Conversation `json:"conversations"`
	Next          string         `json:"next,omitempty"`
}

// List returns conversations matching f, most recent activity first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 200)
	q := "SELECT " + conversationCols + " FROM conversations WHERE merged_into IS NULL"
	var args []any
	add := func(cond string, vals ...any) { q += " AND " + cond; args = append(args, vals...) }
	if f.Status != "" {
		if err := validStatus(f.Status); err != nil {
			return Page{}, err
		}
		add("status = ?", string(f.Status))
	}
	if f.Channel != "" {
		add("last_channel = ?", f.Channel)
	}
	if f.Unassigned && f.Assignee != "" {
		return Page{}, apperr.InvalidField("unassigned", "cannot be combined with assignee")
	}
	if f.Unassigned {
		add("assignee = ''")
	} else if f.Assignee != "" {
		add("assignee = ?", f.Assignee)
	}
	if f.CustomerID != "" {
		add("customer_id = ?", f.CustomerID)
	}
	if f.Label != "" {
		add(`labels LIKE ? ESCAPE '\'`, "%"+likeEscape(jsonString(f.Label))+"%")
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return Page{}, err
		}
		add("(last_message_at < ? OR (last_message_at = ? AND id < ?))", at, at, id)
	}
	q += " ORDER BY last_message_at DESC, id DESC LIMIT ?"
	args = append(args, f.Limit+1)
	list, err := queryConversations(ctx, s.db, q, args...)
	if err != nil {
		return Page{}, err
	}
	p := Page{Conversations: list}
	if len(list) > f.Limit {
		p.Conversations = list[:f.Limit]
		last := p.Conversations[f.Limit-1]
		p.Next = encodeCursor(last.LastMessageAt.UnixMilli(), last.ID)
	}
	return p, nil
}

func validStatus(st Status) error {
	if st != Open && st != Snoozed && st != Resolved {
		return apperr.InvalidField("status", "must be open, snoozed or resolved, not %q", st)
	}
	return nil
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(at int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at, 10) + ":" + id))
}

func decodeCursor(c string) (int64, string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		at, id, ok := strings.Cut(string(raw), ":")
		n, perr := strconv.ParseInt(at, 10, 64)
		if ok && perr == nil && id != "" {
			return n, id, nil
		}
	}
	return 0, "", apperr.InvalidField("cursor", "is not a cursor this API returned")
}

// update runs fn on a live conversation in a transaction, then returns the
// conversation as stored and tells agents.
func (s *Service) update(ctx context.Context, convID string, fn func(ctx context.Context, tx *store.Tx, c Conversation) error) (Conversation, error) {
	var c Conversation
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := followTx(ctx, tx, convID)
		if err != nil {
			return err
		}
		if err := fn(ctx, tx, cur); err != nil {
			if store.IsUniqueViolation(err) {
				return apperr.Conflictf("customer %s already has an open conversation; add to that one", cur.CustomerID)
			}
			return err
		}
		c, err = conversationTx(ctx, tx, cur.ID)
		return err
	})
	if err != nil {
		return Conversation{}, err
	}
	s.publish(Event{Type: EventConversationUpdated, ConversationID: c.ID, Conversation: &c})
	return c, nil
}

// maxLabels bounds the labels of one conversation.
const maxLabels = 20

// SetLabels replaces a conversation's labels.
func (s *Service) SetLabels(ctx context.Context, convID string, labels []string) (Conversation, error) {
	clean := []string{}
	for _, l := range labels {
		l = strings.TrimSpace(l)
		if l == "" || len(l) > 50 {
			return Conversation{}, apperr.InvalidField("labels", "each label must have 1 to 50 characters")
		}
		if !slices.Contains(clean, l) {
			clean = append(clean, l)
		}
	}
	if len(clean) > maxLabels {
		return Conversation{}, apperr.InvalidField("labels", "at most %d labels", maxLabels)
	}
	slices.Sort(clean)
	raw, _ := json.Marshal(clean)
	return s.update(ctx, convID, func(ctx context.Context, tx *store.Tx, c Conversation) error {
		_, err := tx.ExecContext(ctx, "UPDATE conversations SET labels = ?, updated_at = ? WHERE id = ?", string(raw), s.nowMs(), c.ID)
		return err
	})
}

// Snooze sets a conversation aside until the given time, or until the
// customer writes again, whichever comes first.
func (s *Service) Snooze(ctx context.Context, convID string, until time.Time) (Conversation, error) {
	if !until.After(s.now()) {
		return Conversation{}, apperr.InvalidField("until", "must be in the future")
	}
	return s.update(ctx, convID, func(ctx context.Context, tx *store.Tx, c Conversation) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET status = 'snoozed', snoozed_until = ?, resolved_at = NULL,
			updated_at = ? WHERE id = ?`, until.UnixMilli(), s.nowMs(), c.ID)
		return err
	})
}

// Resolve closes a conversation and records its resolution time. The
// customer's next message opens a new conversation.
func (s *Service) Resolve(ctx context.Context, convID string) (Conversation, error) {
	return s.update(ctx, convID, func(ctx context.Context, tx *store.Tx, c Conversation) error {
		if c.Status == Resolved {
			return nil
		}
		now := s.nowMs()
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET status = 'resolved', resolved_at = ?, snoozed_until = NULL,
			updated_at = ? WHERE id = ?`, now, now, c.ID)
		return err
	})
}

// Reopen opens a resolved or snoozed conversation again. It is a conflict
// when the customer has another conversation open.
func (s *Service) Reopen(ctx context.Context, convID string) (Conversation, error) {
	return s.update(ctx, convID, func(ctx context.Context, tx *store.Tx, c Conversation) error {
		_, err := tx.ExecContext(ctx, `UPDATE conversations SET status = 'open', resolved_at = NULL, snoozed_until = NULL,
			updated_at = ? WHERE id = ?`, s.nowMs(), c.ID)
		return err
	})
}

// Wake reopens snoozed conversations whose time has come, and returns how
// many it woke.
func (s *Service) Wake(ctx context.Context) (int, error) {
	now := s.nowMs()
	woken, err := queryConversations(ctx, s.db, "SELECT "+conversationCols+
		" FROM conversations WHERE status = 'snoozed' AND snoozed_until <= ?", now)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range woken {
		res, err := s.db.ExecContext(ctx, `UPDATE conversations SET status = 'open', snoozed_until = NULL, updated_at = ?
			WHERE id = ? AND status = 'snoozed'`, now, c.ID)
		if err != nil {
			return n, fmt.Errorf("wake %s: %w", c.ID, err)
		}
		if k, _ := res.RowsAffected(); k == 1 {
			n++
			c.Status, c.SnoozedUntil, c.UpdatedAt = Open, nil, ms(now)
			s.publish(Event{Type: EventConversationUpdated, ConversationID: c.ID, Conversation: &c})
		}
	}
	return n, nil
}

// historySkew is how far before the last seen message History looks again,
// so that a message committed late with an earlier time is not missed; the
// client skips the ids it has.
const historySkew = 10 * time.Second

// History returns the messages exchanged with one address on one channel
// (the web chat of one browser), oldest first: the latest limit when after
// is empty, else those since the message after — and a few seconds before
// it, which the caller de-duplicates by id. Notes are never included.
func (s *Service) History(ctx context.Context, channel, address, after string, limit int) ([]Message, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q := "SELECT " + messageCols + " FROM messages WHERE channel = ? AND address = ? AND direction IN ('in', 'out')"
	args := []any{channel, address}
	if after != "" {
		var at int64
		err := s.db.QueryRowContext(ctx, "SELECT created_at FROM messages WHERE id = ? AND channel = ? AND address = ?",
			after, channel, address).Scan(&at)
		if err != nil && !store.IsNoRows(err) {
			return nil, fmt.Errorf("find message %s: %w", after, err)
		}
		if err == nil {
			q += " AND created_at >= ? AND id <> ? ORDER BY created_at, id LIMIT ?"
			return queryMessages(ctx, s.db, q, append(args, at-historySkew.Milliseconds(), after, limit)...)
		}
	}
	msgs, err := queryMessages(ctx, s.db, q+" ORDER BY created_at DESC, id DESC LIMIT ?", append(args, limit)...)
	slices.Reverse(msgs)
	return msgs, err
}
