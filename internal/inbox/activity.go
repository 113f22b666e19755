package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/omni-hq/omni/internal/store"
)

// ChannelActivity is what happened lately on one channel, for its status.
type ChannelActivity struct {
	// LastReceived is when the latest message from a customer arrived;
	// zero when none ever did.
	LastReceived time.Time
	// LastFailure is the latest delivery error still on a message (an
	// error a later attempt overcame is gone); nil when there is none.
	LastFailure *Failure
}

// Failure is a delivery error of an outbound message.
type Failure struct {
	MessageID      string
	ConversationID string
	State          State // failed, or queued while a retry waits
	Error          string
	At             time.Time
}

// ChannelActivity reports the latest message received on channel and the
// latest delivery failure there.
func (s *Service) ChannelActivity(ctx context.Context, channel string) (ChannelActivity, error) {
	var a ChannelActivity
	var last *int64
	err := s.db.QueryRowContext(ctx, "SELECT MAX(created_at) FROM messages WHERE channel = ? AND direction = 'in'", channel).Scan(&last)
	if err != nil {
		return a, fmt.Errorf("last %s message received: %w", channel, err)
	}
	if last != nil {
		a.LastReceived = ms(*last)
	}
	var f Failure
	var at int64
	err = s.db.QueryRowContext(ctx, `SELECT id, conversation_id, state, error, error_at FROM messages
		WHERE channel = ? AND error_at IS NOT NULL AND error <> '' ORDER BY error_at DESC LIMIT 1`, channel).
		Scan(&f.MessageID, &f.ConversationID, &f.State, &f.Error, &at)
	switch {
	case store.IsNoRows(err):
	case err != nil:
		return a, fmt.Errorf("last %s delivery failure: %w", channel, err)
	default:
		f.At = ms(at)
		a.LastFailure = &f
	}
	return a, nil
}
