// Package customer is the unified profile: traits (latest value wins, with
// source), consent per channel, first and last seen, channels used, and the
// cross-channel timeline of events that every channel appends to.
package customer

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// Event is one interaction on the customer's timeline.
type Event struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id"`
	SourceID   string          `json:"source_id"`
	Channel    string          `json:"channel"`
	Type       string          `json:"type"` // track, identify, page, screen, alias, group, message, cart, order…
	Name       string          `json:"name,omitempty"`
	MessageID  string          `json:"message_id"`
	Timestamp  time.Time       `json:"timestamp"`
	ReceivedAt time.Time       `json:"received_at"`
	Payload    json.RawMessage `json:"payload"`
}

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// EventID derives an event's id from its source, the sender's message id and
// the time the sender stamped on it (zero when it sent none), so that a
// retried event is recognised and stored once. The id starts with that time,
// which keeps inserts near the end of the primary-key index instead of at
// random places in it: retries resend the original timestamp, so nothing is
// lost for de-duplication, and ingest stays fast on large tables.
func EventID(sourceID, messageID string, sentTimestamp time.Time) string {
	var b [16]byte
	var ms uint64
	if !sentTimestamp.IsZero() && sentTimestamp.UnixMilli() > 0 {
		ms = uint64(sentTimestamp.UnixMilli())
	}
	binary.BigEndian.PutUint64(b[:8], ms<<16)
	sum := sha256.Sum256([]byte(sourceID + "\x00" + messageID))
	copy(b[6:], sum[:10])
	return "evt_" + idEncoding.EncodeToString(b[:])
}

// AppendHook sees every batch of new events inside the transaction that
// stores them; analytics keeps its rollups current with one.
type AppendHook func(ctx context.Context, tx *store.Tx, events []Event) error

// Service reads and writes profiles and timelines.
type Service struct {
	db    *store.DB
	hooks []AppendHook
	seen  seenCache
}

// OnAppend registers a hook run after each AppendTx, with the events that
// were new. Register hooks before the Service is used.
func (s *Service) OnAppend(h AppendHook) { s.hooks = append(s.hooks, h) }

// NewService returns a Service on db.
func NewService(db *store.DB) *Service { return &Service{db: db} }

// appendChunk bounds the rows of one INSERT (10 parameters each).
const appendChunk = 100

// ExistingTx returns which of the event ids are stored already.
func (s *Service) ExistingTx(ctx context.Context, tx *store.Tx, ids []string) (map[string]bool, error) {
	found := make(map[string]bool)
	for chunk := range slices.Chunk(ids, 500) {
		q := "SELECT id FROM events WHERE id IN (" + store.Placeholders(len(chunk)) + ")"
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("check stored events: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			found[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

// AppendTx stores events inside tx, skipping any whose id is stored already,
// and moves each customer's first/last seen and channels. It returns how many
// events were new.
func (s *Service) AppendTx(ctx context.Context, tx *store.Tx, events []Event) (int, error) {
	if len(s.hooks) > 0 {
		existing, err := s.ExistingTx(ctx, tx, eventIDs(events))
		if err != nil {
			return 0, err
		}
		if len(existing) > 0 {
			events = slices.DeleteFunc(slices.Clone(events), func(e Event) bool { return existing[e.ID] })
		}
	}
	return s.AppendNewTx(ctx, tx, events)
}

// AppendNewTx is AppendTx for events the caller has found not stored, with
// ExistingTx in the same transaction, and not repeated among themselves: the
// tracking API's group commit checks its whole group at once.
func (s *Service) AppendNewTx(ctx context.Context, tx *store.Tx, events []Event) (int, error) {
	written, err := InsertTx(ctx, tx, events)
	if err != nil {
		return written, err
	}
	for _, h := range s.hooks {
		if err := h(ctx, tx, events); err != nil {
			return written, err
		}
	}
	return written, s.touchTx(ctx, tx, events)
}

// InsertTx stores events without touching the customers' profiles, skipping
// any whose id is stored already. Bulk loaders that set first/last seen
// themselves use it; everything else calls AppendTx.
func InsertTx(ctx context.Context, tx *store.Tx, events []Event) (int, error) {
	written := 0
	for chunk := range slices.Chunk(events, appendChunk) {
		var b strings.Builder
		b.WriteString("INSERT INTO events (id, customer_id, source_id, channel, type, name, message_id, ts, received_at, payload) VALUES ")
		args := make([]any, 0, len(chunk)*10)
		for i, e := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?)")
			args = append(args, e.ID, e.CustomerID, e.SourceID, e.Channel, e.Type, e.Name, e.MessageID,
				e.Timestamp.UnixMilli(), e.ReceivedAt.UnixMilli(), string(e.Payload))
		}
		b.WriteString(" ON CONFLICT (id) DO NOTHING")
		res, err := tx.ExecContext(ctx, b.String(), args...)
		if err != nil {
			return written, fmt.Errorf("append events: %w", err)
		}
		n, _ := res.RowsAffected()
		written += int(n)
	}
	return written, nil
}

func eventIDs(events []Event) []string {
	ids := make([]string, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}
